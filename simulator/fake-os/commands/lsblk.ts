import type { DiskLayout, MachineDisk, PartitionInfo } from '../../machine';
import { partitionName } from '../../machine';
import { type CommandHandler, fail, ok } from './types';

/**
 * util-linux 2.38 `lsblk`: the columns, flags and the three output shapes (table, `-P` pairs,
 * `-J` JSON with typed values, nested `children` unless `--list`) that IPA-style agents parse.
 * Partitions come from the kernel's view of each disk; file system fields from probing it.
 */
interface Row {
  kname: string;
  type: 'disk' | 'part' | 'loop' | 'rom';
  size: number;
  disk: MachineDisk | undefined;
  layout: DiskLayout | undefined;
  partition: PartitionInfo | undefined;
  ro: boolean;
  rm: boolean;
  children: Row[];
}

type Value = string | number | boolean | null;
type Column = (row: Row, bytes: boolean, fullPath: boolean) => Value;

const fs = (r: Row) =>
  r.partition ? r.partition.fs : r.type === 'disk' ? (r.layout?.fs ?? null) : null;

const COLUMNS: Record<string, Column> = {
  NAME: (r, _b, p) => (p ? `/dev/${r.kname}` : r.kname),
  KNAME: (r, _b, p) => (p ? `/dev/${r.kname}` : r.kname),
  PATH: (r) => `/dev/${r.kname}`,
  'MAJ:MIN': (r) => majMin(r),
  MODEL: (r) => (r.type === 'disk' ? (r.disk?.spec.model ?? null) : null),
  VENDOR: (r) =>
    r.type === 'disk' && r.disk && r.disk.spec.transport !== 'nvme'
      ? r.disk.spec.vendor.padEnd(8)
      : null,
  SIZE: (r, bytes) => (bytes ? r.size : human(r.size)),
  ROTA: (r) => r.disk?.spec.kind === 'hdd',
  TYPE: (r) => r.type,
  UUID: (r) => fs(r)?.uuid ?? null,
  FSTYPE: (r) => fs(r)?.type ?? null,
  LABEL: (r) => fs(r)?.label ?? null,
  PARTUUID: (r) => r.partition?.uuid ?? null,
  PARTTYPE: (r) => r.partition?.type ?? null,
  PARTLABEL: (r) => r.partition?.name ?? null,
  PTUUID: (r) => r.layout?.tableUuid ?? null,
  PTTYPE: (r) => r.layout?.table ?? null,
  MOUNTPOINT: () => null,
  MOUNTPOINTS: () => null,
  SERIAL: (r) => (r.type === 'disk' ? (r.disk?.spec.serial ?? null) : null),
  WWN: (r) => r.disk?.spec.wwn ?? null,
  'LOG-SEC': (r) => r.disk?.spec.logicalSectorSize ?? 512,
  'PHY-SEC': (r) => r.disk?.spec.physicalSectorSize ?? 512,
  'MIN-IO': (r) => r.disk?.spec.physicalSectorSize ?? 512,
  TRAN: (r) => {
    const t = r.type === 'disk' ? r.disk?.spec.transport : undefined;
    return t === undefined || t === 'virtio' ? null : t;
  },
  HCTL: (r) => (r.type === 'disk' ? (r.disk?.spec.hctl ?? null) : null),
  RO: (r) => r.ro,
  RM: (r) => r.rm,
  PKNAME: (r) => (r.type === 'part' ? (r.disk?.spec.name ?? null) : null),
  STATE: (r) => (r.type === 'disk' && r.disk ? 'running' : null),
};

const RIGHT_ALIGNED = new Set(['SIZE', 'LOG-SEC', 'PHY-SEC', 'MIN-IO', 'RO', 'RM', 'ROTA']);

interface Options {
  bytes: boolean;
  all: boolean;
  json: boolean;
  pairs: boolean;
  list: boolean;
  nodeps: boolean;
  noHeadings: boolean;
  fullPath: boolean;
  ascii: boolean;
  columns: string[];
  devices: string[];
}

