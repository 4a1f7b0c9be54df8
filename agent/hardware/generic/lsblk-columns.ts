/** Rows of `lsblk --json` with any columns, keys lower-cased, values as strings or null. */
export function parseLsblkColumns(json: string): Record<string, string | null>[] {
  const doc = JSON.parse(json) as { blockdevices?: unknown };
  if (!Array.isArray(doc.blockdevices)) throw new Error('lsblk output has no blockdevices list');
  const out: Record<string, string | null>[] = [];
  const walk = (rows: unknown[]) => {
    for (const raw of rows) {
      if (typeof raw !== 'object' || raw === null) continue;
      const row: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (k === 'children') continue;
        row[k.toLowerCase()] =
          v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
      }
      out.push(row);
      // Without --list, lsblk nests partitions under their disk.
      const children = (raw as { children?: unknown }).children;
      if (Array.isArray(children)) walk(children);
    }
  };
  walk(doc.blockdevices);
  return out;
}
