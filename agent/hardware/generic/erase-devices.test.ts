import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import type { CommandProgress } from '../../../protocol';
import { HostError } from '../../host';
import type { FakeHost } from '../../testing/fake-host';
import { type FakeDisk, commandLines, diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';
import { parseSecurityLines } from './ata-erase';

const MiB = 1024 * 1024;

/** A clock whose time moves 10 ms whenever it is read, so rates can be computed. */
class TickingClock extends FakeClock {
  private t = 0;
  override now(): number {
    this.t += 10;
    return this.t;
  }
}

function hdparmIdentify(states: string[]): string {
  return [
    '',
    '/dev/sda:',
    '',
    'ATA device, with non-removable media',
    '\tModel Number:       Samsung SSD 860 PRO 512GB',
    'Security: ',
    '\tMaster password revision code = 65534',
    ...states.map((s) => `\t${s.replace(' ', '\t')}`),
    '\t2min for SECURITY ERASE UNIT. 2min for ENHANCED SECURITY ERASE UNIT.',
    'Logical Unit WWN Device Identifier: 5002538e40a1b2c3',
    '',
  ].join('\n');
}

/** A drive's ATA security state machine as hdparm sees it. */
function ataDrive(
  host: FakeHost,
  opts: { frozen?: boolean; enhanced?: boolean; eraseFails?: boolean } = {},
) {
  let enabled = false;
  let locked = false;
  host.command('hdparm', (args) => {
    if (args[0] === '-I') {
      return hdparmIdentify([
        '\tsupported',
        enabled ? '\tenabled' : 'not enabled',
        locked ? '\tlocked' : 'not locked',
        opts.frozen ? '\tfrozen' : 'not frozen',
        'not expired: security count',
        opts.enhanced === false ? 'not supported: enhanced erase' : '\tsupported: enhanced erase',
      ]);
    }
    if (args.includes('--security-set-pass')) {
      enabled = true;
      return '';
    }
    if (args.some((a) => a.startsWith('--security-erase'))) {
      if (opts.eraseFails) {
        locked = true;
        return { exitCode: 5, stdout: '', stderr: 'SG_IO: bad/missing sense data' };
      }
      enabled = false;
      return '';
    }
    if (args.includes('--security-unlock')) {
      locked = false;
      return '';
    }
    return { exitCode: 1, stdout: '', stderr: 'unexpected' };
  });
}

function setup(
  disks: FakeDisk[],
  dii: Record<string, unknown> = {},
  config = {},
  clock?: FakeClock,
) {
  const host = diskHost(disks, clock);
  const node = { uuid: 'n', driver_internal_info: dii };
  const manager = new GenericHardwareManager();
  const env = testEnv({ host, node, config, methods: manager.methods });
  const run = () => Promise.resolve(manager.methods.erase_devices!({ node }, env));
  return { host, env, run, manager, node };
}

const sata = (kname: string, size = 2 * MiB): FakeDisk => ({
  kname,
  size,
  tran: 'sata',
  backed: true,
});

describe('erase_devices', () => {
  it('formats NVMe drives with crypto erase when supported, user-data erase otherwise', async () => {
    const { host, run } = setup([
      { kname: 'nvme0n1', size: 2 * MiB, tran: 'nvme', backed: true },
      { kname: 'nvme1n1', size: 2 * MiB, tran: 'nvme', backed: true },
    ]);
    host.command('nvme', (args) =>
      args[0] === 'id-ctrl'
        ? JSON.stringify({ oacs: 0x17, fna: args[1] === '/dev/nvme0n1' ? 0x4 : 0x0 })
        : '',
    );
    expect(await run()).toEqual({
      '/dev/nvme0n1': { method: 'nvme-format', detail: 'cryptographic erase' },
      '/dev/nvme1n1': { method: 'nvme-format', detail: 'user data erase' },
    });
    expect(commandLines(host, ['nvme'])).toEqual([
      'nvme id-ctrl /dev/nvme0n1 -o json',
      'nvme format /dev/nvme0n1 -s 2 -f',
      'nvme id-ctrl /dev/nvme1n1 -o json',
      'nvme format /dev/nvme1n1 -s 1 -f',
    ]);
    // A secure format writes nothing through the agent.
    expect(host.devices.get('/dev/nvme0n1')!.every((b) => b === 0xab)).toBe(true);
  });

  it('falls back to shred after a failed NVMe format only when the node allows it', async () => {
    const disks: FakeDisk[] = [{ kname: 'nvme0n1', size: 2 * MiB, tran: 'nvme', backed: true }];
    const strict = setup(disks);
    strict.host.command('nvme', () => JSON.stringify({ oacs: 0, fna: 0 }));
    await expect(strict.run()).rejects.toMatchObject({
      type: 'BlockDeviceEraseError',
      details:
        'Failed to erase 1 of 1 device(s): /dev/nvme0n1: Failed to invoke secure erase, fallback to ' +
        'shred is not enabled: nvme-cli did not return any supported format modes for device: /dev/nvme0n1',
    });
    const lenient = setup(disks, { agent_continue_if_secure_erase_failed: true });
    lenient.host.commands.delete('nvme');
    expect(await lenient.run()).toEqual({
      '/dev/nvme0n1': {
        method: 'shred',
        passes: 2,
        bytes_written: 4 * MiB,
        detail:
          'after secure erase failed: Failed to fetch NVMe capabilities for device /dev/nvme0n1: nvme-cli (nvme) is not installed',
      },
    });
    expect(lenient.host.devices.get('/dev/nvme0n1')!.every((b) => b === 0)).toBe(true);
    // The legacy flag name still counts.
    const legacy = setup(disks, {
      agent_continue_if_ata_erase_failed: true,
      agent_erase_devices_zeroize: false,
    });
    legacy.host.command('nvme', () => ({
      exitCode: 1,
      stdout: '',
      stderr: 'NVMe status: INVALID_OPCODE',
    }));
    expect(await legacy.run()).toMatchObject({ '/dev/nvme0n1': { method: 'shred', passes: 1 } });
  });

  it('runs ATA secure erase through its security states', async () => {
    const { host, run } = setup([sata('sda')]);
    ataDrive(host);
    host.command('smartctl', () => 'Security: ATA security is:   Disabled, NOT FROZEN [SEC1]\n');
    expect(await run()).toEqual({ '/dev/sda': { method: 'ata-secure-erase' } });
    expect(commandLines(host, ['hdparm', 'smartctl'])).toEqual([
      'hdparm -I /dev/sda',
      'smartctl -d ata /dev/sda -g security',
      'hdparm --user-master u --security-set-pass NULL /dev/sda',
      'hdparm --user-master u --security-erase-enhanced NULL /dev/sda',
      'hdparm -I /dev/sda',
    ]);
  });

  it('uses the plain erase when enhanced erase is not supported', async () => {
    const { host, run } = setup([sata('sda')]);
    ataDrive(host, { enhanced: false });
    await run();
    expect(commandLines(host, ['hdparm'])).toContain(
      'hdparm --user-master u --security-erase NULL /dev/sda',
    );
  });

  it('fails on a frozen drive, and on a failed erase leaves it unlocked', async () => {
    const frozen = setup([sata('sda')]);
    ataDrive(frozen.host, { frozen: true });
    await expect(frozen.run()).rejects.toMatchObject({
      details:
        'Failed to erase 1 of 1 device(s): /dev/sda: Failed to invoke secure erase, fallback to shred ' +
        'is not enabled: Block device /dev/sda is frozen and cannot be erased',
    });
    const failing = setup([sata('sda')], { agent_continue_if_secure_erase_failed: true });
    ataDrive(failing.host, { eraseFails: true });
    expect(await failing.run()).toMatchObject({
      '/dev/sda': {
        method: 'shred',
        detail:
          'after secure erase failed: Erase failed for device /dev/sda: SG_IO: bad/missing sense data',
      },
    });
    expect(commandLines(failing.host, ['hdparm'])).toContain(
      'hdparm --user-master u --security-unlock NULL /dev/sda',
    );
  });

  it('overwrites when ATA security is unsupported, unavailable to smartctl, disabled, or hdparm is missing', async () => {
    const unsupported = setup([sata('sda')], {
      agent_erase_devices_iterations: 1,
      agent_erase_devices_zeroize: false,
    });
    unsupported.host.command('hdparm', () => '\n/dev/sda:\n\nATA device\n');
    expect(await unsupported.run()).toMatchObject({ '/dev/sda': { method: 'shred', passes: 1 } });
    expect(unsupported.host.devices.get('/dev/sda')!.filter((b) => b === 0xab).length).toBeLessThan(
      50_000,
    );

    const bridged = setup([sata('sda')]);
    ataDrive(bridged.host);
    bridged.host.command('smartctl', () => 'ATA Security is:  Unavailable\n');
    expect(await bridged.run()).toMatchObject({ '/dev/sda': { method: 'shred' } });
    expect(commandLines(bridged.host, ['hdparm'])).toEqual(['hdparm -I /dev/sda']);

    const smartFails = setup([sata('sda')]);
    ataDrive(smartFails.host);
    smartFails.host.command('smartctl', () => ({
      exitCode: 2,
      stdout: '',
      stderr: 'Smartctl open device failed',
    }));
    expect(await smartFails.run()).toMatchObject({ '/dev/sda': { method: 'shred' } });

    const disabled = setup([sata('sda')], { agent_enable_ata_secure_erase: false });
    ataDrive(disabled.host);
    expect(await disabled.run()).toMatchObject({ '/dev/sda': { method: 'shred' } });
    expect(commandLines(disabled.host, ['hdparm'])).toEqual([]);

    const bare = setup([sata('sda')]);
    expect(await bare.run()).toMatchObject({ '/dev/sda': { method: 'shred', passes: 2 } });
  });

  it('honours the agent configuration when the node says nothing', async () => {
    const { host, run } = setup(
      [sata('sda')],
      {},
      {
        shred_random_overwrite_iterations: 3,
        shred_final_overwrite_with_zeros: false,
        enable_ata_secure_erase: false,
      },
    );
    expect(await run()).toMatchObject({
      '/dev/sda': { method: 'shred', passes: 3, bytes_written: 6 * MiB },
    });
    expect(commandLines(host, ['hdparm'])).toEqual([]);
  });

  it('fails read-only devices unless told to skip them; skips RAID members and virtual media', async () => {
    const disks: FakeDisk[] = [
      { ...sata('sda'), ro: true },
      { ...sata('sdb'), fstype: 'linux_raid_member' },
      sata('sdc'),
    ];
    const strict = setup(disks);
    strict.host.link('/dev/disk/by-label/ir-vfd-dev', '/dev/sdc');
    await expect(strict.run()).rejects.toMatchObject({
      details: expect.stringMatching(
        /^Failed to erase 1 of 3 device\(s\): \/dev\/sda: Failed to invoke erase of device \/dev\/sda as the device is flagged read-only.*Erased: \/dev\/sdb: skipped \(Linux RAID member\); \/dev\/sdc: skipped \(virtual media device\)$/,
      ) as unknown,
    });
    const lenient = setup(disks, { agent_erase_skip_read_only: true });
    expect(await lenient.run()).toMatchObject({
      '/dev/sda': { method: 'skipped', detail: 'read-only device' },
      '/dev/sdb': { method: 'skipped', detail: 'Linux RAID member' },
      '/dev/sdc': { method: 'shred' },
    });
  });

  it('erases the other disks when one fails, then names the failed disk and why', async () => {
    const { host, run } = setup([sata('sda'), sata('sdb'), sata('sdc')]);
    const open = host.openBlockDevice.bind(host);
    host.openBlockDevice = async (path, mode) => {
      const dev = await open(path, mode);
      return path === '/dev/sdb'
        ? {
            ...dev,
            write: () => Promise.reject(new HostError('EIO', `${path}: Input/output error`, path)),
          }
        : dev;
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toMatchObject({
      type: 'BlockDeviceEraseError',
      details:
        'Failed to erase 1 of 3 device(s): /dev/sdb: Unable to erase block device /dev/sdb: ' +
        'overwriting /dev/sdb failed at byte 0 (pass 1 of 2): /dev/sdb: Input/output error. ' +
        'Erased: /dev/sda: erased (shred); /dev/sdc: erased (shred)',
    });
    expect(host.devices.get('/dev/sda')!.every((b) => b === 0)).toBe(true);
    expect(host.devices.get('/dev/sdc')!.every((b) => b === 0)).toBe(true);
  });

  it('erases disk_erasure_concurrency disks at a time', async () => {
    const started: string[] = [];
    const observe = async (concurrency: number) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const { host, run } = setup([sata('sda'), sata('sdb'), sata('sdc')], {
        disk_erasure_concurrency: concurrency,
      });
      host.command('hdparm', async (args) => {
        started.push(args[1]!);
        await gate;
        return '\n/dev/x:\n';
      });
      const running = run();
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      const before = [...started];
      release();
      await running;
      return before;
    };
    expect(await observe(2)).toEqual(['/dev/sda', '/dev/sdb']);
    started.length = 0;
    expect(await observe(1)).toEqual(['/dev/sda']);
  });

  it('reports progress with the fraction done and the bytes written per second', async () => {
    const { env, run } = setup(
      [sata('sda', 20 * MiB), sata('sdb', 20 * MiB)],
      { agent_enable_ata_secure_erase: false, disk_erasure_concurrency: 2 },
      {},
      new TickingClock(0),
    );
    await run();
    const seen: CommandProgress[] = env.progress;
    expect(seen.length).toBeGreaterThan(10);
    const fractions = seen.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({
      fraction: 1,
      bytes_done: 40 * MiB,
      bytes_total: 40 * MiB,
      message: 'erase_devices: 2 of 2 device(s) done',
    });
    const midway = seen.find((p) => p.fraction > 0.3 && p.fraction < 0.7)!;
    expect(midway.message).toMatch(/\/dev\/sd[ab] shred pass [12] of 2/);
    expect(midway.bytes_per_second).toBeGreaterThan(0);
  });

  it('parses the Security block of hdparm -I like IPA', () => {
    expect(
      parseSecurityLines(
        hdparmIdentify(['\tsupported', 'not enabled', 'not locked', 'not frozen']),
      ),
    ).toEqual([
      'Master password revision code = 65534',
      'supported',
      'not enabled',
      'not locked',
      'not frozen',
      '2min for SECURITY ERASE UNIT. 2min for ENHANCED SECURITY ERASE UNIT.',
    ]);
    expect(parseSecurityLines('/dev/sdx:\nno security here\n')).toEqual([]);
  });
});
