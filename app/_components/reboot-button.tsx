'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';

const CONFIRM_MS = 5_000;

/** A hard reboot through the BMC; like power off it asks for a second click. */
export function RebootButton({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const mutation = useMutation(trpc.machines.setPower.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(false), CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [confirming]);
  if (row.powerState !== 'power on') return null;
  const label = confirming ? 'Confirm reboot' : 'Reboot';
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        aria-label={`${label} ${row.name}`}
        disabled={mutation.isPending}
        onBlur={() => setConfirming(false)}
        onClick={() => {
          if (!confirming) {
            setConfirming(true);
            return;
          }
          setConfirming(false);
          mutation.mutate({ ident: row.uuid, target: 'rebooting' });
        }}
        className={`rounded-md px-2.5 py-1 text-sm font-medium whitespace-nowrap ring-1 ring-inset disabled:cursor-wait disabled:opacity-60 ${
          confirming
            ? 'bg-red-600 text-white ring-red-600 hover:bg-red-700'
            : 'ring-zinc-300 hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-800'
        }`}
      >
        {mutation.isPending ? 'Rebooting…' : label}
      </button>
      {mutation.error && (
        <p role="alert" className="max-w-56 text-right text-xs text-red-700 dark:text-red-400">
          {mutation.error.message}
        </p>
      )}
    </div>
  );
}
