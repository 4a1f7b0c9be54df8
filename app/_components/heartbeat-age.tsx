'use client';

import { formatAge, formatInstant } from './format';
import { useLabClock } from './lab-clock';

/** "12 s ago", ticking; the exact time, with its zone, in the tooltip. */
export function HeartbeatAge({ at, timeoutS }: { at: number | null; timeoutS?: number }) {
  const { now, speed } = useLabClock();
  if (at === null) return <span className="text-zinc-500 dark:text-zinc-400">never</span>;
  const overdue = timeoutS !== undefined && now !== null && now - at > timeoutS * 1000;
  const title = `${formatInstant(at)}${speed === 1 ? '' : ` · lab clock at ${speed}×`}`;
  return (
    <time
      dateTime={new Date(at).toISOString()}
      title={title}
      data-testid="heartbeat-age"
      className={overdue ? 'text-amber-700 dark:text-amber-400' : undefined}
    >
      {now === null ? '…' : formatAge(at, now)}
      {overdue && <span className="sr-only"> (overdue)</span>}
    </time>
  );
}
