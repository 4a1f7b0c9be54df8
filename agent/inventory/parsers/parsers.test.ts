import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseCpuinfo,
  parseDmidecodeMemoryMb,
  parseIpAddr,
  parseLan6Addresses,
  parseLanPrint,
  parseLsblk,
  parseLscpu,
  parseMemTotal,
  parseUdevProperties,
  selectInventoryDisks,
} from '.';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');

describe('lsblk', () => {
  it('reads a server with SATA HDDs, NVMe, CD-ROM, RAM disks and md RAID', () => {
    const all = parseLsblk(fixture('server/lsblk.json'));
    expect(all).toHaveLength(11);
    const disks = selectInventoryDisks(all);
    expect(disks.map((d) => d.kname)).toEqual(['sda', 'sdb', 'nvme0n1', 'md0']);
    expect(disks[0]).toEqual({
      kname: 'sda',
      model: 'ST4000NM0035-1V4107',
      size: 4000787030016,
      rotational: true,
      type: 'disk',
      uuid: null,
      partuuid: null,
      serial: 'ZC1A2B3C',
      wwn: '0x5000c500a1b2c3d4',
      logicalSectors: 512,
      physicalSectors: 4096,
      tran: 'sata',
    });
    expect(disks[2]).toMatchObject({ rotational: false, tran: 'nvme', physicalSectors: 512 });
  });

  it('reads old util-linux output where every value is a string', () => {
    const disks = selectInventoryDisks(parseLsblk(fixture('server/lsblk-strings.json')));
    expect(disks).toEqual([
      expect.objectContaining({
        kname: 'sda',
        model: 'PERC H730P Mini',
        size: 598879502336,
        rotational: true,
        logicalSectors: 512,
      }),
    ]);
  });

  it('reads this VM: skips loops, zero-size and zram', () => {
    const disks = selectInventoryDisks(parseLsblk(fixture('vm/lsblk.json')));
    expect(disks.map((d) => [d.kname, d.size, d.rotational])).toEqual([
      ['vda', 274877906944, true],
    ]);
  });

  it('rejects rows lacking columns', () => {
    expect(() => parseLsblk('{"blockdevices":[{"kname":"sda","size":1}]}')).toThrow(
      /lacks columns: model, rota/,
    );
    expect(() => parseLsblk('{}')).toThrow(/no blockdevices/);
  });
});

describe('lscpu and cpuinfo', () => {
  it('reads a dual-socket server', () => {
    const cpu = parseLscpu(fixture('server/lscpu.txt'));
    expect(cpu).toMatchObject({
      model_name: 'Intel(R) Xeon(R) Gold 6326 CPU @ 2.90GHz',
      frequency: '3500.0000',
      count: 64,
      architecture: 'x86_64',
      socket_count: 2,
    });
    expect(cpu.flags).toContain('avx512f');
    expect(cpu.flags[0]).toBe('fpu');
  });

  it('reads this VM (no MHz lines)', () => {
    const cpu = parseLscpu(fixture('vm/lscpu.txt'));
    expect(cpu).toMatchObject({ count: 2, socket_count: 1, frequency: null });
    const info = parseCpuinfo(fixture('vm/cpuinfo.txt'));
    expect(info.processors).toBe(2);
    expect(info.modelName).toBe('Intel(R) Xeon(R) Processor');
    expect(info.flags).toEqual(cpu.flags.filter((f) => info.flags.includes(f)));
    expect(info.flags.length).toBeGreaterThan(10);
  });
});

describe('memory', () => {
  it('reads MemTotal in bytes', () => {
    expect(parseMemTotal(fixture('server/meminfo.txt'))).toBe(263686564 * 1024);
    expect(parseMemTotal(fixture('vm/meminfo.txt'))).toBe(24684084 * 1024);
    expect(parseMemTotal('nothing')).toBeNull();
  });

  it('sums installed DIMMs from dmidecode', () => {
    expect(parseDmidecodeMemoryMb(fixture('server/dmidecode-memory.txt'))).toBe(262144);
    expect(parseDmidecodeMemoryMb('# dmidecode 3.5\n')).toBeNull();
  });
});

describe('ip -j addr', () => {
  it('takes MACs, permanent MACs and the first address per family', () => {
    const links = parseIpAddr(fixture('server/ip-addr.json'));
    expect(links.get('eno1')).toEqual({
      name: 'eno1',
      address: 'b4:96:91:a1:b2:c0',
      permanentAddress: null,
      ipv4: '10.20.0.51',
      ipv6: 'fe80::b696:91ff:fea1:b2c0',
    });
    expect(links.get('ens3f0')).toMatchObject({
      permanentAddress: '0c:42:a1:5e:7f:2a',
      ipv4: null,
      ipv6: '2001:db8:20::51',
    });
    expect(parseIpAddr(fixture('vm/ip-addr.json')).get('eth0')?.ipv4).toBe('192.0.2.2');
  });
});

describe('ipmitool', () => {
  it('reads lan print', () => {
    expect(parseLanPrint(fixture('server/ipmitool-lan-print-1.txt'))).toEqual({
      ipAddress: '10.20.1.51',
      macAddress: 'b4:96:91:a1:b2:cf',
    });
    expect(parseLanPrint(fixture('server/ipmitool-lan-print-invalid.txt'))).toBeNull();
  });

  it('reads lan6 dynamic addresses, first active one', () => {
    expect(parseLan6Addresses(fixture('server/ipmitool-lan6-dynamic.txt'))).toBe(
      'fe80::b696:91ff:fea1:b2cf',
    );
    expect(parseLan6Addresses('')).toBeNull();
  });
});

describe('udev', () => {
  it('reads properties', () => {
    const p = parseUdevProperties(fixture('server/udevadm-sda.txt'));
    expect(p.ID_SERIAL_SHORT).toBe('ZC1A2B3C');
    expect(p.ID_WWN_WITH_EXTENSION).toBe('0x5000c500a1b2c3d4');
  });
});
