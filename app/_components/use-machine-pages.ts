'use client';

import { keepPreviousData, useQueries } from '@tanstack/react-query';
import type { MachinePage, MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';
import type { ListParams } from './use-list-params';

export const PAGE_SIZE = 100;

export interface MachinePages {
  /** Rows matching the search, or null before the first page arrives. */
  total: number | null;
  first: MachinePage | undefined;
  rowAt: (index: number) => MachineRow | undefined;
  shownUuids: () => Set<string>;
  fetching: boolean;
}

/**
 * Loads only the pages of the sorted, filtered fleet that the window shows. Pages never go stale
 * on their own: the live stream patches their rows in place, and a refresh refetches them.
 */
export function useMachinePages(params: ListParams, visible: readonly number[]): MachinePages {
  const trpc = useTRPC();
  const pages = [...new Set([0, ...visible.map((i) => Math.floor(i / PAGE_SIZE))])].sort(
    (a, b) => a - b,
  );
  const results = useQueries({
    queries: pages.map((page) =>
      trpc.machines.page.queryOptions(
        { ...params, offset: page * PAGE_SIZE, limit: PAGE_SIZE },
        { staleTime: Infinity, placeholderData: page === 0 ? keepPreviousData : undefined },
      ),
    ),
  });
  const byPage = new Map(pages.map((page, i) => [page, results[i]?.data]));
  const first = byPage.get(0);
  return {
    total: first?.total ?? null,
    first,
    rowAt: (index) => byPage.get(Math.floor(index / PAGE_SIZE))?.rows[index % PAGE_SIZE],
    shownUuids: () =>
      new Set([...byPage.values()].flatMap((p) => p?.rows.map((r) => r.uuid) ?? [])),
    fetching: results.some((r) => r.isFetching),
  };
}
