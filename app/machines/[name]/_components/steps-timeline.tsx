'use client';

import { useQuery } from '@tanstack/react-query';
import { Card } from '../../../_components/facts';
import { formatAge, formatInstant } from '../../../_components/format';
import { useLabClock } from '../../../_components/lab-clock';
import { StepLine } from '../../../_components/step-progress';
import { buildTimeline, type StepStatus } from '../../../_lib/timeline';
import type { MachineRow } from '../../../_server/router';
import { useTRPC } from '../../../_trpc/client';

const mark: Record<StepStatus, { icon: string; label: string; cls: string }> = {
  done: { icon: '✓', label: 'done', cls: 'text-emerald-600 dark:text-emerald-400' },
  failed: { icon: '✗', label: 'failed', cls: 'text-red-600 dark:text-red-400' },
  running: { icon: '●', label: 'running', cls: 'text-sky-600 animate-pulse dark:text-sky-400' },
  pending: { icon: '○', label: 'pending', cls: 'text-zinc-400' },
  skipped: { icon: '–', label: 'not run', cls: 'text-zinc-400' },
};

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 60)} min`;
}

/** The last clean or deploy, step by step, with the running step's live progress. */
export function StepsTimeline({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const { now } = useLabClock();
  const events = useQuery(
    trpc.machines.events.queryOptions({ ident: row.name, limit: 1000 }, { staleTime: 5_000 }),
  );
  const timeline = events.data ? buildTimeline(events.data) : null;
  if (!timeline) return null;
  const end = timeline.finishedAt ?? now;
  const outcome = timeline.outcome;
  return (
    <Card
      title={`Last ${timeline.kind}`}
      action={
        <span className="text-xs text-zinc-500" title={formatInstant(timeline.startedAt)}>
          {outcome}
          {end !== null && ` · ${duration(end - timeline.startedAt)}`}
          {now !== null && ` · started ${formatAge(timeline.startedAt, now)}`}
        </span>
      }
    >
      <ol className="flex flex-col gap-2 text-sm" aria-label={`${timeline.kind} steps`}>
        {timeline.steps.map((step, i) => {
          const m = mark[step.status];
          const took =
            step.startedAt !== null
              ? (step.finishedAt ?? (step.status === 'running' ? now : null))
              : null;
          return (
            <li
              key={`${i}-${step.name}`}
              className="flex items-start gap-2"
              data-step-status={step.status}
            >
              <span aria-hidden className={`w-4 text-center ${m.cls}`}>
                {m.icon}
              </span>
              <div className="flex min-w-0 flex-col gap-0.5">
                <span>
                  <code className="text-xs">{step.name}</code>{' '}
                  <span className="text-xs text-zinc-500">
                    {m.label}
                    {took !== null &&
                      step.startedAt !== null &&
                      ` · ${duration(took - step.startedAt)}`}
                  </span>
                </span>
                {step.status === 'running' && row.step?.name === step.name && (
                  <StepLine row={row} />
                )}
                {step.error && (
                  <span className="text-xs break-words text-red-700 dark:text-red-400">
                    {step.error}
                  </span>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
