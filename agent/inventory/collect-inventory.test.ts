import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventorySchema } from '../../protocol';
import { LinuxHost } from '../host/linux';
import { FakeHost } from '../testing/fake-host';
import { collectInventory } from './collect-inventory';
import { LSBLK_ARGS } from './collectors/disks';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function serverHost(): FakeHost {
  const host = new FakeHost()
    .file('/proc/cmdline', 'ipa-api-url=http://10.0.0.1:6385 BOOTIF=01-b4-96-91-a1-b2-c0')
    .file('/proc/sys/kernel/hostname', 'node-17\n')
    .file('/proc/meminfo', fixture('server/meminfo.txt'))
    .file('/sys/class/dmi/id/product_name', 'PowerEdge R650\n')
    .file('/sys/class/dmi/id/sys_vendor', 'Dell Inc.\n')
    .file('/sys/class/dmi/id/bios_vendor', 'Dell Inc.\n')
    .file('/sys/class/dmi/id/bios_version', '1.9.2\n')
    .file('/sys/class/dmi/id/bios_date', '03/14/2025\n')
    .dir('/sys/firmware/efi')
    .file('/dev/ipmi0', '')
    .file('/sys/class/block/sda/device/vendor', 'ATA     \n')
    .dir('/sys/block/sda/device/scsi_device/0:0:0:0')
    .link('/dev/disk/by-path/pci-0000:00:17.0-ata-1', '../../sda')
    .link('/dev/disk/by-path/pci-0000:00:17.0-ata-1-part1', '../../sda1')
    .command('lsblk', (args) => {
      expect(args).toEqual(LSBLK_ARGS);
      return fixture('server/lsblk.json');
    })
    .command('udevadm', (args) =>
      args[0] === 'settle'
        ? ''
        : args.includes('--name=/dev/sda')
          ? fixture('server/udevadm-sda.txt')
          : { exitCode: 1, stdout: '', stderr: 'Unknown device' },
    )
    .command('lscpu', () => fixture('server/lscpu.txt'))
    .command('dmidecode', (args) =>
      args.includes('memory')
        ? fixture('server/dmidecode-memory.txt')
        : args.includes('system-serial-number')
          ? 'CN7X2B3\n'
          : '',
    )
    .command('ip', () => fixture('server/ip-addr.json'))
    .command('ipmitool', (args) =>
      args[0] === 'lan' && args[2] === '1'
        ? fixture('server/ipmitool-lan-print-1.txt')
        : { exitCode: 1, stdout: '', stderr: 'Invalid channel' },
    );
  const nic = (name: string, pci: string, vendor: string, speed: string, carrier: string) =>
    host
      .link(`/sys/class/net/${name}/device`, `../../../${pci}`)
      .link(`/sys/class/net/${name}/device/driver`, '../../../../bus/pci/drivers/ice')
      .file(`/sys/class/net/${name}/device/vendor`, `${vendor}\n`)
      .file(`/sys/class/net/${name}/device/device`, '0x1593\n')
      .file(`/sys/class/net/${name}/speed`, `${speed}\n`)
      .file(`/sys/class/net/${name}/carrier`, `${carrier}\n`);
  nic('eno1', '0000:18:00.0', '0x8086', '25000', '1');
  nic('eno2', '0000:18:00.1', '0x8086', '-1', '0');
  nic('ens3f0', '0000:3b:00.0', '0x15b3', '100000', '1');
  nic('tap0', '0000:99:00.0', '0x1af4', '10', '1'); // fa: MAC, dropped
  host.file('/sys/class/net/lo/address', '00:00:00:00:00:00\n'); // no device link, skipped
  return host;
}

