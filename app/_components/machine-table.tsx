'use client';

import type { MachineRow } from '../_server/router';
import { formatDiskBytes, formatMemoryMiB, provisionTone, toneClasses } from './format';
import { HeartbeatAge } from './heartbeat-age';
import { PowerButton } from './power-button';

const th =
  'px-3 py-2 text-left text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400';
const td = 'px-3 py-2 align-top';
const sub = 'text-xs text-zinc-500 dark:text-zinc-400';

function ProvisionCell({ row }: { row: MachineRow }) {
  const tone = provisionTone(row.provisionState);
  return (
    <div className="flex flex-col items-start gap-0.5">
      <span
        className={`rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${toneClasses[tone]}`}
      >
        {row.provisionState}
      </span>
      {row.targetProvisionState && <span className={sub}>→ {row.targetProvisionState}</span>}
      {row.maintenance && (
        <span className="text-xs text-amber-700 dark:text-amber-400">maintenance</span>
      )}
      {row.lastError && (
        <span
          className="max-w-64 truncate text-xs text-red-700 dark:text-red-400"
          title={row.lastError}
        >
          {row.lastError}
        </span>
      )}
    </div>
  );
}

function PowerCell({ state }: { state: string | null }) {
  const dot =
    state === 'power on'
      ? 'bg-emerald-500'
      : state === 'power off'
        ? 'bg-zinc-400'
        : 'bg-amber-500';
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap" data-testid="power-state">
      <span aria-hidden className={`size-2 rounded-full ${dot}`} />
      {state ?? 'unknown'}
    </span>
  );
}

function HardwareCell({ row }: { row: MachineRow }) {
  const inv = row.inventory;
  if (!inv) return <span className={sub}>not inspected</span>;
  return (
    <div className="whitespace-nowrap" data-testid="hardware">
      <div>
        {inv.cpus ?? '?'} CPU ·{' '}
        {inv.ramMiB === null ? '? RAM' : `${formatMemoryMiB(inv.ramMiB)} RAM`}
      </div>
      <div className={sub}>
        {inv.diskCount} {inv.diskCount === 1 ? 'disk' : 'disks'}, {formatDiskBytes(inv.diskBytes)}
        {inv.nicCount > 0 && ` · ${inv.nicCount} NIC${inv.nicCount === 1 ? '' : 's'}`}
      </div>
    </div>
  );
}

/** The fleet at a glance: one dense row per machine, patched in place as the feed reports. */
export function MachineTable({
  rows,
  stale,
  heartbeatTimeoutS,
}: {
  rows: readonly MachineRow[];
  stale: boolean;
  heartbeatTimeoutS?: number;
}) {
  return (
    <div className="overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
      <table
        className={`w-full border-collapse text-sm transition-opacity ${stale ? 'opacity-60' : ''}`}
        aria-busy={stale || undefined}
      >
        <caption className="sr-only">Machines, updated live</caption>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            <th scope="col" className={th}>
              Machine
            </th>
            <th scope="col" className={th}>
              Provision state
            </th>
            <th scope="col" className={th}>
              Power
            </th>
            <th scope="col" className={th}>
              Last heartbeat
            </th>
            <th scope="col" className={th}>
              Agent
            </th>
            <th scope="col" className={th}>
              Hardware
            </th>
            <th scope="col" className={th}>
              BMC
            </th>
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/80">
          {rows.map((row) => (
            <tr
              key={row.uuid}
              data-machine={row.name}
              className="hover:bg-zinc-50/60 dark:hover:bg-zinc-900/50"
            >
              <th scope="row" className={`${td} text-left font-normal`}>
                <div className="font-medium">{row.name}</div>
                <div className={`${sub} font-mono`} title={`Node ${row.uuid}`}>
                  {row.simulated?.profile ?? row.driver} · {row.uuid.slice(0, 8)}
                </div>
              </th>
              <td className={td}>
                <ProvisionCell row={row} />
              </td>
              <td className={td}>
                <PowerCell state={row.powerState} />
              </td>
              <td className={`${td} whitespace-nowrap`}>
                <HeartbeatAge at={row.lastHeartbeat} timeoutS={heartbeatTimeoutS} />
              </td>
              <td className={td}>
                {row.agentVersion || row.agentUrl ? (
                  <>
                    <div>{row.agentVersion ?? 'unknown version'}</div>
                    {row.agentUrl && <div className={`${sub} font-mono`}>{row.agentUrl}</div>}
                  </>
                ) : (
                  <span className={sub}>no agent</span>
                )}
              </td>
              <td className={td}>
                <HardwareCell row={row} />
              </td>
              <td className={td}>
                {row.bmc ? (
                  <>
                    <div className="font-mono text-xs">{row.bmc.address}</div>
                    {row.bmc.systemId && (
                      <div className={`${sub} font-mono`}>{row.bmc.systemId}</div>
                    )}
                  </>
                ) : (
                  <span className={sub}>none</span>
                )}
              </td>
              <td className={`${td} text-right`}>
                <PowerButton row={row} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
