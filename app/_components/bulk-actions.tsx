'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { parseQuery } from '../_lib/search';
import { useTRPC } from '../_trpc/client';

const ACTIONS = [
  { value: 'power on', label: 'Power on' },
  { value: 'power off', label: 'Power off' },
  { value: 'inspect', label: 'Inspect' },
  { value: 'provide', label: 'Provide' },
  { value: 'manage', label: 'Manage' },
  { value: 'abort', label: 'Abort' },
] as const;
type Action = (typeof ACTIONS)[number]['value'];

const button =
  'rounded-md px-2.5 py-1 text-sm ring-1 ring-zinc-300 hover:bg-zinc-50 disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800';

/**
 * One action for every machine the search matches, run by the server (the browser never needs
 * the list of thousands of ids); the outcome groups failures by cause with a retry for each.
 */
export function BulkActions({ query, total }: { query: string; total: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [action, setAction] = useState<Action>('power on');
  const [confirming, setConfirming] = useState(false);
  const bulk = useMutation(
    trpc.machines.bulk.mutationOptions({
      onSettled: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.machines.page.queryKey() });
      },
    }),
  );
  const { reset } = bulk;
  useEffect(() => {
    setConfirming(false);
    reset();
  }, [query, action, reset]);

  const unreadable = parseQuery(query).errors.length > 0;
  const label = ACTIONS.find((a) => a.value === action)?.label ?? action;
  const result = bulk.data;
  return (
    <details className="rounded-lg text-sm ring-1 ring-zinc-200 dark:ring-zinc-800">
      <summary className="cursor-pointer px-3 py-1.5 text-zinc-600 select-none dark:text-zinc-300">
        Act on all {total} matching {total === 1 ? 'machine' : 'machines'}
      </summary>
      <div className="flex flex-col gap-2 px-3 pb-3">
        <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Bulk action">
          <select
            aria-label="Action"
            value={action}
            onChange={(e) => setAction(e.target.value as Action)}
            className="rounded-md bg-white px-2 py-1 ring-1 ring-zinc-300 dark:bg-zinc-900 dark:ring-zinc-700"
          >
            {ACTIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
          {confirming ? (
            <>
              <span>
                {label} {total} {total === 1 ? 'machine' : 'machines'}?
              </span>
              <button
                type="button"
                className={`${button} bg-sky-700 text-white ring-sky-700 hover:bg-sky-800`}
                disabled={bulk.isPending}
                onClick={() => bulk.mutate({ selection: { q: query }, action })}
              >
                {bulk.isPending ? 'Working…' : 'Confirm'}
              </button>
              <button type="button" className={button} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button
              type="button"
              className={button}
              disabled={unreadable || total === 0}
              onClick={() => setConfirming(true)}
            >
              Apply…
            </button>
          )}
          {unreadable && (
            <span className="text-xs text-amber-800 dark:text-amber-300">
              Fix the search first.
            </span>
          )}
        </div>
        {bulk.error && (
          <p role="alert" className="text-red-700 dark:text-red-400">
            {bulk.error.message}
          </p>
        )}
        {result && (
          <div role="status" className="flex flex-col gap-1.5" aria-label="Bulk result">
            <p>
              {label}: {result.succeeded.length} of {result.total} done
              {result.failed.length > 0 ? ', some failed:' : '.'}
            </p>
            <ul className="flex flex-col gap-1.5">
              {result.failed.map((group) => (
                <li
                  key={group.message}
                  className="rounded-md bg-red-50 px-2.5 py-1.5 dark:bg-red-500/10"
                >
                  <p className="text-red-800 dark:text-red-300">{group.message}</p>
                  <p className="text-xs text-zinc-600 dark:text-zinc-400">
                    {group.machines.length} {group.machines.length === 1 ? 'machine' : 'machines'}:{' '}
                    {group.machines
                      .slice(0, 8)
                      .map((m) => m.name)
                      .join(', ')}
                    {group.machines.length > 8 && `, and ${group.machines.length - 8} more`}
                  </p>
                  <button
                    type="button"
                    className="mt-1 text-xs text-sky-700 hover:underline dark:text-sky-300"
                    disabled={bulk.isPending}
                    onClick={() =>
                      bulk.mutate({
                        selection: { uuids: group.machines.map((m) => m.uuid) },
                        action,
                      })
                    }
                  >
                    Retry these {group.machines.length}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </details>
  );
}