describe('collectInventory', () => {
  it('builds IPA-shaped inventory of a server from the Host port alone', async () => {
    const inv = await collectInventory(serverHost());
    expect(inventorySchema.parse(inv)).toEqual(inv);
    expect(Object.keys(inv)).toEqual([
      'interfaces',
      'cpu',
      'disks',
      'memory',
      'bmc_address',
      'bmc_v6address',
      'system_vendor',
      'boot',
      'hostname',
      'bmc_mac',
    ]);
    expect(inv.interfaces.map((i) => [i.name, i.mac_address])).toEqual([
      ['eno1', 'b4:96:91:a1:b2:c0'],
      ['eno2', 'b4:96:91:a1:b2:c1'],
      ['ens3f0', '0c:42:a1:5e:7f:2a'],
    ]);
    expect(inv.interfaces[0]).toEqual({
      name: 'eno1',
      mac_address: 'b4:96:91:a1:b2:c0',
      ipv4_address: '10.20.0.51',
      ipv6_address: 'fe80::b696:91ff:fea1:b2c0',
      has_carrier: true,
      lldp: null,
      vendor: '0x8086',
      product: '0x1593',
      client_id: null,
      biosdevname: null,
      speed_mbps: 25000,
      pci_address: '0000:18:00.0',
      driver: 'ice',
    });
    expect(inv.interfaces[1]).toMatchObject({ has_carrier: false, speed_mbps: null });
    expect(inv.cpu).toMatchObject({ count: 64, socket_count: 2, frequency: '3500.0000' });
    expect(inv.disks.map((d) => d.name)).toEqual([
      '/dev/sda',
      '/dev/sdb',
      '/dev/nvme0n1',
      '/dev/md0',
    ]);
    expect(inv.disks[0]).toEqual({
      name: '/dev/sda',
      model: 'ST4000NM0035-1V4107',
      size: 4000787030016,
      rotational: true,
      wwn: '0x5000c500a1b2c3d4',
      serial: 'ZC1A2B3C',
      vendor: 'ATA',
      wwn_with_extension: '0x5000c500a1b2c3d4',
      wwn_vendor_extension: null,
      hctl: '0:0:0:0',
      by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-1',
      logical_sectors: 512,
      physical_sectors: 4096,
      tran: 'sata',
    });
    expect(inv.memory).toEqual({ total: 263686564 * 1024, physical_mb: 262144 });
    expect(inv.bmc_address).toBe('10.20.1.51');
    expect(inv.bmc_v6address).toBe('::/0');
    expect(inv.bmc_mac).toBe('b4:96:91:a1:b2:cf');
    expect(inv.system_vendor).toEqual({
      product_name: 'PowerEdge R650',
      serial_number: 'CN7X2B3',
      manufacturer: 'Dell Inc.',
      firmware: { vendor: 'Dell Inc.', version: '1.9.2', build_date: '03/14/2025' },
    });
    expect(inv.boot).toEqual({ current_boot_mode: 'uefi', pxe_interface: '01-b4-96-91-a1-b2-c0' });
    expect(inv.hostname).toBe('node-17');
  });

  it('skips BMC probing when asked and survives failing collectors', async () => {
    const host = serverHost()
      .command('lsblk', () => ({ exitCode: 1, stdout: '', stderr: 'lsblk: boom' }))
      .command('lscpu', () => {
        throw new Error('lscpu crashed');
      });
    host.files.delete('/proc/meminfo');
    const warnings: string[] = [];
    const logger = {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
      debug: () => undefined,
    } as unknown as Parameters<typeof collectInventory>[1] extends infer O
      ? O extends { logger?: infer L }
        ? L
        : never
      : never;
    const inv = await collectInventory(host, { skipBmcDetect: true, logger });
    expect(inventorySchema.safeParse(inv).success).toBe(true);
    expect(inv.disks).toEqual([]);
    expect(inv.cpu.count).toBeNull();
    expect(inv.memory.total).toBeNull();
    expect(inv.memory.physical_mb).toBe(262144);
    expect(inv.bmc_address).toBeNull();
    expect('bmc_mac' in inv).toBe(false);
    expect(host.calls.some((c) => c.command === 'ipmitool')).toBe(false);
    expect(warnings).toEqual(['inventory: cannot collect cpu', 'inventory: cannot collect disks']);
  });

  it('has no BMC without an IPMI device node', async () => {
    const host = serverHost();
    host.files.delete('/dev/ipmi0');
    const inv = await collectInventory(host);
    expect(inv.bmc_address).toBeNull();
    expect(inv.bmc_v6address).toBeNull();
    expect(host.calls.some((c) => c.command === 'ipmitool')).toBe(false);
  });

  it('matches this machine when run through LinuxHost', async () => {
    const inv = await collectInventory(new LinuxHost());
    expect(inventorySchema.safeParse(inv).success).toBe(true);
    expect(inv.cpu.count).toBe(cpus().length);
    expect(inv.cpu.count).toBe(Number(execFileSync('nproc').toString().trim()));
    const links = JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as {
      ifname: string;
      address?: string;
      permaddr?: string;
    }[];
    for (const nic of inv.interfaces) {
      const link = links.find((l) => l.ifname === nic.name);
      expect(link, nic.name).toBeDefined();
      expect(nic.mac_address).toBe((link!.permaddr ?? link!.address)!.toLowerCase());
    }
    const withDevice = links.filter((l) => {
      try {
        execFileSync('readlink', ['-e', `/sys/class/net/${l.ifname}/device`]);
        return !(l.permaddr ?? l.address ?? 'fa:').startsWith('fa:');
      } catch {
        return false;
      }
    });
    expect(inv.interfaces.map((i) => i.name).sort()).toEqual(
      withDevice.map((l) => l.ifname).sort(),
    );
    expect(inv.memory.total).toBeGreaterThan(0);
  });
});
