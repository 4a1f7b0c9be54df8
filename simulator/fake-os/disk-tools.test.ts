import { describe, expect, it } from 'vitest';
import { BlockDeviceEraseError, type ManagerEnv } from '../../agent/hardware';
import { ataSecureErase } from '../../agent/hardware/generic/ata-erase';
import type { BlockDevice } from '../../agent/hardware/generic/block-devices';
import { destroyDiskMetadata } from '../../agent/hardware/generic/destroy-metadata';
import { nvmeSecureErase } from '../../agent/hardware/generic/nvme-erase';
import { FakeClock, createLogger } from '../../lib';
import { ESP_TYPE, LINUX_TYPE, writeGptImage } from '../testing/disk-images';
import { testMachine } from '../testing/machines';
import { FakeOs } from './fake-os';

function setup(profile: string) {
  const clock = new FakeClock();
  const machine = testMachine(profile, clock);
  machine.powerOn();
  const os = new FakeOs({ machine, clock });
  const env = {
    host: os,
    signal: new AbortController().signal,
    logger: createLogger({ name: 'test', level: 'silent' }),
  } as unknown as ManagerEnv;
  return { clock, machine, os, env };
}

const dev = (name: string) => ({ name }) as BlockDevice;

function writeImage(os: FakeOs, disk: string) {
  const machine = (
    os as unknown as {
      machine: {
        disks: { spec: { name: string }; data: { write(o: number, d: Uint8Array): void } }[];
      };
    }
  ).machine;
  const target = machine.disks.find((d) => d.spec.name === disk)!;
  writeGptImage((o, d) => target.data.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
    {
      startLba: 2048,
      sizeLba: 204800,
      type: ESP_TYPE,
      uuid: '11111111-2222-4333-8444-555555555555',
      name: 'EFI System',
      fs: { type: 'vfat', uuid: 'ABCD-1234' },
    },
    {
      startLba: 206848,
      sizeLba: 4_000_000,
      type: LINUX_TYPE,
      uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
      name: 'root',
      fs: { type: 'ext4', uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a', label: 'rootfs' },
    },
  ]);
}

describe('partitions as the kernel and lsblk see them', () => {
  it('shows a new table only after a rescan, then nests partitions with their UUIDs', async () => {
    const { os, machine } = setup('small-vm');
    writeImage(os, 'sda');
    const before = await os.run('lsblk', ['-J', '-o', 'KNAME,TYPE', '/dev/sda']);
    expect(before.stdout).not.toContain('children');
    expect((await os.run('partprobe', ['/dev/sda'])).exitCode).toBe(0);
    const tree = JSON.parse(
      (
        await os.run('lsblk', [
          '-bia',
          '--json',
          '-oKNAME,UUID,PTUUID,PARTTYPE,PARTUUID,FSTYPE,TYPE',
          '/dev/sda',
        ])
      ).stdout,
    ) as {
      blockdevices: Array<Record<string, unknown> & { children: Record<string, unknown>[] }>;
    };
    expect(tree.blockdevices[0]).toMatchObject({
      kname: 'sda',
      ptuuid: '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f',
      type: 'disk',
    });
    expect(tree.blockdevices[0]!.children).toEqual([
      {
        kname: 'sda1',
        uuid: 'ABCD-1234',
        ptuuid: '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f',
        parttype: ESP_TYPE,
        partuuid: '11111111-2222-4333-8444-555555555555',
        fstype: 'vfat',
        type: 'part',
      },
      {
        kname: 'sda2',
        uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a',
        ptuuid: '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f',
        parttype: LINUX_TYPE,
        partuuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        fstype: 'ext4',
        type: 'part',
      },
    ]);
    expect(await os.readFile('/sys/class/block/sda2/partition')).toBe('2\n');
    expect(await os.readLink('/dev/disk/by-partuuid/66666666-7777-4888-9999-aaaaaaaaaaaa')).toBe(
      '../../sda2',
    );
    const part = await os.openBlockDevice('/dev/sda2', 'r');
    expect(part.size).toBe(4_000_000 * 512);
    expect([...(await part.read(1024 + 56, 2))]).toEqual([0x53, 0xef]);
    expect((await os.run('lsblk', ['--noheadings', '--output', 'FSTYPE', '/dev/sda'])).stdout).toBe(
      '\nvfat\next4\n',
    );
    const table = (await os.run('lsblk', ['-o', 'NAME,SIZE,TYPE', '/dev/sda'])).stdout;
    expect(table).toContain('├─sda1');
    expect(table).toContain('└─sda2');
    expect(machine.diskLayout('sda').partitions).toHaveLength(2);
  });
});

