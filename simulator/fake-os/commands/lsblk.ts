import type { MachineDisk } from '../../machine';
import { type CommandHandler, fail, ok } from './types';

/**
 * util-linux 2.38 `lsblk`: the columns, flags and the three output shapes (table, `-P` pairs,
 * `-J` JSON with typed values) that IPA-style agents parse.
 */
interface Row {
  kname: string;
  type: 'disk' | 'loop' | 'rom';
  size: number;
  disk: MachineDisk | undefined;
  ro: boolean;
  rm: boolean;
}

type Value = string | number | boolean | null;

const COLUMNS: Record<string, (row: Row, bytes: boolean, fullPath: boolean) => Value> = {
  NAME: (r, _b, p) => (p ? `/dev/${r.kname}` : r.kname),
  KNAME: (r, _b, p) => (p ? `/dev/${r.kname}` : r.kname),
  PATH: (r) => `/dev/${r.kname}`,
  MAJ_MIN: (r) => majMin(r),
  MODEL: (r) => r.disk?.spec.model ?? null,
  VENDOR: (r) => (r.disk && r.disk.spec.transport !== 'nvme' ? r.disk.spec.vendor.padEnd(8) : null),
  SIZE: (r, bytes) => (bytes ? r.size : human(r.size)),
  ROTA: (r) => r.disk?.spec.kind === 'hdd',
  TYPE: (r) => r.type,
  UUID: () => null,
  PARTUUID: () => null,
  PTUUID: () => null,
  PTTYPE: () => null,
  FSTYPE: () => null,
  LABEL: () => null,
  PARTLABEL: () => null,
  MOUNTPOINT: () => null,
  SERIAL: (r) => r.disk?.spec.serial ?? null,
  WWN: (r) => r.disk?.spec.wwn ?? null,
  'LOG-SEC': (r) => r.disk?.spec.logicalSectorSize ?? 512,
  'PHY-SEC': (r) => r.disk?.spec.physicalSectorSize ?? 512,
  'MIN-IO': (r) => r.disk?.spec.physicalSectorSize ?? 512,
  TRAN: (r) => {
    const t = r.disk?.spec.transport;
    return t === undefined || t === 'virtio' ? null : t;
  },
  HCTL: (r) => r.disk?.spec.hctl ?? null,
  RO: (r) => r.ro,
  RM: (r) => r.rm,
  PKNAME: () => null,
  STATE: (r) => (r.disk ? 'running' : null),
};

