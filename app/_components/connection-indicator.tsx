'use client';

import { useLive, type Connection } from './live-provider';

const look: Record<Connection, { label: string; dot: string }> = {
  connecting: { label: 'Connecting…', dot: 'bg-zinc-400' },
  live: { label: 'Live', dot: 'bg-emerald-500' },
  reconnecting: { label: 'Reconnecting…', dot: 'bg-amber-500 animate-pulse' },
  stale: { label: 'Stale', dot: 'bg-red-500' },
};

/** Says whether what is on screen is current: live, reconnecting, or stale since a given time. */
export function ConnectionIndicator() {
  const { connection, lostAt, retry } = useLive();
  const { label, dot } = look[connection];
  const since =
    lostAt === null
      ? null
      : new Intl.DateTimeFormat(undefined, { timeStyle: 'long' }).format(lostAt);
  return (
    <div className="flex items-center gap-2 text-sm" role="status" aria-live="polite">
      <span
        className="inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 ring-1 ring-zinc-200 dark:ring-zinc-800"
        data-connection={connection}
        title={since ? `Updates stopped at ${since}` : 'Receiving live updates'}
      >
        <span aria-hidden className={`size-2 rounded-full ${dot}`} />
        <span>{label}</span>
        {connection === 'stale' && since && (
          <span className="text-zinc-500 dark:text-zinc-400">since {since}</span>
        )}
      </span>
      {connection === 'stale' && (
        <button
          type="button"
          onClick={retry}
          className="rounded-md px-2 py-0.5 text-sm font-medium text-sky-700 hover:bg-sky-50 dark:text-sky-300 dark:hover:bg-sky-500/10"
        >
          Retry
        </button>
      )}
    </div>
  );
}
