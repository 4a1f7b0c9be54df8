import { describe, expect, it } from 'vitest';
import { type FakeDisk, commandLines, diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';
import { parseMdadmDetailMembers, validateRaidConfig } from './software-raid';

const GiB = 2 ** 30;
const disks: FakeDisk[] = [
  { kname: 'sda', size: 480 * GiB, serial: 'A' },
  { kname: 'sdb', size: 480 * GiB, serial: 'B' },
  { kname: 'sdc', size: 480 * GiB, serial: 'C' },
];

const raid = (logical: unknown[]) => ({ logical_disks: logical });
const rootRaid1 = { size_gb: 100, raid_level: '1', controller: 'software', volume_name: 'root' };

function setup(node: Record<string, unknown>, extra: FakeDisk[] = []) {
  const host = diskHost([...disks, ...extra])
    .command('parted', () => '')
    .command('partprobe', () => '')
    .command('sgdisk', () => '2048\n')
    .command('mdadm', () => '');
  const manager = new GenericHardwareManager();
  const env = testEnv({ host, node, methods: manager.methods });
  return { host, manager, env };
}

describe('software RAID', () => {
  it('creates partitions after room for an ESP (UEFI) and one md device per logical disk', async () => {
    const node = {
      uuid: 'n',
      instance_info: { deploy_boot_mode: 'uefi' },
      target_raid_config: raid([
        {
          size_gb: 'MAX',
          raid_level: '0',
          controller: 'software',
          physical_disks: [{ serial: 'b' }, { serial: 'c' }],
        },
        rootRaid1,
      ]),
    };
    // The first logical disk must be RAID-1.
    const { manager, env } = setup(node);
    await expect(
      Promise.resolve(manager.methods.create_configuration!({ node }, env)),
    ).rejects.toMatchObject({
      type: 'SoftwareRAIDError',
      details: 'Software RAID Configuration requires RAID-1 for the first logical disk',
    });
    const ok = {
      ...node,
      target_raid_config: raid([rootRaid1, node.target_raid_config.logical_disks[0]]),
    };
    const { host, manager: m2, env: e2 } = setup(ok);
    expect(await m2.methods.create_configuration!({ node: ok }, e2)).toEqual(ok.target_raid_config);
    expect(commandLines(host, ['parted', 'mdadm'])).toEqual([
      'parted /dev/sda -s -- mklabel gpt',
      'parted /dev/sdb -s -- mklabel gpt',
      'parted /dev/sdc -s -- mklabel gpt',
      'parted /dev/sda -s -a optimal -- mkpart primary 551MiB 100GiB',
      'parted /dev/sdb -s -a optimal -- mkpart primary 551MiB 100GiB',
      'parted /dev/sdc -s -a optimal -- mkpart primary 551MiB 100GiB',
      'parted /dev/sdb -s -a optimal -- mkpart primary 100GiB -1',
      'parted /dev/sdc -s -a optimal -- mkpart primary 100GiB -1',
      'mdadm --create /dev/md0 --force --run --metadata=1 --level 1 --name root --raid-devices 3 /dev/sda1 /dev/sdb1 /dev/sdc1',
      'mdadm --create /dev/md1 --force --run --metadata=1 --level 0 --name /dev/md1 --raid-devices 2 /dev/sdb2 /dev/sdc2',
    ]);
  });

  it('uses msdos and the first free sector in BIOS mode, and refuses disks with partitions', async () => {
    const node = {
      uuid: 'n',
      instance_info: { capabilities: 'boot_mode:bios' },
      target_raid_config: raid([
        {
          ...rootRaid1,
          size_gb: 'MAX',
          physical_disks: [{ name: '/dev/sda' }, { name: '/dev/sdb' }],
        },
      ]),
    };
    const { host, manager, env } = setup(node);
    await manager.methods.create_configuration!({ node }, env);
    expect(commandLines(host, ['parted', 'sgdisk'])).toEqual([
      'parted /dev/sda -s -- mklabel msdos',
      'sgdisk -F /dev/sda',
      'parted /dev/sdb -s -- mklabel msdos',
      'sgdisk -F /dev/sdb',
      'parted /dev/sda -s -a optimal -- mkpart primary 2048s -1',
      'parted /dev/sdb -s -a optimal -- mkpart primary 2048s -1',
    ]);
    const used = setup(node, [{ kname: 'sdb1', size: GiB, type: 'part' }]);
    await expect(
      Promise.resolve(used.manager.methods.create_configuration!({ node }, used.env)),
    ).rejects.toMatchObject({
      details:
        'Partitions detected on devices /dev/sdb during RAID config; run delete_configuration or erase_devices_metadata first',
    });
    expect(commandLines(used.host, ['parted'])).toEqual([]);
  });

  it('does nothing without a software RAID target, and says when mdadm is missing', async () => {
    const { host, manager, env } = setup({ uuid: 'n' });
    expect(await manager.methods.create_configuration!({ node: { uuid: 'n' } }, env)).toEqual({});
    const hw = {
      uuid: 'n',
      target_raid_config: raid([{ size_gb: 10, raid_level: '1', controller: 'PERC H740P' }]),
    };
    expect(await manager.methods.create_configuration!({ node: hw }, env)).toEqual({});
    expect(commandLines(host, ['parted', 'mdadm'])).toEqual([]);
    host.commands.delete('mdadm');
    const node = { uuid: 'n', target_raid_config: raid([rootRaid1]) };
    await expect(
      Promise.resolve(manager.methods.create_configuration!({ node }, env)),
    ).rejects.toMatchObject({
      details: 'creating /dev/md0 on /dev/sda1, /dev/sdb1, /dev/sdc1: mdadm is not installed',
    });
  });

  it('validates the whole configuration at once', () => {
    expect(() =>
      validateRaidConfig(
        raid([
          { size_gb: 'MAX', raid_level: '5', controller: 'software', volume_name: 'x' },
          {
            size_gb: 'MAX',
            raid_level: '7',
            controller: 'software',
            volume_name: 'x',
            physical_disks: [{ name: 'a' }],
          },
          { size_gb: -1, raid_level: '1', controller: 'software' },
        ]),
      ),
    ).toThrow(
      expect.objectContaining({
        details:
          'Software RAID configuration requires one or two logical disks ' +
          'Software RAID Configuration requires RAID-1 for the first logical disk ' +
          'logical disk 1: RAID level 7 is not supported for software RAID (supported: 0, 1, 1+0, 5, 6) ' +
          'The physical_disks parameter for software RAID must be a list with at least 2 items, each specifying a disk in the device hints format ' +
          'Duplicate software RAID device name x detected ' +
          'logical disk 2: size_gb must be a positive integer or "MAX", got -1 ' +
          "Software RAID can have only one RAID device with size 'MAX'",
      }),
    );
    expect(() => validateRaidConfig({})).toThrow(
      expect.objectContaining({
        details: 'RAID config contains no logical disks',
      }),
    );
  });

  it('deletes arrays: wipe, stop, zero member superblocks, wipe holder disks', async () => {
    const { host, manager, env } = setup({ uuid: 'n' }, [
      { kname: 'sda1', size: 100 * GiB, type: 'part' },
      { kname: 'sdb1', size: 100 * GiB, type: 'part' },
      { kname: 'md0', size: 100 * GiB, type: 'raid1' },
    ]);
    let stopped = false;
    host.command('mdadm', (args) => {
      if (args[0] === '--detail') {
        return [
          '/dev/md0:',
          '           Version : 1.2',
          '        Raid Level : raid1',
          '    Number   Major   Minor   RaidDevice State',
          '       0       8        1        0      active sync   /dev/sda1',
          '       1       8       17        1      active sync   /dev/sdb1',
          '',
        ].join('\n');
      }
      if (args[0] === '--stop') stopped = true;
      if (args[0] === '--examine') {
        return ['/dev/sda1', '/dev/sdb1'].includes(args[1]!) &&
          !host.calls.some((c) => c.args.join(' ') === `--zero-superblock ${args[1]}`)
          ? 'Magic : a92b4efc\n'
          : { exitCode: 1, stdout: '', stderr: `mdadm: No md superblock detected on ${args[1]}.` };
      }
      return '';
    });
    const lsblk = host.commands.get('lsblk')!;
    host.command('lsblk', (args, o) => {
      const out = lsblk(args, o);
      if (!stopped || typeof out !== 'string' || !out.includes('blockdevices')) return out;
      const doc = JSON.parse(out) as { blockdevices: { kname: string }[] };
      return JSON.stringify({ blockdevices: doc.blockdevices.filter((d) => d.kname !== 'md0') });
    });
    await manager.methods.delete_configuration!({ node: { uuid: 'n' } }, env);
    expect(
      commandLines(host, ['mdadm', 'wipefs']).filter((l) => !l.startsWith('mdadm --examine')),
    ).toEqual([
      'mdadm --assemble --scan',
      'mdadm --detail /dev/md0',
      'wipefs -af /dev/md0',
      'mdadm --stop /dev/md0',
      'mdadm --zero-superblock /dev/sda1',
      'mdadm --zero-superblock /dev/sdb1',
      'wipefs -af /dev/sda',
      'wipefs -af /dev/sdb',
      'mdadm --assemble --scan',
    ]);
  });

  it('reads md members from mdadm --detail', () => {
    expect(
      parseMdadmDetailMembers(
        '/dev/md1:\n    Number   Major   Minor   RaidDevice State\n' +
          '       0     259        2        0      active sync   /dev/nvme0n1p2\n' +
          '       -       0        0        1      removed\n',
      ),
    ).toEqual(['/dev/nvme0n1p2']);
  });
});
