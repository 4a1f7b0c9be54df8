import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { HostError } from '../../host';
import { type FakeDisk, commandLines, diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { METADATA_ZERO_BYTES } from './destroy-metadata';
import { GenericHardwareManager } from './generic-manager';

const MiB = 1024 * 1024;
const node = { uuid: 'node-1', driver_internal_info: {} };

function setup(disks: FakeDisk[], config = {}, clock?: FakeClock) {
  const host = diskHost(disks, clock);
  const manager = new GenericHardwareManager();
  const env = testEnv({ host, node, config, methods: manager.methods });
  const run = () => Promise.resolve(manager.methods.erase_devices_metadata!({ node }, env));
  return { host, manager, env, run };
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

describe('erase_devices_metadata', () => {
  it('wipes signatures, zeroes both ends and zaps GPT of partitions first, then disks', async () => {
    const { host, env, run } = setup([
      { kname: 'sda', size: 3 * MiB, backed: true },
      { kname: 'sda1', size: 2 * MiB, type: 'part', backed: true },
      { kname: 'sdb', size: 512 * 1024, backed: true },
    ]);
    expect(await run()).toBeNull();
    expect(commandLines(host, ['wipefs', 'sgdisk', 'fuser'])).toEqual([
      'wipefs --force --all /dev/sdb',
      'sgdisk -Z /dev/sdb',
      'fuser /dev/sdb',
      'wipefs --force --all /dev/sda1',
      'sgdisk -Z /dev/sda1',
      'fuser /dev/sda1',
      'wipefs --force --all /dev/sda',
      'sgdisk -Z /dev/sda',
      'fuser /dev/sda',
    ]);
    const sda = host.devices.get('/dev/sda')!;
    expect(isZero(sda.subarray(0, METADATA_ZERO_BYTES))).toBe(true);
    expect(isZero(sda.subarray(sda.length - METADATA_ZERO_BYTES))).toBe(true);
    // The middle is left alone: this is a metadata erase, not a wipe.
    expect(sda.subarray(METADATA_ZERO_BYTES, 2 * MiB).every((x) => x === 0xab)).toBe(true);
    expect(isZero(host.devices.get('/dev/sdb')!)).toBe(true);
    expect(env.progress.at(-1)).toMatchObject({
      fraction: 1,
      message: 'erase_devices_metadata: 3 of 3 device(s) done',
    });
  });

  it('skips RAID members, read-only devices, virtual media and the skip list', async () => {
    const { host, run } = setup([
      { kname: 'sda', size: MiB, fstype: 'linux_raid_member', backed: true },
      { kname: 'sdb', size: MiB, ro: true, backed: true },
      { kname: 'sdc', size: MiB, backed: true },
      { kname: 'sdd', size: MiB, serial: 'KEEP-ME', backed: true },
      { kname: 'sde', size: MiB, backed: true },
    ]);
    host.link('/dev/disk/by-label/ir-vfd-dev', '../../sdc');
    const manager = new GenericHardwareManager();
    const keepNode = { ...node, properties: { skip_block_devices: [{ serial: 'KEEP-ME' }] } };
    await manager.methods.erase_devices_metadata!(
      { node: keepNode },
      testEnv({ host, node: keepNode, methods: manager.methods }),
    );
    expect(commandLines(host, ['wipefs'])).toEqual(['wipefs --force --all /dev/sde']);
    await run();
    expect(commandLines(host, ['wipefs'])).toContain('wipefs --force --all /dev/sdd');
  });

  it('retries wipefs without --force on old util-linux', async () => {
    const { host, run } = setup([{ kname: 'sda', size: MiB, backed: true }]);
    host.command('wipefs', (args) =>
      args.includes('--force')
        ? { exitCode: 1, stdout: '', stderr: "wipefs: unrecognized option '--force'" }
        : '',
    );
    await run();
    expect(commandLines(host, ['wipefs'])).toEqual([
      'wipefs --force --all /dev/sda',
      'wipefs --all /dev/sda',
    ]);
  });

  it('fails naming each failed device and why, after trying every device', async () => {
    const { host, run } = setup([
      { kname: 'sda', size: MiB, backed: true },
      { kname: 'sdb', size: MiB, backed: true },
      { kname: 'sdc', size: MiB, backed: true },
    ]);
    host.command('wipefs', (args) =>
      args.includes('/dev/sdb')
        ? {
            exitCode: 1,
            stdout: '',
            stderr:
              'wipefs: error: /dev/sdb: probing initialization failed: Device or resource busy',
          }
        : '',
    );
    const original = host.openBlockDevice.bind(host);
    host.openBlockDevice = (path, mode) =>
      path === '/dev/sda'
        ? Promise.reject(new HostError('EIO', `${path}: Input/output error`, path))
        : original(path, mode);
    await expect(run()).rejects.toMatchObject({
      type: 'BlockDeviceEraseError',
      details:
        'Failed to erase the metadata on the device(s): ' +
        '"/dev/sdb": wipefs --all failed (exit code 1): wipefs: error: /dev/sdb: probing initialization failed: Device or resource busy; ' +
        '"/dev/sda": cannot open for writing: /dev/sda: Input/output error. Done: /dev/sdc',
    });
    expect(isZero(host.devices.get('/dev/sdc')!.subarray(0, MiB))).toBe(true);
  });

  it('says which tool is missing', async () => {
    const { host, run } = setup([{ kname: 'sda', size: MiB, backed: true }]);
    host.commands.delete('wipefs');
    host.commands.delete('sgdisk');
    await expect(run()).rejects.toMatchObject({
      details: expect.stringContaining(
        '"/dev/sda": wipefs is not installed (package util-linux)',
      ) as unknown,
    });
    // sgdisk is optional: the zeros already removed both GPT copies.
    host.command('wipefs', () => '');
    await expect(run()).resolves.toBeNull();
  });

  it('refuses shared filesystems unless the node allows it', async () => {
    const disks: FakeDisk[] = [
      { kname: 'sda', size: MiB, backed: true },
      {
        kname: 'sda1',
        size: MiB / 2,
        type: 'part',
        parttype: 'AA31E02A-400F-11DB-9590-000C2911D1B8',
        backed: true,
      },
    ];
    const { run } = setup(disks);
    await expect(run()).rejects.toMatchObject({
      details: expect.stringContaining(
        '"/dev/sda1": Device /dev/sda1 is protected: it holds a VMware VMFS filesystem',
      ) as unknown,
    });
    const host = diskHost(disks);
    const manager = new GenericHardwareManager();
    const allowing = { ...node, driver_internal_info: { wipe_special_filesystems: false } };
    await manager.methods.erase_devices_metadata!(
      { node: allowing },
      testEnv({ host, node: allowing, methods: manager.methods }),
    );
    expect(commandLines(host, ['wipefs'])).toEqual([
      'wipefs --force --all /dev/sda1',
      'wipefs --force --all /dev/sda',
    ]);
  });

  it('waits for processes to let go of the device, then gives up naming them', async () => {
    const clock = new FakeClock(0);
    const { host, run } = setup([{ kname: 'sda', size: MiB, backed: true }], {}, clock);
    let busy = 2;
    host.command('fuser', () =>
      busy-- > 0
        ? { exitCode: 0, stdout: ' 4242', stderr: '/dev/sda:' }
        : { exitCode: 1, stdout: '', stderr: 'Cannot stat file /proc/1/fd/0: Permission denied' },
    );
    const first = run();
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setImmediate(r));
      await clock.advance(1000);
    }
    await first;
    expect(commandLines(host, ['fuser'])).toHaveLength(3);

    host.command('fuser', () => ({ exitCode: 0, stdout: ' 4242 4343', stderr: '/dev/sda:' }));
    const second = run().catch((e: unknown) => e);
    for (let i = 0; i < 25; i++) {
      await new Promise((r) => setImmediate(r));
      await clock.advance(1000);
    }
    expect(await second).toMatchObject({
      details: expect.stringContaining(
        '"/dev/sda": still in use by process(es) 4242, 4343 after 20 checks',
      ) as unknown,
    });
  });

  it('refuses to run on a standalone agent without block_devices', async () => {
    const { host, run } = setup([{ kname: 'sda', size: MiB, backed: true }], { standalone: true });
    await expect(run()).rejects.toMatchObject({
      details: expect.stringContaining(
        'refusing to run erase_devices_metadata in standalone mode without block_devices',
      ) as unknown,
    });
    expect(commandLines(host, ['wipefs'])).toEqual([]);
  });
});
