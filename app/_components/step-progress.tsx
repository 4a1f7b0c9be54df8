'use client';

import type { MachineRow } from '../_server/router';
import { formatAge, formatDiskBytes } from './format';
import { useLabClock } from './lab-clock';

/** "step 2/3: erase_devices · 40%" with a bar; the interface prefix is noise in a list. */
export function StepLine({ row }: { row: MachineRow }) {
  const step = row.step;
  if (!step) return null;
  const pct = step.fraction === null ? null : Math.round(step.fraction * 100);
  const short = step.name.split('.').pop() ?? step.name;
  return (
    <div className="flex w-44 flex-col gap-0.5" data-testid="step">
      <span
        className="truncate text-xs text-zinc-600 dark:text-zinc-300"
        title={step.message ?? step.name}
      >
        step {step.index}/{step.total}: {short}
        {pct !== null && ` · ${pct}%`}
      </span>
      {pct !== null && (
        <div
          role="progressbar"
          aria-label={`${step.name} on ${row.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          className="h-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
        >
          <div
            className="h-full rounded-full bg-sky-500 transition-[width]"
            style={{ width: `${pct}%` }}
          />
        </div>
      )}
    </div>
  );
}

/** The step in words: rate and time left, for the detail page. */
export function StepDetail({ row }: { row: MachineRow }) {
  const step = row.step;
  if (!step) return null;
  const left =
    step.bytesTotal !== null && step.bytesDone !== null && step.bytesPerSecond
      ? Math.round((step.bytesTotal - step.bytesDone) / step.bytesPerSecond)
      : null;
  const parts = [
    step.fraction !== null ? `${Math.round(step.fraction * 100)}%` : null,
    step.bytesPerSecond ? `${formatDiskBytes(step.bytesPerSecond)}/s` : null,
    left !== null ? `about ${left < 90 ? `${left} s` : `${Math.round(left / 60)} min`} left` : null,
  ].filter(Boolean);
  return (
    <div className="flex flex-col gap-1">
      <span>
        {step.kind} step {step.index} of {step.total}: <code className="text-xs">{step.name}</code>
      </span>
      {parts.length > 0 && (
        <span className="text-xs text-zinc-500 dark:text-zinc-400">{parts.join(' · ')}</span>
      )}
      {step.message && (
        <span className="text-xs text-zinc-500 dark:text-zinc-400">{step.message}</span>
      )}
      <StepLine row={row} />
    </div>
  );
}

/** How long the machine has been in its provision state, e.g. "for 3 min". */
export function TimeInState({ row }: { row: MachineRow }) {
  const { now } = useLabClock();
  if (row.provisionUpdatedAt === null || now === null) return null;
  return (
    <span className="text-xs text-zinc-500 dark:text-zinc-400">
      for {formatAge(row.provisionUpdatedAt, now).replace(' ago', '')}
    </span>
  );
}
