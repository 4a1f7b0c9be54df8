import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib';
import type { CommandProgress } from '../../../protocol';
import { defaultAgentConfig } from '../../config';
import { LinuxHost } from '../../host/linux';
import { ManagerDispatcher } from '../manager-dispatcher';
import { GenericHardwareManager } from './generic-manager';

/**
 * Destructive tests on block devices this test creates itself: a sparse file attached as a
 * loop device (or, where loop devices are unavailable, the file itself standing in for one),
 * partitioned and formatted with the real tools, then erased by the generic manager through
 * LinuxHost with `block_devices` naming exactly that device. Nothing else is ever touched.
 */

const MiB = 1024 * 1024;
const SIZE = 128 * MiB;

/** Each tool and the Debian package .ci/run must install for it. */
const PACKAGES: Record<string, string> = {
  wipefs: 'util-linux',
  blkid: 'util-linux',
  sgdisk: 'gdisk',
  sfdisk: 'fdisk',
  'mkfs.ext4': 'e2fsprogs',
  'mkfs.vfat': 'dosfstools',
};

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Fails (never skips) naming the packages to install. */
function requireTools(): { partitioner: 'sgdisk' | 'sfdisk'; mkfs: string[] } {
  const missing: string[] = [];
  for (const t of ['wipefs', 'blkid']) if (!which(t)) missing.push(`${t} (${PACKAGES[t]})`);
  const partitioner = which('sgdisk') ? 'sgdisk' : which('sfdisk') ? 'sfdisk' : null;
  if (!partitioner) missing.push('sgdisk (gdisk) or sfdisk (fdisk)');
  const mkfs = ['mkfs.ext4', 'mkfs.vfat'].filter(which);
  if (mkfs.length === 0) missing.push('mkfs.ext4 (e2fsprogs) or mkfs.vfat (dosfstools)');
  if (missing.length > 0) {
    throw new Error(`real-disk test needs: ${missing.join(', ')}; add them to .ci/run`);
  }
  return { partitioner: partitioner!, mkfs };
}

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });

