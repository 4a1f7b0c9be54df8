'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { provisionTone, toneClasses } from '../../_components/format';
import { machineHref } from '../../_components/machine-cells';
import type { ScenarioRunView } from '../../_server/scenarios';
import { useTRPC } from '../../_trpc/client';

const sub = 'text-xs text-zinc-600 dark:text-zinc-400';
const button =
  'rounded-md px-2.5 py-1 text-xs font-medium ring-1 ring-zinc-300 hover:bg-zinc-50 disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800';

/** A lab-clock instant as a time of day with its zone, e.g. "14:03:07 UTC". */
function clockTime(ms: number): string {
  return new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(ms);
}

const STATUS: Record<ScenarioRunView['status'], { label: string; tone: string }> = {
  running: { label: 'running', tone: toneClasses.busy },
  passed: { label: 'went as planned', tone: toneClasses.ok },
  unexpected: { label: 'did not go as planned', tone: toneClasses.bad },
  failed: { label: 'could not run', tone: toneClasses.bad },
  cancelled: { label: 'cancelled', tone: toneClasses.idle },
};

interface RackMachine {
  id: string;
  name: string;
  node: { name: string; provisionState: string } | null;
}

function ScenarioCard({
  scenario,
  machines,
}: {
  scenario: {
    id: string;
    title: string;
    description: string;
    from: string;
    when: string;
    expect: string;
  };
  machines: RackMachine[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [target, setTarget] = useState('');
  const eligible = machines.filter((m) => m.node?.provisionState === scenario.from);
  const chosen = eligible.some((m) => m.id === target) ? target : '';
  const start = useMutation(
    trpc.fleet.startScenario.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.scenarioRuns.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() });
      },
    }),
  );
  const headingId = `scenario-${scenario.id}`;
  return (
    <li
      aria-labelledby={headingId}
      className="flex flex-col gap-2 rounded-lg p-3 ring-1 ring-zinc-200 dark:ring-zinc-800"
    >
      <h3 id={headingId} className="text-sm font-medium">
        {scenario.title}
      </h3>
      <p className={sub}>{scenario.description}</p>
      <p className={sub}>
        Strikes when {scenario.when}; expect <strong>{scenario.expect}</strong>.
      </p>
      <div className="mt-auto flex flex-wrap items-center gap-2">
        <label className={`${sub} flex items-center gap-1`}>
          On
          <select
            className="rounded-md bg-white px-1.5 py-0.5 text-xs text-zinc-900 ring-1 ring-zinc-300 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700"
            value={chosen}
            onChange={(e) => setTarget(e.target.value)}
          >
            <option value="">a new machine</option>
            {eligible.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({scenario.from})
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className={button}
          aria-label={`Start scenario: ${scenario.title}`}
          disabled={start.isPending}
          onClick={() => start.mutate({ scenario: scenario.id, machine: chosen || undefined })}
        >
          Start
        </button>
      </div>
      {start.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {start.error.message}
        </p>
      )}
    </li>
  );
}

function RunItem({ run }: { run: ScenarioRunView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const clear = useMutation(
    trpc.fleet.clearScenario.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.scenarioRuns.queryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() });
      },
    }),
  );
  const status = STATUS[run.status];
  const running = run.status === 'running';
  return (
    <li
      data-scenario-run={run.id}
      aria-label={`${run.title} on ${run.machine}`}
      className="flex flex-col gap-1.5 px-3 py-2"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-sm font-medium">{run.title}</span>
        <span className={sub}>on</span>
        {run.node ? (
          <Link
            href={machineHref(run.node)}
            className="text-sm text-sky-800 hover:underline dark:text-sky-300"
          >
            {run.node}
          </Link>
        ) : (
          <span className="text-sm">{run.machine}</span>
        )}
        <span
          data-testid="scenario-status"
          className={`rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${status.tone}`}
        >
          {status.label}
        </span>
        {(running || run.activeFaults > 0) && (
          <button
            type="button"
            className={`${button} ml-auto`}
            disabled={clear.isPending}
            onClick={() => clear.mutate({ run: run.id })}
          >
            {running ? 'Cancel and clear faults' : 'Clear faults'}
          </button>
        )}
      </div>
      {run.outcome && (
        <p className="text-sm" data-testid="scenario-outcome">
          Ended{' '}
          <span
            className={`rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${toneClasses[provisionTone(run.outcome.state)]}`}
          >
            {run.outcome.state}
          </span>
          {run.outcome.reason && <span className="ml-1">{run.outcome.reason}</span>}
        </p>
      )}
      <ol className={`${sub} flex flex-col gap-0.5 font-mono`} aria-label="Scenario log">
        {run.log.map((entry, i) => (
          <li key={i}>
            <time dateTime={new Date(entry.at).toISOString()} title="On the lab clock">
              {clockTime(entry.at)}
            </time>{' '}
            {entry.text}
          </li>
        ))}
      </ol>
      {clear.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {clear.error.message}
        </p>
      )}
    </li>
  );
}

/** Named training scenarios an instructor starts in one click, and how each run is going. */
export function ScenarioPanel({ machines }: { machines: RackMachine[] }) {
  const trpc = useTRPC();
  const scenarios = useQuery(trpc.fleet.scenarios.queryOptions());
  const runs = useQuery(
    trpc.fleet.scenarioRuns.queryOptions(undefined, {
      refetchInterval: (query) =>
        query.state.data?.some((run) => run.status === 'running') ? 1_000 : 10_000,
    }),
  );
  return (
    <section
      aria-labelledby="scenarios-heading"
      className="flex flex-col gap-3 rounded-lg p-4 ring-1 ring-zinc-200 dark:ring-zinc-800"
    >
      <h2 id="scenarios-heading" className="text-sm font-semibold">
        Training scenarios
      </h2>
      <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
        {scenarios.data?.map((s) => (
          <ScenarioCard key={s.id} scenario={s} machines={machines} />
        ))}
      </ul>
      {runs.data && runs.data.length > 0 && (
        <>
          <h3 className="text-xs font-medium tracking-wide text-zinc-600 uppercase dark:text-zinc-400">
            Runs
          </h3>
          <ul
            aria-label="Scenario runs"
            className="divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800"
          >
            {runs.data.map((run) => (
              <RunItem key={run.id} run={run} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
