'use client';

import { useMutation } from '@tanstack/react-query';
import type { ConsoleVerb } from '../_server/machine-actions';
import type { MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';

const VERBS: Record<ConsoleVerb, { label: string; help: string }> = {
  manage: { label: 'Manage', help: 'Check BMC access and make the machine manageable' },
  provide: { label: 'Provide', help: 'Clean the machine and make it available for deployment' },
  inspect: { label: 'Inspect', help: 'Boot the agent and collect the hardware inventory again' },
  abort: { label: 'Abort', help: 'Stop the operation in progress' },
  unhold: { label: 'Unhold', help: 'Let the held steps continue' },
};

/** The provision verbs the conductor accepts right now; the server decides which. */
export function ProvisionActions({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const mutation = useMutation(trpc.machines.setProvision.mutationOptions());
  if (row.actions.length === 0) return null;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2" role="group" aria-label="Provisioning actions">
        {row.actions.map((verb) => (
          <button
            key={verb}
            type="button"
            title={VERBS[verb].help}
            aria-label={`${VERBS[verb].label} ${row.name}`}
            disabled={mutation.isPending}
            onClick={() => mutation.mutate({ ident: row.uuid, verb })}
            className="rounded-md px-2.5 py-1 text-sm font-medium ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 disabled:cursor-wait disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            {VERBS[verb].label}
          </button>
        ))}
      </div>
      {mutation.error && (
        <p role="alert" className="max-w-80 text-right text-xs text-red-700 dark:text-red-400">
          {mutation.error.message}
        </p>
      )}
    </div>
  );
}
