'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect } from 'react';
import { formatDiskBytes, formatMemoryMiB } from '../../_components/format';
import { useLive } from '../../_components/live-provider';
import { machineHref } from '../../_components/machine-cells';
import { useTRPC } from '../../_trpc/client';
import { AddMachineForm } from './add-machine-form';
import { FaultEditor } from './fault-editor';
import { ScenarioPanel } from './scenario-panel';

const th =
  'px-3 py-2 text-left text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400';
const td = 'px-3 py-2 align-top';
const sub = 'text-xs text-zinc-500 dark:text-zinc-400';

function BoardPowerButton({ id, name, on }: { id: string; name: string; on: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mutation = useMutation(
    trpc.fleet.setBoardPower.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() }),
    }),
  );
  return (
    <button
      type="button"
      aria-label={`${on ? 'Pull the plug on' : 'Press power on'} ${name}`}
      title="Acts on the board directly, behind the conductor's back"
      disabled={mutation.isPending}
      onClick={() => mutation.mutate({ id, on: !on })}
      className="rounded-md px-2 py-0.5 text-xs whitespace-nowrap ring-1 ring-zinc-300 hover:bg-zinc-50 disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800"
    >
      {on ? 'Pull plug' : 'Press power'}
    </button>
  );
}

/**
 * The lab's rack: every simulated machine as its board sees it (power, what it is running,
 * injected faults), next to the node the conductor knows it as.
 */
export function SimulatorPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { listen } = useLive();
  const machines = useQuery(
    trpc.fleet.machines.queryOptions(undefined, { refetchInterval: 5_000 }),
  );

  // Node changes usually mean a board changed too; refetch, at most once a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = listen(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() });
      }, 1_000);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [listen, queryClient, trpc]);

  return (
    <section aria-labelledby="simulator-heading" className="flex flex-col gap-4">
      <h1 id="simulator-heading" className="text-lg font-semibold">
        Simulator{' '}
        {machines.data && (
          <span className="font-normal text-zinc-500 dark:text-zinc-400">
            {machines.data.length}
          </span>
        )}
      </h1>
      <AddMachineForm />
      <ScenarioPanel machines={machines.data ?? []} />
      <div className="overflow-x-auto rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800">
        <table className="w-full text-sm">
          <caption className="sr-only">Simulated machines</caption>
          <thead className="bg-zinc-50 dark:bg-zinc-900">
            <tr>
              {['Machine', 'Board', 'Running', 'Hardware', 'Node', 'Faults'].map((h) => (
                <th key={h} scope="col" className={th}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {machines.data?.map((m) => (
              <tr key={m.id} data-sim-machine={m.id}>
                <th scope="row" className={`${td} text-left font-normal`}>
                  <div className="flex items-center gap-1.5 font-medium">
                    {m.name}
                    {m.kind === 'qemu' && (
                      <span
                        title="Its boots run in QEMU: real firmware, kernel and agent"
                        className="rounded bg-violet-50 px-1 text-[10px] font-semibold tracking-wide text-violet-800 ring-1 ring-violet-600/20 dark:bg-violet-500/10 dark:text-violet-300"
                      >
                        QEMU
                      </span>
                    )}
                  </div>
                  <div className={sub}>{m.profile}</div>
                </th>
                <td className={td}>
                  <div className="flex items-center gap-2">
                    <span data-testid="board-power">{m.power}</span>
                    <BoardPowerButton id={m.id} name={m.name} on={m.power === 'On'} />
                  </div>
                </td>
                <td className={td}>{m.agent}</td>
                <td className={`${td} whitespace-nowrap`}>
                  {m.cpus} CPU · {formatMemoryMiB(m.memoryMiB)}
                  <div className={sub}>
                    {m.disks.length} {m.disks.length === 1 ? 'disk' : 'disks'},{' '}
                    {formatDiskBytes(m.disks.reduce((s, d) => s + d.sizeBytes, 0))}
                  </div>
                </td>
                <td className={td}>
                  {m.node ? (
                    <>
                      <Link
                        href={machineHref(m.node.name)}
                        className="text-sky-800 hover:underline dark:text-sky-300"
                      >
                        {m.node.name}
                      </Link>
                      <div className={sub}>{m.node.provisionState}</div>
                    </>
                  ) : (
                    <span className={sub}>not enrolled</span>
                  )}
                </td>
                <td className={td}>
                  <FaultEditor machine={m} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
