import type { MachineRow } from '../../_server/machine-row';

export const SORT_KEYS = ['name', 'state', 'power', 'heartbeat', 'cpus', 'ram', 'disks'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

const naturally = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

const keyOf: Record<SortKey, (row: MachineRow) => string | number | null> = {
  name: (r) => r.name,
  state: (r) => r.provisionState,
  power: (r) => r.powerState,
  heartbeat: (r) => r.lastHeartbeat,
  cpus: (r) => r.inventory?.cpus ?? null,
  ram: (r) => r.inventory?.ramMiB ?? null,
  disks: (r) => r.inventory?.diskCount ?? null,
};

/**
 * Orders rows by a column; machines without a value (never inspected, no heartbeat) go last in
 * either direction, and ties fall back to the name so the order is stable between refreshes.
 */
export function compareRows(key: SortKey, dir: SortDir): (a: MachineRow, b: MachineRow) => number {
  const get = keyOf[key];
  const sign = dir === 'asc' ? 1 : -1;
  return (a, b) => {
    const x = get(a);
    const y = get(b);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      const order =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : naturally.compare(String(x), String(y));
      if (order !== 0) return sign * order;
    }
    return naturally.compare(a.name, b.name) || a.uuid.localeCompare(b.uuid);
  };
}
