'use client';

import { useMutation } from '@tanstack/react-query';
import type { MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';

/** Powers a machine on or off through the conductor (and so through its BMC, like Ironic does). */
export function PowerButton({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const mutation = useMutation(trpc.machines.setPower.mutationOptions());
  const on = row.powerState === 'power on';
  const label = on ? 'Power off' : 'Power on';
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        aria-label={`${label} ${row.name}`}
        disabled={mutation.isPending}
        onClick={() => mutation.mutate({ ident: row.uuid, target: on ? 'power off' : 'power on' })}
        className="rounded-md px-2.5 py-1 text-sm font-medium ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 disabled:cursor-wait disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800"
      >
        {mutation.isPending ? `${on ? 'Powering off' : 'Powering on'}…` : label}
      </button>
      {mutation.error && (
        <p role="alert" className="max-w-56 text-right text-xs text-red-700 dark:text-red-400">
          {mutation.error.message}
        </p>
      )}
    </div>
  );
}
