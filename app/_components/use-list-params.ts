'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';
import { SORT_KEYS, type SortDir, type SortKey } from '../_lib/search';

export interface ListParams {
  q: string;
  sort: SortKey;
  dir: SortDir;
}

const isSortKey = (v: string | null): v is SortKey => SORT_KEYS.includes(v as SortKey);

/** The list's search and order live in the URL, so a view can be bookmarked and shared. */
export function useListParams(): [ListParams, (next: Partial<ListParams>) => void] {
  const search = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const sort = search.get('sort');
  const params: ListParams = {
    q: search.get('q') ?? '',
    sort: isSortKey(sort) ? sort : 'name',
    dir: search.get('dir') === 'desc' ? 'desc' : 'asc',
  };
  const update = useCallback(
    (next: Partial<ListParams>) => {
      const merged = new URLSearchParams(search.toString());
      for (const [key, value] of Object.entries(next)) {
        const isDefault =
          value === '' ||
          (key === 'sort' && value === 'name') ||
          (key === 'dir' && value === 'asc');
        if (isDefault) merged.delete(key);
        else merged.set(key, String(value));
      }
      const query = merged.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname, search],
  );
  return [params, update];
}
