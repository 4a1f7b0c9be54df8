'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';
import { ConnectionIndicator } from './connection-indicator';
import { useLiveMachines } from './live-machines';
import { MachineTable } from './machine-table';

export function MachinesView() {
  const trpc = useTRPC();
  const info = useQuery(trpc.lab.info.queryOptions());
  const { list, connection } = useLiveMachines();
  const count = list.rows.length;
  return (
    <section aria-labelledby="machines-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 id="machines-heading" className="text-lg font-semibold">
          Machines{' '}
          {list.ready && (
            <span className="font-normal text-zinc-500 dark:text-zinc-400">{count}</span>
          )}
        </h1>
        <ConnectionIndicator />
      </div>
      {!list.ready ? (
        <p className="py-10 text-center text-sm text-zinc-500">Loading machines…</p>
      ) : count === 0 ? (
        <p className="py-10 text-center text-sm text-zinc-500">
          No machines enrolled yet. Enrol one through the Ironic API at{' '}
          <code>{info.data?.ironicApiUrl ?? '…'}</code>.
        </p>
      ) : (
        <MachineTable
          rows={list.rows}
          stale={connection === 'stale'}
          heartbeatTimeoutS={info.data?.heartbeatTimeoutS}
        />
      )}
    </section>
  );
}