export const lsblk: CommandHandler = ({ machine, disks, mounts }, args) => {
  const parsed = parseOptions(args);
  if (typeof parsed === 'string') return fail(1, parsed);
  const o = parsed;
  for (const column of o.columns) {
    if (!(column in COLUMNS)) return fail(1, `lsblk: unknown column: ${column}`);
  }

  const diskRows = machine.disks.map((disk): Row => {
    const layout = disks.layout(disk.spec.name);
    const row: Row = {
      kname: disk.spec.name,
      type: 'disk',
      size: disk.spec.sizeBytes,
      disk,
      layout,
      partition: undefined,
      ro: false,
      rm: false,
      children: [],
    };
    row.children = layout.partitions.map((partition) => ({
      ...row,
      kname: partitionName(disk.spec.name, partition.number),
      type: 'part' as const,
      size: partition.sizeBytes,
      partition,
      children: [],
    }));
    return row;
  });
  const plain = (kname: string, type: Row['type'], size: number, ro = false, rm = false): Row => ({
    kname,
    type,
    size,
    disk: undefined,
    layout: undefined,
    partition: undefined,
    ro,
    rm,
    children: [],
  });
  let roots: Row[] = [
    ...(o.all ? Array.from({ length: 8 }, (_, n) => plain(`loop${n}`, 'loop', 0)) : []),
    ...diskRows,
  ];
  if (machine.mediaSlot('Cd').inserted) roots.push(plain('sr0', 'rom', 734_003_200, true, true));
  roots.sort((a, b) => majMinNumber(a) - majMinNumber(b));

  if (o.devices.length > 0) {
    const picked: Row[] = [];
    for (const device of o.devices) {
      const name = device.replace(/^\/dev\//, '');
      const row = roots.flatMap((r) => [r, ...r.children]).find((r) => r.kname === name);
      if (!row) return fail(32, `lsblk: ${device}: not a block device`);
      picked.push(row);
    }
    roots = picked;
  }
  if (o.nodeps) roots = roots.map((r) => ({ ...r, children: [] }));

  const value = (row: Row, column: string): Value =>
    column === 'MOUNTPOINT' || column === 'MOUNTPOINTS'
      ? mounts.mountpointOf(`/dev/${row.kname}`)
      : COLUMNS[column]!(row, o.bytes, o.fullPath);
  const flat = (rows: Row[]): Row[] => rows.flatMap((r) => [r, ...flat(r.children)]);

  if (o.json) return ok(renderJson(o.list ? flat(roots) : roots, o, value, !o.list));
  const text = (v: Value): string =>
    v === null ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (o.pairs) {
    return ok(
      flat(roots)
        .map(
          (row) =>
            `${o.columns.map((c) => `${c}="${text(value(row, c)).replace(/"/g, '\\x22')}"`).join(' ')}\n`,
        )
        .join(''),
    );
  }
  const lines: string[][] = [];
  // Partitions hang one level under their disk, so one level of tree drawing suffices.
  const walk = (rows: Row[], depth: number) => {
    rows.forEach((row, i) => {
      const last = i === rows.length - 1;
      const branch = depth === 0 ? '' : o.ascii ? (last ? '`-' : '|-') : last ? '└─' : '├─';
      lines.push(
        o.columns.map((c) => {
          const cell = text(value(row, c));
          return c === 'NAME' || c === 'KNAME' ? `${branch}${cell}` : cell;
        }),
      );
      walk(row.children, depth + 1);
    });
  };
  if (o.list) flat(roots).forEach((row) => lines.push(o.columns.map((c) => text(value(row, c)))));
  else walk(roots, 0);
  if (!o.noHeadings) lines.unshift(o.columns);
  const widths = o.columns.map((_, c) => Math.max(...lines.map((r) => [...r[c]!].length)));
  return ok(
    lines
      .map(
        (r) =>
          `${r
            .map((cell, c) =>
              RIGHT_ALIGNED.has(o.columns[c]!)
                ? cell.padStart(widths[c]!)
                : cell.padEnd(widths[c]! + cell.length - [...cell].length),
            )
            .join(' ')
            .trimEnd()}\n`,
      )
      .join(''),
  );
};

