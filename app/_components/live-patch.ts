import { matchesQuery, type MatchContext, type Term } from '../_lib/search';
import type { MachinePage, MachineRow } from '../_server/router';

/** The page with `row` swapped in where its machine already is; the same object if absent. */
export function patchPage(page: MachinePage, row: MachineRow): MachinePage {
  const index = page.rows.findIndex((r) => r.uuid === row.uuid);
  if (index === -1) return page;
  const rows = page.rows.slice();
  rows[index] = row;
  return { ...page, rows };
}

/** Fields whose change means the machine's history or inventory moved on, not just a heartbeat. */
export function isSignificantChange(before: MachineRow | undefined, after: MachineRow): boolean {
  if (!before) return true;
  return (
    before.provisionState !== after.provisionState ||
    before.targetProvisionState !== after.targetProvisionState ||
    before.powerState !== after.powerState ||
    before.lastError !== after.lastError ||
    before.maintenance !== after.maintenance ||
    before.step?.name !== after.step?.name ||
    before.step?.index !== after.step?.index ||
    JSON.stringify(before.inventory) !== JSON.stringify(after.inventory)
  );
}

/**
 * What a live change means for a list the user is looking at. Rows are patched in place and never
 * reshuffled under the cursor; changes that would add, drop or move rows are only counted, so
 * the user refreshes when ready.
 */
export type ListImpact = 'none' | 'patched' | 'pending';

export function listImpact(
  event: { type: 'upsert'; row: MachineRow; created: boolean } | { type: 'remove'; uuid: string },
  terms: readonly Term[],
  shown: (uuid: string) => boolean,
  context: MatchContext = {},
): ListImpact {
  if (event.type === 'remove') return shown(event.uuid) ? 'pending' : 'none';
  const matches = matchesQuery(event.row, terms, context);
  if (shown(event.row.uuid)) return matches ? 'patched' : 'pending';
  return event.created && matches ? 'pending' : 'none';
}
