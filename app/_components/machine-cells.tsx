'use client';

import Link from 'next/link';
import type { Term } from '../_lib/search';
import type { MachineRow } from '../_server/router';
import { formatDiskBytes, formatMemoryMiB, provisionTone, toneClasses } from './format';
import { StepLine, TimeInState } from './step-progress';

export const sub = 'text-xs text-zinc-500 dark:text-zinc-400';

export type OnFilter = (term: Term) => void;

const field = (name: string, value: string): Term => ({
  kind: 'field',
  field: name,
  values: [value],
  negate: false,
});

export function machineHref(name: string): string {
  return `/machines/${encodeURIComponent(name)}`;
}

export function NameCell({ row, onFilter }: { row: MachineRow; onFilter?: OnFilter }) {
  const profile = row.simulated?.profile;
  return (
    <>
      <Link
        href={machineHref(row.name)}
        className="font-medium text-sky-800 hover:underline dark:text-sky-300"
      >
        {row.name}
      </Link>
      <div className={`${sub} whitespace-nowrap`}>
        {profile && onFilter ? (
          <button
            type="button"
            className="hover:underline"
            aria-label={`Filter by profile ${profile}`}
            onClick={() => onFilter(field('profile', profile))}
          >
            {profile}
          </button>
        ) : (
          (profile ?? row.driver)
        )}
        {row.simulated?.kind === 'qemu' && (
          <span
            className="ml-1 rounded px-1 text-[10px] font-semibold text-violet-800 ring-1 ring-violet-300 ring-inset dark:text-violet-300 dark:ring-violet-700"
            title="Its hardware is a QEMU process: real firmware, kernel and agent"
          >
            QEMU
          </span>
        )}
        <span className="font-mono" title={`Node ${row.uuid}`}>
          {' '}
          · {row.uuid.slice(0, 8)}
        </span>
      </div>
    </>
  );
}

export function ProvisionCell({ row, onFilter }: { row: MachineRow; onFilter?: OnFilter }) {
  const tone = provisionTone(row.provisionState);
  const badge = `rounded-md px-1.5 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${toneClasses[tone]}`;
  return (
    <div className="flex flex-col items-start gap-0.5">
      {onFilter ? (
        <button
          type="button"
          className={`${badge} hover:ring-2`}
          aria-label={`Filter by state ${row.provisionState}`}
          onClick={() => onFilter(field('state', row.provisionState))}
        >
          {row.provisionState}
        </button>
      ) : (
        <span className={badge}>{row.provisionState}</span>
      )}
      {row.targetProvisionState && (
        <span className={sub}>
          → {row.targetProvisionState} <TimeInState row={row} />
        </span>
      )}
      <StepLine row={row} />
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

export function PowerCell({ state, onFilter }: { state: string | null; onFilter?: OnFilter }) {
  const dot =
    state === 'power on'
      ? 'bg-emerald-500'
      : state === 'power off'
        ? 'bg-zinc-400'
        : 'bg-amber-500';
  const word = state === 'power on' ? 'on' : state === 'power off' ? 'off' : 'unknown';
  const content = (
    <>
      <span aria-hidden className={`size-2 rounded-full ${dot}`} />
      <span data-testid="power-state">{state ?? 'unknown'}</span>
    </>
  );
  const cls = 'inline-flex items-center gap-1.5 whitespace-nowrap';
  return onFilter ? (
    <button
      type="button"
      className={`${cls} hover:underline`}
      aria-label={`Filter by power ${word}`}
      onClick={() => onFilter(field('power', word))}
    >
      {content}
    </button>
  ) : (
    <span className={cls}>{content}</span>
  );
}

export function HardwareCell({ row }: { row: MachineRow }) {
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

export function AgentCell({ row }: { row: MachineRow }) {
  if (!row.agentVersion && !row.agentUrl) return <span className={sub}>no agent</span>;
  return (
    <>
      <div>{row.agentVersion ?? 'unknown version'}</div>
      {row.agentUrl && <div className={`${sub} font-mono whitespace-nowrap`}>{row.agentUrl}</div>}
    </>
  );
}

export function BmcCell({ row }: { row: MachineRow }) {
  if (!row.bmc) return <span className={sub}>none</span>;
  return (
    <>
      <div className="font-mono text-xs whitespace-nowrap">{row.bmc.address}</div>
      {row.bmc.systemId && (
        <div className={`${sub} font-mono whitespace-nowrap`}>{row.bmc.systemId}</div>
      )}
    </>
  );
}