function renderJson(
  rows: Row[],
  o: Options,
  value: (row: Row, c: string) => Value,
  nest: boolean,
): string {
  const object = (row: Row, depth: number): string => {
    const pad = ' '.repeat(6 * depth + 9);
    const fields = o.columns.map((c) => {
      const v = value(row, c);
      // lsblk 2.38 prints MOUNTPOINTS as a list, one entry per mount (null when none).
      const shown =
        c === 'MOUNTPOINTS' ? `[\n${pad}    ${JSON.stringify(v)}\n${pad}]` : JSON.stringify(v);
      return `${pad}${JSON.stringify(c.toLowerCase())}: ${shown}`;
    });
    if (nest && row.children.length > 0) {
      const inner = row.children.map((child) => object(child, depth + 1)).join(',');
      fields.push(`${pad}"children": [\n${' '.repeat(6 * depth + 12)}${inner}\n${pad}]`);
    }
    return `{\n${fields.join(',\n')}\n${' '.repeat(6 * depth + 6)}}`;
  };
  const body = rows.length ? `      ${rows.map((r) => object(r, 0)).join(',')}\n` : '';
  return `{\n   "blockdevices": [\n${body}   ]\n}\n`;
}

function parseOptions(args: readonly string[]): Options | string {
  const o: Options = {
    bytes: false,
    all: false,
    json: false,
    pairs: false,
    list: false,
    nodeps: false,
    noHeadings: false,
    fullPath: false,
    ascii: false,
    columns: ['NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS'],
    devices: [],
  };
  const long: Record<string, keyof Options> = {
    '--bytes': 'bytes',
    '--all': 'all',
    '--json': 'json',
    '--pairs': 'pairs',
    '--list': 'list',
    '--raw': 'list',
    '--nodeps': 'nodeps',
    '--noheadings': 'noHeadings',
    '--paths': 'fullPath',
    '--ascii': 'ascii',
  };
  const short: Record<string, keyof Options> = {
    b: 'bytes',
    a: 'all',
    J: 'json',
    P: 'pairs',
    l: 'list',
    r: 'list',
    d: 'nodeps',
    n: 'noHeadings',
    p: 'fullPath',
    i: 'ascii',
  };
  const unknown = (what: string) => `lsblk: ${what}\nTry 'lsblk --help' for more information.`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (name === '--output')
        o.columns = splitColumns(eq < 0 ? (args[++i] ?? '') : arg.slice(eq + 1));
      else if (name === '--fs')
        o.columns = ['NAME', 'FSTYPE', 'FSVER', 'LABEL', 'UUID'].filter((c) => c in COLUMNS);
      else if (long[name]) (o as unknown as Record<string, boolean>)[long[name]] = true;
      else return unknown(`unrecognized option '${arg}'`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        if (flag === 'o') {
          const rest = arg.slice(j + 1);
          o.columns = splitColumns(rest !== '' ? rest : (args[++i] ?? ''));
          break;
        }
        if (flag === 'f') o.columns = ['NAME', 'FSTYPE', 'LABEL', 'UUID'];
        else if (short[flag]) (o as unknown as Record<string, boolean>)[short[flag]] = true;
        else if (flag === 'S') continue;
        else return unknown(`invalid option -- '${flag}'`);
      }
    } else {
      o.devices.push(arg);
    }
  }
  return o;
}

function splitColumns(list: string): string[] {
  return list
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
}

function majMin(row: Row): string {
  if (row.type === 'loop') return `7:${row.kname.slice(4)}`;
  if (row.type === 'rom') return '11:0';
  const disk = row.disk!.spec.name;
  const part = row.partition?.number ?? 0;
  if (disk.startsWith('nvme'))
    return `259:${Number(disk.slice(4, disk.indexOf('n', 4))) * 16 + part}`;
  if (disk.startsWith('vd')) return `252:${(disk.charCodeAt(2) - 97) * 16 + part}`;
  const index =
    disk
      .slice(2)
      .split('')
      .reduce((acc, ch) => acc * 26 + (ch.charCodeAt(0) - 96), 0) - 1;
  return `8:${index * 16 + part}`;
}

function majMinNumber(row: Row): number {
  const [major, minor] = majMin(row).split(':').map(Number) as [number, number];
  return major * 1_000_000 + minor;
}

/** lsblk's human sizes: powers of 1024, one decimal when it is not whole. */
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
