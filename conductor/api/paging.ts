import { ConductorError, invalidParameter } from '../nodes/errors';

/** `[api] max_limit`: the largest page, and the page size when no `limit` is given. */
export const API_MAX_LIMIT = 1000;

export interface PagingQuery {
  limit?: string;
  marker?: string;
  sort_key?: string;
  sort_dir?: string;
}

export interface Paging {
  limit: number;
  marker: string | undefined;
  sortKey: string;
  sortDir: 'asc' | 'desc';
}

/**
 * Ironic's collection paging parameters: `limit` (positive, capped at max_limit, which is also
 * the default), `marker` (the UUID of the last item seen), `sort_key` among `sortable` (`id`,
 * the insertion order, by default), `sort_dir` asc/desc.
 */
export function parsePaging(q: PagingQuery, sortable: ReadonlySet<string>): Paging {
  let limit = API_MAX_LIMIT;
  if (q.limit !== undefined && q.limit !== '') {
    const n = Number(q.limit);
    if (!Number.isInteger(n)) throw invalidParameter(`Invalid limit: ${q.limit}`);
    if (n <= 0) throw invalidParameter('Limit must be positive');
    limit = Math.min(n, API_MAX_LIMIT);
  }
  const sortDir = (q.sort_dir ?? 'asc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') {
    throw invalidParameter(
      `Invalid sort direction: ${q.sort_dir}. Acceptable values are 'asc' or 'desc'`,
    );
  }
  const sortKey = q.sort_key ?? 'id';
  if (sortKey !== 'id' && !sortable.has(sortKey)) {
    throw invalidParameter(`The sort_key value "${sortKey}" is an invalid field for sorting`);
  }
  return { limit, marker: q.marker || undefined, sortKey, sortDir };
}

/**
 * One page of `rows` (already in insertion order). Sorting is stable, so equal keys keep the
 * insertion order as Ironic's tie-break on `id` does; the marker must be in the collection.
 */
export const rowKey = (apiField: string) =>
  apiField.replace(/_([a-z])/g, (_m: string, c: string) => c.toUpperCase());

export function paginate<R>(
  rows: readonly R[],
  paging: Paging,
  opts: { uuidOf: (row: R) => string; keyOf: (row: R, key: string) => unknown; kind: string },
): { page: R[]; more: boolean } {
  let sorted = [...rows];
  if (paging.sortKey !== 'id') {
    const key = paging.sortKey;
    sorted.sort((a, b) => compare(opts.keyOf(a, key), opts.keyOf(b, key)));
  }
  if (paging.sortDir === 'desc') sorted = sorted.reverse();
  let start = 0;
  if (paging.marker !== undefined) {
    const marker = paging.marker.toLowerCase();
    const at = sorted.findIndex((r) => opts.uuidOf(r) === marker);
    if (at < 0) {
      throw new ConductorError('NotFound', `${opts.kind} ${paging.marker} could not be found.`);
    }
    start = at + 1;
  }
  const page = sorted.slice(start, start + paging.limit);
  // Ironic links a next page whenever this one is full, even if it turns out empty.
  return { page, more: page.length > 0 && page.length === paging.limit };
}

/** SQL-like ordering: nulls first, numbers and booleans numerically, strings by code point. */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' || typeof a === 'boolean') return Number(a) - Number(b);
  const x = typeof a === 'string' ? a : JSON.stringify(a);
  const y = typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The `next` link Ironic adds to a full page: the same query with `limit` and `marker` set to
 * the last item, which clients (ironicclient, the console) follow until it is absent.
 */
export function nextLink(
  baseUrl: string,
  path: string,
  query: Record<string, string | undefined>,
  limit: number,
  marker: string,
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && k !== 'limit' && k !== 'marker') params.set(k, v);
  }
  params.set('limit', String(limit));
  params.set('marker', marker);
  return `${baseUrl}${path}?${params.toString()}`;
}
