'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../_trpc/client';

/** Where the lab's parts listen, so a `baremetal` CLI or a Redfish client can join in. */
export function LabSummary() {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.lab.info.queryOptions());
  if (!data) return null;
  return (
    <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-zinc-500 dark:text-zinc-400">
      <div className="flex gap-1.5">
        <dt>Ironic API</dt>
        <dd className="font-mono text-zinc-700 dark:text-zinc-300">{data.ironicApiUrl}</dd>
      </div>
      <div className="flex gap-1.5">
        <dt>Redfish</dt>
        <dd className="font-mono text-zinc-700 dark:text-zinc-300">{data.redfishUrl}</dd>
      </div>
      <div className="flex gap-1.5">
        <dt>Lab clock</dt>
        <dd className="text-zinc-700 dark:text-zinc-300">{data.simSpeed}× real time</dd>
      </div>
    </dl>
  );
}
