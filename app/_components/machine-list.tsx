'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { parseQuery, withTerm, type MatchContext, type SortKey, type Term } from '../_lib/search';
import { useTRPC } from '../_trpc/client';
import { AttentionBar } from './attention-bar';
import { BulkActions } from './bulk-actions';
import { ConnectionIndicator } from './connection-indicator';
import { useLabClock } from './lab-clock';
import { listImpact } from './live-patch';
import { useLive } from './live-provider';
import { MachineTable } from './machine-table';
import { SearchBar } from './search-bar';
import { StateFilters } from './state-filters';
import { useListParams } from './use-list-params';
import { useMachinePages } from './use-machine-pages';

/** The fleet list: search and order in the URL, rows paged from the server, patched live. */
export function MachineList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const info = useQuery(trpc.lab.info.queryOptions());
  const { connection, listen } = useLive();
  const [params, setParams] = useListParams();
  const [range, setRange] = useState<number[]>([0, 0]);
  const pages = useMachinePages(params, range);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());

  const terms = useMemo(() => parseQuery(params.q).terms, [params.q]);
  const shown = useRef(pages.shownUuids);
  shown.current = pages.shownUuids;
  // Some terms (silent:yes) need the lab's time to judge a row, as the server does.
  const { now } = useLabClock();
  const context = useRef<MatchContext>({});
  context.current = {
    now: now ?? undefined,
    heartbeatTimeoutMs: info.data ? info.data.heartbeatTimeoutS * 1000 : undefined,
  };

  useEffect(() => setPending(new Set()), [params.q, params.sort, params.dir]);
  useEffect(
    () =>
      listen((event) => {
        const impact = listImpact(
          event,
          terms,
          (uuid) => shown.current().has(uuid),
          context.current,
        );
        if (impact !== 'pending') return;
        const uuid = event.type === 'remove' ? event.uuid : event.row.uuid;
        setPending((before) => (before.has(uuid) ? before : new Set(before).add(uuid)));
      }),
    [listen, terms],
  );

  const setQuery = useCallback((q: string) => setParams({ q }), [setParams]);
  const onFilter = useCallback(
    (term: Term) => setParams({ q: withTerm(params.q, term) }),
    [params.q, setParams],
  );
  const onSort = useCallback(
    (sort: SortKey) =>
      setParams({ sort, dir: params.sort === sort && params.dir === 'asc' ? 'desc' : 'asc' }),
    [params.sort, params.dir, setParams],
  );
  const onRangeChange = useCallback((first: number, last: number) => {
    setRange((before) => (before[0] === first && before[1] === last ? before : [first, last]));
  }, []);
  const refresh = () => {
    setPending(new Set());
    void queryClient.invalidateQueries({ queryKey: trpc.machines.page.queryKey() });
  };

  const total = pages.total;
  const fleetTotal = pages.first?.fleetTotal;
  return (
    <section aria-labelledby="machines-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 id="machines-heading" className="text-lg font-semibold">
          Machines{' '}
          {total !== null && (
            <span
              className="font-normal text-zinc-500 dark:text-zinc-400"
              data-testid="machine-count"
            >
              {params.q && fleetTotal !== undefined ? `${total} of ${fleetTotal}` : total}
            </span>
          )}
        </h1>
        <div className="flex items-center gap-3">
          {pending.size > 0 && (
            <button
              type="button"
              onClick={refresh}
              className="rounded-full bg-sky-700 px-3 py-0.5 text-sm font-medium text-white hover:bg-sky-800"
            >
              {pending.size} {pending.size === 1 ? 'change' : 'changes'} · Refresh
            </button>
          )}
          <ConnectionIndicator />
        </div>
      </div>
      <SearchBar query={params.q} onChange={setQuery} />
      {pages.first && (
        <AttentionBar attention={pages.first.attention} query={params.q} onChange={setQuery} />
      )}
      <div className="flex flex-wrap items-start justify-between gap-2">
        <StateFilters states={pages.first?.states ?? {}} query={params.q} onChange={setQuery} />
        {total !== null && total > 0 && <BulkActions query={params.q} total={total} />}
      </div>
      {total === null ? (
        <p className="py-10 text-center text-sm text-zinc-500 dark:text-zinc-400">
          Loading machines…
        </p>
      ) : total === 0 ? (
        <div className="py-10 text-center text-sm text-zinc-500 dark:text-zinc-400">
          {params.q ? (
            <>
              No machines match.{' '}
              <button
                type="button"
                className="text-sky-700 hover:underline dark:text-sky-300"
                onClick={() => setQuery('')}
              >
                Clear the search
              </button>
            </>
          ) : (
            <>
              No machines enrolled yet. Enrol one through the Ironic API at{' '}
              <code>{info.data?.ironicApiUrl ?? '…'}</code>.
            </>
          )}
        </div>
      ) : (
        <MachineTable
          pages={pages}
          params={params}
          onRangeChange={onRangeChange}
          onSort={onSort}
          onFilter={onFilter}
          stale={connection === 'stale'}
          heartbeatTimeoutS={info.data?.heartbeatTimeoutS}
        />
      )}
    </section>
  );
}
