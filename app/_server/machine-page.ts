import { z } from 'zod';
import { compareRows, matchesQuery, parseQuery, SORT_KEYS } from '../_lib/search';
import type { MachineRow } from './machine-row';

export const MAX_PAGE = 500;

export const pageInputSchema = z.object({
  q: z.string().max(2000, 'the search is too long').default(''),
  sort: z.enum(SORT_KEYS).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(MAX_PAGE).default(100),
});
export type PageInput = z.infer<typeof pageInputSchema>;

export interface MachinePage {
  rows: MachineRow[];
  /** Machines matching the search. */
  total: number;
  /** Machines in the fleet, whatever the search. */
  fleetTotal: number;
  offset: number;
  /** Search terms that were not understood and so not applied. */
  errors: string[];
  /** Provision states across the whole fleet, for the quick filters. */
  states: Record<string, number>;
}

/**
 * One window of the fleet, filtered and sorted on the server so the browser never holds
 * thousands of rows; the same search code runs in the browser to patch rows live.
 */
export function pageOf(all: readonly MachineRow[], input: PageInput): MachinePage {
  const { terms, errors } = parseQuery(input.q);
  const matching = all.filter((row) => matchesQuery(row, terms));
  matching.sort(compareRows(input.sort, input.dir));
  const states: Record<string, number> = {};
  for (const row of all) states[row.provisionState] = (states[row.provisionState] ?? 0) + 1;
  return {
    rows: matching.slice(input.offset, input.offset + input.limit),
    total: matching.length,
    fleetTotal: all.length,
    offset: input.offset,
    errors,
    states,
  };
}
