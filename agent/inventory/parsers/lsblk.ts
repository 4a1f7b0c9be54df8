/** One row of `lsblk -bia --json --list -oKNAME,MODEL,SIZE,ROTA,TYPE,UUID,PARTUUID,SERIAL,WWN,LOG-SEC,PHY-SEC,TRAN`. */
export interface LsblkDevice {
  kname: string;
  model: string | null;
  size: number;
  rotational: boolean;
  type: string;
  uuid: string | null;
  partuuid: string | null;
  serial: string | null;
  wwn: string | null;
  logicalSectors: number | null;
  physicalSectors: number | null;
  tran: string | null;
}

const COLUMNS = [
  'kname',
  'model',
  'size',
  'rota',
  'type',
  'uuid',
  'partuuid',
  'serial',
  'wwn',
  'log-sec',
  'phy-sec',
  'tran',
] as const;

/**
 * Parses lsblk's JSON. Newer util-linux emits numbers and booleans, older versions strings
 * ("1", "512"); both are accepted. A row missing any of the 12 columns is an error, as in IPA.
 */
export function parseLsblk(json: string): LsblkDevice[] {
  const doc = JSON.parse(json) as { blockdevices?: unknown };
  if (!Array.isArray(doc.blockdevices)) throw new Error('lsblk output has no blockdevices list');
  return doc.blockdevices.map((raw: unknown, i) => {
    if (!raw || typeof raw !== 'object') throw new Error(`lsblk row ${i} is not an object`);
    const row = raw as Record<string, unknown>;
    const missing = COLUMNS.filter((c) => !(c in row));
    if (missing.length > 0) {
      throw new Error(`lsblk row ${i} lacks columns: ${missing.join(', ')}`);
    }
    const kname = text(row.kname);
    if (!kname) throw new Error(`lsblk row ${i} has no KNAME`);
    return {
      kname,
      model: text(row.model),
      size: int(row.size) ?? 0,
      rotational: bool(row.rota),
      type: text(row.type) ?? '',
      uuid: text(row.uuid),
      partuuid: text(row.partuuid),
      serial: text(row.serial),
      wwn: text(row.wwn),
      logicalSectors: int(row['log-sec']),
      physicalSectors: int(row['phy-sec']),
      tran: text(row.tran),
    };
  });
}

/**
 * IPA's choice of block devices for the inventory: whole disks, RAID and multipath devices;
 * no floppies, RAM disks, zram, empty devices or duplicates.
 */
export function selectInventoryDisks(devices: readonly LsblkDevice[]): LsblkDevice[] {
  const seen = new Set<string>();
  return devices.filter((d) => {
    const type = d.type.toLowerCase();
    const wanted = type === 'disk' || type.includes('raid') || type === 'mpath';
    if (!wanted) return false;
    if (/^(fd|ram|zram)/.test(d.kname)) return false;
    if (d.size === 0) return false;
    if (seen.has(d.kname)) return false;
    seen.add(d.kname);
    return true;
  });
}

function text(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

function int(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.trim() === '1' || v.trim().toLowerCase() === 'true';
  return false;
}
