import { z } from 'zod';
import {
  compareRows,
  isSilent,
  matchesQuery,
  parseQuery,
  SORT_KEYS,
  STATE_GROUPS,
  type MatchContext,
} from '../_lib/search';
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
  /** Machines across the fleet that want a look, each count behind a search term. */
  attention: { failed: number; busy: number; maintenance: number; silent: number };
}

/**
 * One window of the fleet, filtered and sorted on the server so the browser never holds
 * thousands of rows; the same search code runs in the browser to patch rows live.
 */
export function pageOf(
  all: readonly MachineRow[],
  input: PageInput,
  context: MatchContext = {},
): MachinePage {
  const { terms, errors } = parseQuery(input.q);
  const matching = all.filter((row) => matchesQuery(row, terms, context));
  matching.sort(compareRows(input.sort, input.dir));
  const states: Record<string, number> = {};
  const attention = { failed: 0, busy: 0, maintenance: 0, silent: 0 };
  for (const row of all) {
    states[row.provisionState] = (states[row.provisionState] ?? 0) + 1;
    if (STATE_GROUPS.failed?.(row.provisionState)) attention.failed++;
    if (STATE_GROUPS.busy?.(row.provisionState)) attention.busy++;
    if (row.maintenance) attention.maintenance++;
    if (isSilent(row, context)) attention.silent++;
  }
  return {
    rows: matching.slice(input.offset, input.offset + input.limit),
    total: matching.length,
    fleetTotal: all.length,
    offset: input.offset,
    errors,
    states,
    attention,
  };
}