describe("the agent's own erase code against the fake disk tools", () => {
  it('ATA secure erase (enhanced) clears a SATA SSD after its simulated erase time', async () => {
    const { os, env, clock, machine } = setup('storage-2u');
    writeImage(os, 'sda');
    let done = false;
    const erased = ataSecureErase(env, dev('/dev/sda')).then((r) => (done = r));
    await clock.runUntil(() => done);
    expect(await erased).toBe(true);
    expect(machine.disks[0]!.data.extents()).toEqual([]);
    expect(machine.disks[0]!.security).toMatchObject({ enabled: false, locked: false });
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBeGreaterThanOrEqual(2 * 60_000);
  });

  it('ATA secure erase is not offered by SAS or QEMU disks, and is refused on a frozen drive', async () => {
    const { env, machine } = setup('storage-2u');
    expect(await ataSecureErase(env, dev('/dev/sdc'))).toBe(false);
    machine.disks[0]!.security.frozen = true;
    await expect(ataSecureErase(env, dev('/dev/sda'))).rejects.toBeInstanceOf(
      BlockDeviceEraseError,
    );
    const vm = setup('small-vm');
    expect(await ataSecureErase(vm.env, dev('/dev/sda'))).toBe(false);
  });

  it('a drive left with a password comes back locked after a power cycle, and the agent unlocks it', async () => {
    const { os, env, clock, machine } = setup('storage-2u');
    await os.run('hdparm', ['--user-master', 'u', '--security-set-pass', 'NULL', '/dev/sdb']);
    await machine.powerOff();
    machine.powerOn();
    expect(machine.disks[1]!.security).toMatchObject({ enabled: true, locked: true });
    let done = false;
    const erased = ataSecureErase(env, dev('/dev/sdb')).then((r) => (done = r));
    await clock.runUntil(() => done);
    expect(await erased).toBe(true);
  });

  it('NVMe crypto-erase formats the namespace', async () => {
    const { os, env, clock, machine } = setup('compute-nvme');
    writeImage(os, 'nvme0n1');
    let ses = 0;
    const run = nvmeSecureErase(env, dev('/dev/nvme0n1')).then((s) => (ses = s));
    await clock.runUntil(() => ses !== 0);
    await run;
    expect(ses).toBe(2);
    expect(machine.disks[0]!.data.extents()).toEqual([]);
  });

  it('metadata erase removes the partition table and both GPT copies', async () => {
    const { os, env, machine, clock } = setup('small-vm');
    writeImage(os, 'sda');
    const size = machine.disks[0]!.spec.sizeBytes;
    machine.disks[0]!.data.write(size - 512, Buffer.from('EFI PART', 'latin1'));
    await os.run('partprobe', []);
    const wipe = await os.run('wipefs', ['--force', '--all', '/dev/sda']);
    expect(wipe.stdout).toContain(
      '/dev/sda: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54',
    );
    expect(wipe.stdout).toContain('(PMBR): 55 aa');
    writeImage(os, 'sda');
    let done = false;
    const destroyed = destroyDiskMetadata(env, dev('/dev/sda')).then(() => (done = true));
    await clock.runUntil(() => done);
    await destroyed;
    expect(machine.diskLayout('sda')).toMatchObject({ table: null, partitions: [] });
    expect((await os.run('lsblk', ['-J', '-o', 'KNAME', '/dev/sda'])).stdout).not.toContain('sda1');
  });

  it('metadata erase works on partitions too, partitions first as erase_devices_metadata does', async () => {
    const { os, env, machine, clock } = setup('small-vm');
    writeImage(os, 'sda');
    await os.run('partprobe', []);
    const zap = await os.run('sgdisk', ['-Z', '/dev/sda2']);
    expect(zap.exitCode).toBe(0);
    // The partition's first sectors (its file system's superblock area) are zeros now.
    const start2 = 206848 * 512;
    expect(machine.disks[0]!.data.read(start2, 34 * 512).every((b) => b === 0)).toBe(true);
    for (const name of ['/dev/sda1', '/dev/sda']) {
      let done = false;
      const destroyed = destroyDiskMetadata(env, dev(name)).then(() => (done = true));
      await clock.runUntil(() => done);
      await destroyed;
    }
    expect(machine.diskLayout('sda')).toMatchObject({ table: null, partitions: [] });
    expect((await os.run('sgdisk', ['-Z', '/dev/sda9'])).exitCode).toBe(2);
  });

  it('disk tools fail like the real ones on a failed disk', async () => {
    const { os, machine } = setup('storage-2u');
    machine.faults.failedDisks.add('sda');
    expect((await os.run('hdparm', ['-I', '/dev/sda'])).exitCode).toBe(5);
    expect((await os.run('wipefs', ['--force', '--all', '/dev/sda'])).exitCode).toBe(1);
    expect((await os.run('smartctl', ['-ja', '/dev/sda'])).exitCode).toBe(2);
  });

  it('smartctl runs a long self-test that completes on the clock', async () => {
    const { os, clock } = setup('small-vm');
    expect((await os.run('smartctl', ['-t', 'long', '/dev/sda'])).stdout).toContain(
      'Testing has begun.',
    );
    const status = async () =>
      (
        JSON.parse((await os.run('smartctl', ['-ja', '/dev/sda'])).stdout) as {
          ata_smart_data: { self_test: { status: { string: string } } };
        }
      ).ata_smart_data.self_test.status.string;
    expect(await status()).toMatch(/in progress/);
    await clock.advance(60 * 60_000);
    expect(await status()).toBe('completed without error');
  });
});
