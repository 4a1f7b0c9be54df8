import { describe, expect, it } from 'vitest';
import { HostError, collectInventory } from '../../agent';
import {
  parseDmidecodeMemoryMb,
  parseIpAddr,
  parseLanPrint,
  parseLsblk,
  parseLscpu,
  parseMemTotal,
  parseUdevProperties,
} from '../../agent/inventory';
import { FakeClock } from '../../lib';
import { inventorySchema } from '../../protocol';
import { cpuCount } from '../machine';
import { testMachine } from '../testing/machines';
import { FakeOs } from './fake-os';
import { memTotalKiB } from './procfs';

const LSBLK = [
  '-bia',
  '--json',
  '--list',
  '-oKNAME,MODEL,SIZE,ROTA,TYPE,UUID,PARTUUID,SERIAL,WWN,LOG-SEC,PHY-SEC,TRAN',
];

function osFor(profile: string, cmdline?: string) {
  const clock = new FakeClock();
  const machine = testMachine(profile, clock);
  const os = new FakeOs({ machine, clock, ...(cmdline ? { cmdline } : {}) });
  return { clock, machine, os };
}

describe('FakeOs programs parse with the agent parsers', () => {
  it('lsblk JSON lists every disk with the 12 columns and typed values', async () => {
    const { os, machine } = osFor('storage-2u');
    const out = await os.run('lsblk', LSBLK);
    expect(out.exitCode).toBe(0);
    const rows = parseLsblk(out.stdout);
    const disks = rows.filter((r) => r.type === 'disk');
    expect(disks.map((d) => d.kname)).toEqual(machine.spec.disks.map((d) => d.name));
    expect(rows.filter((r) => r.type === 'loop').every((r) => r.size === 0)).toBe(true);
    const hdd = disks.find((d) => d.kname === 'sdc')!;
    expect(hdd).toMatchObject({
      size: 12_000_138_625_024,
      rotational: true,
      tran: 'sas',
      model: 'ST12000NM002G',
    });
    const ssd = disks.find((d) => d.kname === 'sda')!;
    expect(ssd).toMatchObject({
      rotational: false,
      tran: 'sata',
      logicalSectors: 512,
      physicalSectors: 4096,
    });
    expect(out.stdout).toContain('"rota": false');
    expect(
      out.stdout.startsWith('{\n   "blockdevices": [\n      {\n         "kname": "loop0",'),
    ).toBe(true);
  });

  it('lscpu and /proc/cpuinfo agree with the CPU model', async () => {
    const { os, machine } = osFor('compute-nvme');
    const cpu = parseLscpu((await os.run('lscpu', [])).stdout);
    expect(cpu.count).toBe(cpuCount(machine.spec.cpu));
    expect(cpu.count).toBe(80);
    expect(cpu.socket_count).toBe(2);
    expect(cpu.model_name).toBe(machine.spec.cpu.modelName);
    expect(cpu.architecture).toBe('x86_64');
    expect(cpu.flags).toContain('avx512f');
    const cpuinfo = await os.readFile('/proc/cpuinfo');
    expect(cpuinfo.match(/^processor\t: /gm)).toHaveLength(80);
  });

  it('meminfo and dmidecode memory agree with the memory model', async () => {
    const { os, machine } = osFor('storage-2u');
    expect(parseMemTotal(await os.readFile('/proc/meminfo'))).toBe(
      memTotalKiB(machine.spec.memoryMiB) * 1024,
    );
    const dmi = await os.run('dmidecode', ['--type', 'memory']);
    expect(parseDmidecodeMemoryMb(dmi.stdout)).toBe(machine.spec.memoryMiB);
    expect((await os.run('dmidecode', ['-s', 'system-serial-number'])).stdout.trim()).toBe(
      machine.spec.system.serialNumber,
    );
    expect((await os.run('dmidecode', ['-t', 'bogus'])).exitCode).toBe(2);
  });

  it('ip -j addr shows each NIC with its MAC, the DHCP address on the provisioning NIC', async () => {
    const { os, machine } = osFor('storage-2u');
    const links = parseIpAddr((await os.run('ip', ['-j', 'addr'])).stdout);
    for (const nic of machine.spec.nics) expect(links.get(nic.name)?.address).toBe(nic.mac);
    expect(links.get('eno1')?.ipv4).toBe('10.0.0.20');
    expect(links.get('eno3')?.ipv6).toBeNull();
    expect(links.get('lo')?.ipv4).toBe('127.0.0.1');
  });

  it('udevadm info and ipmitool lan print describe the hardware', async () => {
    const { os, machine } = osFor('storage-2u');
    const udev = parseUdevProperties(
      (await os.run('udevadm', ['info', '--query=property', '--name=/dev/sdc'])).stdout,
    );
    expect(udev.ID_SERIAL_SHORT).toBe(machine.spec.disks[2]!.serial);
    expect(udev.ID_WWN).toBe(machine.spec.disks[2]!.wwn);
    const lan = parseLanPrint((await os.run('ipmitool', ['lan', 'print', '1'])).stdout);
    expect(lan).toEqual({ ipAddress: '192.0.2.10', macAddress: machine.spec.bmc.mac });
    const other = await os.run('ipmitool', ['lan', 'print', '2']);
    expect(other.exitCode).toBe(1);
    expect(parseLanPrint(other.stderr)).toBeNull();
  });

  it('a VM has no /dev/ipmi0, and ipmitool says so', async () => {
    const { os } = osFor('small-vm');
    expect(await os.exists('/dev/ipmi0')).toBe(false);
    const out = await os.run('ipmitool', ['lan', 'print', '1']);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('Could not open device at /dev/ipmi0');
  });

  it('rejects programs a minimal ramdisk lacks with ENOENT', async () => {
    const { os } = osFor('small-vm');
    await expect(os.run('lshw', ['-json'])).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(os.run('/usr/sbin/biosdevname', ['-i', 'enp1s0'])).rejects.toBeInstanceOf(
      HostError,
    );
  });

  it('kills a program that outlives its timeout, on the clock', async () => {
    const { os, machine, clock } = osFor('storage-2u');
    machine.powerOn();
    await os.run('hdparm', ['--user-master', 'u', '--security-set-pass', 'NULL', '/dev/sda']);
    let outcome: unknown;
    const erase = os
      .run('hdparm', ['--user-master', 'u', '--security-erase-enhanced', 'NULL', '/dev/sda'], {
        timeoutMs: 60_000,
      })
      .catch((error: unknown) => (outcome = error));
    await clock.runUntil(() => outcome !== undefined);
    await erase;
    expect(outcome).toMatchObject({ code: 'ETIMEDOUT' });
    expect((await os.run('lscpu', [], { timeoutMs: 1 })).exitCode).toBe(0);
  });

  it('sysfs links resolve like the kernel lays them out', async () => {
    const { os } = osFor('storage-2u');
    expect(await os.readLink('/sys/class/net/eno1/device')).toBe('../../../0000:19:00.0');
    expect(await os.readFile('/sys/class/net/eno1/device/vendor')).toBe('0x8086\n');
    expect((await os.readLink('/sys/class/net/eno1/device/driver')).endsWith('/i40e')).toBe(true);
    expect(await os.readFile('/sys/block/sdc/queue/rotational')).toBe('1\n');
    expect(await os.readFile('/sys/block/sdc/device/vendor')).toBe('SEAGATE \n');
    expect(await os.listDir('/sys/block/sdc/device/scsi_device')).toEqual(['0:0:0:0']);
    expect(await os.exists('/sys/firmware/efi')).toBe(true);
    expect((await os.listDir('/sys/class/net')).sort()).toEqual([
      'eno1',
      'eno2',
      'eno3',
      'eno4',
      'lo',
    ]);
    await expect(os.readFile('/sys/class/net/eth9/address')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(os.readLink('/sys/class/net/eno1/address')).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('block devices read back what was written and fail with EIO on a failed disk', async () => {
    const { os, machine } = osFor('small-vm');
    machine.powerOn();
    const dev = await os.openBlockDevice('/dev/sda', 'rw');
    expect(dev.size).toBe(21_474_836_480);
    await dev.write(1_000_000, new Uint8Array([1, 2, 3]));
    expect([...(await dev.read(1_000_000, 4))]).toEqual([1, 2, 3, 0]);
    machine.faults.failedDisks.add('sda');
    await expect(dev.read(0, 512)).rejects.toMatchObject({ code: 'EIO' });
    await expect(os.openBlockDevice('/dev/sdz', 'r')).rejects.toMatchObject({ code: 'ENOENT' });
    machine.faults.failedDisks.clear();
    await machine.powerOff();
    await expect(dev.read(0, 512)).rejects.toMatchObject({ code: 'EIO' });
  });
});

describe('collectInventory on the fake OS', () => {
  for (const profile of ['storage-2u', 'compute-nvme', 'small-vm']) {
    it(`matches the ${profile} profile exactly`, async () => {
      const { os, machine } = osFor(profile, 'BOOTIF=01-aa-bb-cc-dd-ee-ff ipa-api-url=http://x');
      const inventory = inventorySchema.parse(await collectInventory(os));
      const { spec } = machine;
      expect(inventory.cpu.count).toBe(cpuCount(spec.cpu));
      expect(inventory.cpu.socket_count).toBe(spec.cpu.sockets);
      expect(inventory.memory.physical_mb).toBe(spec.memoryMiB);
      expect(inventory.memory.total).toBe(memTotalKiB(spec.memoryMiB) * 1024);
      expect(inventory.disks.map((d) => [d.name, d.size, d.rotational, d.serial])).toEqual(
        spec.disks.map((d) => [`/dev/${d.name}`, d.sizeBytes, d.kind === 'hdd', d.serial]),
      );
      expect(inventory.interfaces.map((i) => [i.name, i.mac_address])).toEqual(
        spec.nics.map((n) => [n.name, n.mac]),
      );
      expect(inventory.interfaces[0]!.ipv4_address).toBe('10.0.0.20');
      expect(inventory.system_vendor).toMatchObject({
        manufacturer: spec.system.manufacturer,
        product_name: spec.system.productName,
        serial_number: spec.system.serialNumber,
      });
      expect(inventory.boot).toEqual({
        current_boot_mode: 'uefi',
        pxe_interface: '01-aa-bb-cc-dd-ee-ff',
      });
      expect(inventory.hostname).toBe(spec.name);
      if (spec.hasIpmiDevice) {
        expect(inventory.bmc_address).toBe(spec.bmc.ipv4);
        expect(inventory.bmc_mac).toBe(spec.bmc.mac);
      } else {
        expect(inventory.bmc_address).toBeNull();
      }
    });
  }
});
