'use client';

import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';

/** How long "Confirm power off" waits for the second click before standing down. */
const CONFIRM_MS = 5_000;

/**
 * Powers a machine on or off through the conductor (and so through its BMC, like Ironic does).
 * Cutting power asks for a second click: it kills whatever the machine is doing.
 */
export function PowerButton({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const mutation = useMutation(trpc.machines.setPower.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(false), CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [confirming]);

  const on = row.powerState === 'power on';
  const label = on ? (confirming ? 'Confirm power off' : 'Power off') : 'Power on';
  const act = () => {
    if (on && !confirming) {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    mutation.mutate({ ident: row.uuid, target: on ? 'power off' : 'power on' });
  };
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        aria-label={`${label} ${row.name}`}
        disabled={mutation.isPending}
        onClick={act}
        onBlur={() => setConfirming(false)}
        className={`rounded-md px-2.5 py-1 text-sm font-medium whitespace-nowrap ring-1 ring-inset disabled:cursor-wait disabled:opacity-60 ${
          confirming
            ? 'bg-red-600 text-white ring-red-600 hover:bg-red-700'
            : 'ring-zinc-300 hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-800'
        }`}
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