function partition(device: string, partitioner: 'sgdisk' | 'sfdisk'): void {
  if (partitioner === 'sgdisk') {
    execFileSync('sgdisk', ['-n', '1:2048:+32M', '-n', '2:0:0', device], { stdio: 'ignore' });
  } else {
    execFileSync('sfdisk', ['--quiet', device], {
      input: 'label: gpt\n,32M\n,\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  }
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function writeAt(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** `blkid -p` exits 2 when it finds no signature at all. */
const blkidFindsNothing = (path: string) => run('blkid', ['-p', path]).status === 2;

describe('generic manager on real block devices it created', () => {
  const tools = requireTools();
  const dir = mkdtempSync(join(tmpdir(), 'ipa-real-disk-'));
  const image = join(dir, 'disk.img');
  const image2 = join(dir, 'fs.img');
  let device = image;
  let loop = false;
  let partitions: string[] = [];
  const logger = createLogger({ name: 'real-disk', level: 'silent' });

  beforeAll(() => {
    closeSync(openSync(image, 'w'));
    truncateSync(image, SIZE);
    const attach = run('losetup', ['-f', '--show', '-P', image]);
    if (attach.status === 0 && attach.stdout.trim().startsWith('/dev/loop')) {
      device = attach.stdout.trim();
      loop = true;
    }
    partition(device, tools.partitioner);
    if (loop) {
      // The kernel rereads the table only when nobody (udev's probing) holds the device.
      const parts = [`${device}p1`, `${device}p2`];
      for (let attempt = 0; attempt < 20 && !parts.every((p) => existsSync(p)); attempt++) {
        run('udevadm', ['settle']);
        run('blockdev', ['--rereadpt', device]);
        run('partx', ['-u', device]);
      }
      if (parts.every((p) => existsSync(p))) partitions = parts;
    }
    const [mkfsA, mkfsB = mkfsA!] = tools.mkfs;
    const mkfsArgs = (tool: string, target: string) =>
      tool === 'mkfs.ext4' ? ['-q', '-F', target] : [target];
    if (partitions.length === 2) {
      execFileSync(mkfsA!, mkfsArgs(mkfsA!, partitions[0]!), { stdio: 'ignore' });
      execFileSync(mkfsB, mkfsArgs(mkfsB, partitions[1]!), { stdio: 'ignore' });
    }
    // A second device holding a filesystem on the whole of it (no partition table).
    closeSync(openSync(image2, 'w'));
    truncateSync(image2, 64 * MiB);
    execFileSync(mkfsA!, mkfsArgs(mkfsA!, image2), { stdio: 'ignore' });
  });

  afterAll(() => {
    if (loop) run('losetup', ['-d', device]);
    rmSync(dir, { recursive: true, force: true });
  });

  const dispatcher = () =>
    new ManagerDispatcher({
      host: new LinuxHost(),
      config: defaultAgentConfig({ block_devices: [device, image2], disk_wait_attempts: 1 }),
      logger,
      managers: [new GenericHardwareManager()],
    });
  const ctx = (progress: CommandProgress[] = []) => ({
    signal: new AbortController().signal,
    logger,
    name: 'execute_clean_step',
    reportProgress: (p: CommandProgress) => progress.push(p),
  });

  it('erase_devices_metadata leaves nothing for wipefs or blkid to find', async () => {
    if (loop) {
      // With loop devices the partitions must be real devices too, so their erase is tested.
      expect(partitions, `partition nodes of ${device} after blockdev --rereadpt`).toHaveLength(2);
    }
    expect(run('wipefs', [device]).stdout).toContain('gpt');
    expect(run('blkid', ['-p', '-o', 'value', '-s', 'TYPE', image2]).stdout.trim()).toMatch(
      /ext4|vfat/,
    );
    for (const p of partitions) expect(blkidFindsNothing(p)).toBe(false);

    const hw = dispatcher();
    const result = await hw.dispatch('erase_devices_metadata', {
      node: { uuid: 'real-disk-test', driver_internal_info: {} },
      ports: [],
      kwargs: {},
      ctx: ctx(),
    });
    expect(result).toBeNull();

    for (const dev of [device, image2, ...partitions]) {
      expect(run('wipefs', [dev]).stdout, `wipefs ${dev}`).toBe('');
      expect(blkidFindsNothing(dev), `blkid -p ${dev}`).toBe(true);
    }
    expect(readAt(device, 0, MiB).every((b) => b === 0)).toBe(true);
    expect(readAt(device, SIZE - MiB, MiB).every((b) => b === 0)).toBe(true);
  });

  it('the overwrite (shred path) replaces every byte with random data, reporting progress', async () => {
    const marker = Buffer.alloc(4 * MiB, 0x5a);
    writeAt(device, 40 * MiB, marker);
    writeAt(device, SIZE - 4 * MiB, marker);
    const progress: CommandProgress[] = [];
    const result = await dispatcher().dispatch('erase_devices', {
      node: {
        uuid: 'real-disk-test',
        driver_internal_info: {
          agent_enable_ata_secure_erase: false,
          agent_erase_devices_iterations: 1,
          agent_erase_devices_zeroize: false,
        },
      },
      ports: [],
      kwargs: {},
      ctx: ctx(progress),
    });
    expect(result).toMatchObject({
      [device]: { method: 'shred', passes: 1, bytes_written: SIZE },
      [image2]: { method: 'shred', passes: 1, bytes_written: 64 * MiB },
    });
    for (const offset of [0, 40 * MiB, SIZE - 4 * MiB]) {
      const back = readAt(device, offset, 4 * MiB);
      const counts = new Array<number>(256).fill(0);
      for (const b of back) counts[b]!++;
      // Uniform random bytes: every value about 1/256 of the time, none dominant.
      expect(Math.max(...counts) / back.length, `offset ${offset}`).toBeLessThan(0.006);
      expect(back.equals(marker)).toBe(false);
    }
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ fraction: 1, bytes_total: SIZE + 64 * MiB });
    expect(progress.some((p) => (p.bytes_per_second ?? 0) > 0)).toBe(true);
  });
});
