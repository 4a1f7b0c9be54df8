import type { Clock } from '../../../lib';
import { LSBLK_ARGS } from '../../inventory';
import { FakeHost } from '../../testing/fake-host';

export interface FakeDisk {
  kname: string;
  size: number;
  type?: string;
  rota?: boolean;
  tran?: string | null;
  model?: string | null;
  serial?: string | null;
  wwn?: string | null;
  fstype?: string | null;
  parttype?: string | null;
  ro?: boolean;
  /** Back the device with bytes (keep such disks small). */
  backed?: boolean;
}

/**
 * A scripted FakeHost with block devices: `lsblk` answers the inventory listing, the FSTYPE
 * probe and the shared-filesystem probe from `disks`; wipefs, sgdisk and fuser succeed quietly
 * unless a test replaces them; `/sys/class/block/<k>/ro` follows `ro`. Every call is in
 * `host.calls`, so tests assert exact command lines.
 */
export function diskHost(disks: FakeDisk[], clock?: Clock): FakeHost {
  const host = clock ? new FakeHost(clock) : new FakeHost();
  const row = (d: FakeDisk) => ({
    kname: d.kname,
    model: d.model ?? null,
    size: d.size,
    rota: d.rota ?? false,
    type: d.type ?? 'disk',
    uuid: null,
    partuuid: null,
    serial: d.serial ?? null,
    wwn: d.wwn ?? null,
    'log-sec': 512,
    'phy-sec': 512,
    tran: d.tran ?? null,
  });
  const family = (dev: string) => {
    const k = dev.replace(/^\/dev\//, '');
    return disks.filter((d) => d.kname === k || (d.type === 'part' && d.kname.startsWith(k)));
  };
  host.command('lsblk', (args) => {
    if (args.join(' ') === LSBLK_ARGS.join(' ')) {
      return JSON.stringify({ blockdevices: disks.map(row) });
    }
    const dev = args[args.length - 1]!;
    const fam = family(dev);
    if (fam.length === 0) {
      return { exitCode: 32, stdout: '', stderr: `lsblk: ${dev}: not a block device` };
    }
    if (args[0] === '--noheadings' && args.includes('FSTYPE')) {
      return fam.map((d) => `${d.fstype ?? ''}\n`).join('');
    }
    if (args[0] === '-bia' && args[2]?.startsWith('-oUUID')) {
      return JSON.stringify({
        blockdevices: fam.map((d) => ({
          uuid: null,
          ptuuid: null,
          parttype: d.parttype ?? null,
          partuuid: null,
          fstype: d.fstype ?? null,
        })),
      });
    }
    return { exitCode: 1, stdout: '', stderr: `unexpected lsblk ${args.join(' ')}` };
  });
  host.command('udevadm', (args) =>
    args[0] === 'settle' ? '' : { exitCode: 1, stdout: '', stderr: 'Unknown device' },
  );
  host.command('wipefs', () => '');
  host.command('sgdisk', () => 'GPT data structures destroyed!\n');
  host.command('fuser', () => ({ exitCode: 1, stdout: '', stderr: '' }));
  for (const d of disks) {
    host.file(`/sys/class/block/${d.kname}/ro`, d.ro ? '1\n' : '0\n');
    if (d.backed) host.devices.set(`/dev/${d.kname}`, new Uint8Array(d.size).fill(0xab));
  }
  return host;
}

/** The command lines a host ran, e.g. `wipefs --force --all /dev/sda`. */
export function commandLines(host: FakeHost, only?: readonly string[]): string[] {
  return host.calls
    .filter((c) => !only || only.includes(c.command))
    .map((c) => [c.command, ...c.args].join(' '));
}
