import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib';
import { ESP_TYPE, LINUX_TYPE, writeGptImage } from '../testing/disk-images';
import { buildFat32 } from '../testing/fat-image';
import { testMachine } from '../testing/machines';
import { FakeOs } from './fake-os';

function machineWithEsp() {
  const clock = new FakeClock();
  const machine = testMachine('small-vm', clock);
  const disk = machine.disks[0]!;
  writeGptImage((o, d) => disk.data.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
    {
      startLba: 2048,
      sizeLba: 80_000,
      type: ESP_TYPE,
      uuid: '11111111-2222-4333-8444-555555555555',
      name: 'EFI System',
    },
    {
      startLba: 83_968,
      sizeLba: 4_000_000,
      type: LINUX_TYPE,
      uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
      name: 'root',
      fs: { type: 'ext4', uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a' },
    },
  ]);
  for (const [offset, bytes] of buildFat32([
    { path: 'EFI/ubuntu/shimx64.efi', content: 'MZ shim' },
    { path: 'EFI/ubuntu/grubx64.efi', content: 'MZ grub', longName: true },
    { path: 'EFI/BOOT/BOOTX64.EFI', content: 'MZ fallback' },
  ])) {
    disk.data.write(2048 * 512 + offset, bytes);
  }
  machine.powerOn();
  return { clock, machine, os: new FakeOs({ machine, clock }) };
}

describe('mounting an EFI system partition and registering a loader', () => {
  it('mounts the FAT tree read-only, with long and short names, and unmounts it', async () => {
    const { os } = machineWithEsp();
    expect(
      JSON.parse((await os.run('lsblk', ['-J', '-o', 'KNAME,FSTYPE,UUID', '/dev/sda1'])).stdout),
    ).toEqual({
      blockdevices: [{ kname: 'sda1', fstype: 'vfat', uuid: 'ABCD-1234' }],
    });
    expect((await os.run('mkdir', ['-p', '/mnt/esp'])).exitCode).toBe(0);
    expect((await os.run('mount', ['/dev/sda1', '/mnt/esp'])).exitCode).toBe(0);
    expect(await os.listDir('/mnt/esp')).toEqual(['EFI']);
    expect(await os.listDir('/mnt/esp/EFI')).toEqual(['BOOT', 'ubuntu']);
    expect(await os.listDir('/mnt/esp/EFI/ubuntu')).toEqual(['grubx64.efi', 'shimx64.efi']);
    expect(await os.readFile('/mnt/esp/EFI/BOOT/BOOTX64.EFI')).toBe('MZ fallback');
    expect(await os.readFile('/proc/mounts')).toContain('/dev/sda1 /mnt/esp vfat');
    const shown = JSON.parse(
      (await os.run('lsblk', ['-J', '-o', 'KNAME,MOUNTPOINT,MOUNTPOINTS', '/dev/sda'])).stdout,
    ) as {
      blockdevices: Array<{
        mountpoint: string | null;
        children: Array<{
          kname: string;
          mountpoint: string | null;
          mountpoints: (string | null)[];
        }>;
      }>;
    };
    expect(shown.blockdevices[0]!.mountpoint).toBeNull();
    expect(shown.blockdevices[0]!.children[0]).toEqual({
      kname: 'sda1',
      mountpoint: '/mnt/esp',
      mountpoints: ['/mnt/esp'],
    });
    expect((await os.run('mount', ['/dev/sda1', '/mnt/esp'])).exitCode).toBe(32);
    expect((await os.run('umount', ['/mnt/esp'])).exitCode).toBe(0);
    expect(await os.listDir('/mnt/esp')).toEqual([]);
    expect((await os.run('umount', ['/mnt/esp'])).exitCode).toBe(32);
    expect((await os.run('mount', ['/dev/sda3', '/mnt/esp'])).exitCode).toBe(32);
  });

  it('efibootmgr creates an NVRAM entry that the firmware boots from disk', async () => {
    const { os, machine, clock } = machineWithEsp();
    const created = await os.run('efibootmgr', [
      '-v',
      '-c',
      '-d',
      '/dev/sda',
      '-p',
      '1',
      '-w',
      '-L',
      'ironic1',
      '-l',
      '\\EFI\\ubuntu\\shimx64.efi',
    ]);
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toContain('BootOrder: 0001,0000');
    expect(created.stdout).toContain(
      'Boot0001* ironic1\tHD(1,GPT,11111111-2222-4333-8444-555555555555,0x800,0x13880)/File(\\EFI\\ubuntu\\shimx64.efi)',
    );
    expect((await os.run('efibootmgr', ['-b', '0000', '-B'])).stdout).not.toContain('Boot0000');
    machine.setBootOverride({ target: 'Hdd', enabled: 'Once' });
    await machine.reset();
    await clock.runUntil(() => machine.runningOs === 'disk');
    expect(machine.serial.tail()).toContain("Booting `ironic1' (\\EFI\\ubuntu\\shimx64.efi)");
    machine.setBootMode('Legacy');
    const legacy = new FakeOs({ machine, clock });
    expect((await legacy.run('efibootmgr', [])).stderr).toContain(
      'EFI variables are not supported',
    );
  });
});