export const lsblk: CommandHandler = ({ machine }, args) => {
  let bytes = false;
  let all = false;
  let json = false;
  let pairs = false;
  let noHeadings = false;
  let fullPath = false;
  let columns = ['NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS'];
  const devices: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const [name, value] = arg.split('=', 2) as [string, string | undefined];
      if (name === '--bytes') bytes = true;
      else if (name === '--all') all = true;
      else if (name === '--json') json = true;
      else if (name === '--pairs') pairs = true;
      else if (name === '--noheadings') noHeadings = true;
      else if (name === '--paths') fullPath = true;
      else if (name === '--output') columns = splitColumns(value ?? args[++i] ?? '');
      else if (['--list', '--ascii', '--nodeps', '--raw'].includes(name)) continue;
      else
        return fail(
          1,
          `lsblk: unrecognized option '${arg}'\nTry 'lsblk --help' for more information.`,
        );
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if (flag === 'o') {
          const rest = arg.slice(j + 1);
          columns = splitColumns(rest !== '' ? rest : (args[++i] ?? ''));
          break;
        }
        if (flag === 'b') bytes = true;
        else if (flag === 'a') all = true;
        else if (flag === 'J') json = true;
        else if (flag === 'P') pairs = true;
        else if (flag === 'n') noHeadings = true;
        else if (flag === 'p') fullPath = true;
        else if ('ildrS'.includes(flag)) continue;
        else
          return fail(
            1,
            `lsblk: invalid option -- '${flag}'\nTry 'lsblk --help' for more information.`,
          );
      }
    } else {
      devices.push(arg);
    }
  }
  for (const column of columns) {
    if (!(column.replace(':', '_') in COLUMNS) && column !== 'MOUNTPOINTS') {
      return fail(1, `lsblk: unknown column: ${column}`);
    }
  }

  let rows: Row[] = [
    ...(all
      ? Array.from({ length: 8 }, (_, n): Row => ({
          kname: `loop${n}`,
          type: 'loop',
          size: 0,
          disk: undefined,
          ro: false,
          rm: false,
        }))
      : []),
    ...machine.disks.map((disk): Row => ({
      kname: disk.spec.name,
      type: 'disk',
      size: disk.spec.sizeBytes,
      disk,
      ro: false,
      rm: false,
    })),
  ];
  const cd = machine.mediaSlot('Cd');
  if (cd.inserted)
    rows.push({
      kname: 'sr0',
      type: 'rom',
      size: 734_003_200,
      disk: undefined,
      ro: true,
      rm: true,
    });
  if (devices.length > 0) {
    const picked: Row[] = [];
    for (const device of devices) {
      const row = rows.find((r) => `/dev/${r.kname}` === device || r.kname === device);
      if (!row) return fail(32, `lsblk: ${device}: not a block device`);
      picked.push(row);
    }
    rows = picked;
  } else {
    rows.sort((a, b) => majMinNumber(a) - majMinNumber(b) || a.kname.localeCompare(b.kname));
  }

  const value = (row: Row, column: string): Value => {
    if (column === 'MOUNTPOINTS') return null;
    return COLUMNS[column.replace(':', '_')]!(row, bytes, fullPath);
  };

  if (json) {
    const objects = rows.map((row) => {
      const fields = columns.map((column) => {
        const v = value(row, column);
        return `         ${JSON.stringify(column.toLowerCase())}: ${JSON.stringify(v)}`;
      });
      return `{\n${fields.join(',\n')}\n      }`;
    });
    const body = objects.length ? `      ${objects.join(',')}\n` : '';
    return ok(`{\n   "blockdevices": [\n${body}   ]\n}\n`);
  }
  const text = (v: Value): string =>
    v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (pairs) {
    const lines = rows.map((row) =>
      columns
        .map((column) => `${column}="${text(value(row, column)).replace(/"/g, '\\x22')}"`)
        .join(' '),
    );
    return ok(lines.map((l) => `${l}\n`).join(''));
  }
  const table = rows.map((row) => columns.map((column) => text(value(row, column))));
  if (!noHeadings) table.unshift(columns);
  const widths = columns.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = table.map((r) =>
    r
      .map((cell, c) =>
        columns[c] === 'SIZE' || columns[c] === 'LOG-SEC' || columns[c] === 'PHY-SEC'
          ? cell.padStart(widths[c]!)
          : cell.padEnd(widths[c]!),
      )
      .join(' ')
      .trimEnd(),
  );
  return ok(lines.map((l) => `${l}\n`).join(''));
};

function splitColumns(list: string): string[] {
  return list
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
}

function majMin(row: Row): string {
  if (row.type === 'loop') return `7:${row.kname.slice(4)}`;
  if (row.type === 'rom') return '11:0';
  const name = row.kname;
  if (name.startsWith('nvme')) return `259:${Number(name.slice(4, name.indexOf('n', 4)))}`;
  if (name.startsWith('vd')) return `252:${(name.charCodeAt(2) - 97) * 16}`;
  const index =
    name
      .slice(2)
      .split('')
      .reduce((acc, ch) => acc * 26 + (ch.charCodeAt(0) - 96), 0) - 1;
  return `8:${index * 16}`;
}

function majMinNumber(row: Row): number {
  const [major, minor] = majMin(row).split(':').map(Number) as [number, number];
  return major * 1_000_000 + minor;
}

/** lsblk's human sizes: powers of 1024, one decimal when under 10. */
export function human(size: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${size}B`;
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}${units[unit]}`;
}
