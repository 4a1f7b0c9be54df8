import { describe, expect, it } from 'vitest';
import {
  type HintDevice,
  RootDeviceHintError,
  findDevicesByHints,
  matchRootDeviceHints,
  parseRootDeviceHints,
  pythonQuote,
} from './root-device-hints';

const GiB = 2 ** 30;
const devices: HintDevice[] = [
  {
    name: '/dev/sda',
    size: 480 * GiB,
    model: 'Samsung SSD 860 PRO',
    vendor: 'ATA     ',
    serial: 'S3Z9NB0K123456',
    wwn: '0x5002538e40a1b2c3',
    wwn_with_extension: '0x5002538e40a1b2c3',
    wwn_vendor_extension: null,
    rotational: false,
    hctl: '0:0:0:0',
    by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-1',
    tran: 'sata',
  },
  {
    name: '/dev/sdb',
    size: 4000787030016,
    model: 'ST4000NM0035-1V4107',
    vendor: 'SEAGATE',
    serial: ['ZC1A2B3C', 'ST4000NM0035_ZC1A2B3C'],
    wwn: '0x5000c500a1b2c3d4',
    wwn_with_extension: null,
    wwn_vendor_extension: null,
    rotational: true,
    hctl: '1:0:0:0',
    by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-2',
    tran: 'sata',
  },
  {
    name: '/dev/nvme0n1',
    size: 100 * GiB,
    model: 'INTEL SSDPE2KX010T8',
    vendor: null,
    serial: 'PHLJ9123',
    wwn: null,
    rotational: false,
    hctl: null,
    by_path: null,
    tran: 'nvme',
  },
];

const names = (hints: Record<string, unknown>) =>
  findDevicesByHints(devices, hints).map((d) => d.name);

describe('root device hints', () => {
  it('compares size in GiB with the numeric operators ("=" means at least)', () => {
    expect(names({ size: 100 })).toEqual(['/dev/nvme0n1']);
    expect(names({ size: '100' })).toEqual(['/dev/nvme0n1']);
    expect(names({ size: '== 480' })).toEqual(['/dev/sda']);
    expect(names({ size: '= 480' })).toEqual(['/dev/sda', '/dev/sdb']);
    expect(names({ size: '>= 480' })).toEqual(['/dev/sda', '/dev/sdb']);
    expect(names({ size: '> 480' })).toEqual(['/dev/sdb']);
    expect(names({ size: '<= 480' })).toEqual(['/dev/sda', '/dev/nvme0n1']);
    expect(names({ size: '< 480' })).toEqual(['/dev/nvme0n1']);
    expect(names({ size: '!= 480' })).toEqual(['/dev/sdb', '/dev/nvme0n1']);
    expect(names({ size: '<or> 100 <or> 480' })).toEqual(['/dev/sda', '/dev/nvme0n1']);
    expect(names({ size: '<range-in> [ 100 480 )' })).toEqual(['/dev/nvme0n1']);
    expect(names({ size: '<range-in> ( 100 480 ]' })).toEqual(['/dev/sda']);
    // A 4 TB disk is 3726.02 GiB: "==" on a non-multiple never matches, as in IPA.
    expect(names({ size: 3726 })).toEqual([]);
  });

  it('compares strings case-insensitively after IPA normalisation', () => {
    expect(names({ model: 'samsung ssd 860 pro' })).toEqual(['/dev/sda']);
    expect(names({ model: 's== SAMSUNG SSD 860 PRO' })).toEqual(['/dev/sda']);
    expect(names({ model: 's!= Samsung SSD 860 PRO' })).toEqual(['/dev/sdb', '/dev/nvme0n1']);
    expect(names({ model: '<in> SSD' })).toEqual(['/dev/sda', '/dev/nvme0n1']);
    expect(names({ model: '<or> ST4000NM0035-1V4107 <or> intel ssdpe2kx010t8' })).toEqual([
      '/dev/sdb',
      '/dev/nvme0n1',
    ]);
    expect(names({ model: '<all-in> samsung 860' })).toEqual(['/dev/sda']);
    expect(names({ model: '<all-in> samsung 970' })).toEqual([]);
    expect(names({ vendor: 'ata' })).toEqual(['/dev/sda']);
    // sdb carries two serials; one of them is enough.
    expect(names({ serial: 's> s' })).toEqual(['/dev/sda', '/dev/sdb']);
    expect(names({ serial: 's>= phlj9123' })).toEqual(['/dev/sda', '/dev/sdb', '/dev/nvme0n1']);
    expect(names({ serial: 's< q' })).toEqual(['/dev/nvme0n1']);
    expect(names({ serial: 's<= phlj9123' })).toEqual(['/dev/nvme0n1']);
    expect(names({ tran: 'nvme' })).toEqual(['/dev/nvme0n1']);
    expect(names({ hctl: '1:0:0:0' })).toEqual(['/dev/sdb']);
    expect(names({ by_path: '/dev/disk/by-path/pci-0000:00:17.0-ata-1' })).toEqual(['/dev/sda']);
    expect(names({ name: '/dev/nvme0n1' })).toEqual(['/dev/nvme0n1']);
    expect(names({ wwn: '0x5000C500A1B2C3D4' })).toEqual(['/dev/sdb']);
    expect(names({ wwn_with_extension: '0x5002538e40a1b2c3' })).toEqual(['/dev/sda']);
  });

  it('matches list-valued attributes when any value matches, never empty values', () => {
    expect(names({ serial: 'ST4000NM0035_ZC1A2B3C' })).toEqual(['/dev/sdb']);
    expect(names({ serial: 'zc1a2b3c' })).toEqual(['/dev/sdb']);
    expect(names({ wwn_vendor_extension: '<in> 0' })).toEqual([]);
    expect(names({ vendor: 's!= ata' })).toEqual(['/dev/sdb']);
  });

  it('parses rotational strictly', () => {
    expect(names({ rotational: true })).toEqual(['/dev/sdb']);
    expect(names({ rotational: 'no' })).toEqual(['/dev/sda', '/dev/nvme0n1']);
    expect(names({ rotational: '1' })).toEqual(['/dev/sdb']);
    expect(() => names({ rotational: 'maybe' })).toThrow(
      'Root device hint "rotational" is not a Boolean value. Current value: maybe',
    );
  });

  it('needs every hint to match and picks the first match in listing order', () => {
    expect(names({ rotational: false, size: '>= 200' })).toEqual(['/dev/sda']);
    expect(matchRootDeviceHints(devices, { rotational: false })?.name).toBe('/dev/sda');
    expect(matchRootDeviceHints(devices, { model: 'no such disk' })).toBeNull();
  });

  it('rejects bad hints with a message naming the hint', () => {
    const bad = (h: Record<string, unknown>) => () => parseRootDeviceHints(h);
    expect(bad({ colour: 'red', size: 10 })).toThrow(
      'The hints "colour" are invalid. Valid hints are: "size, model, wwn, serial, vendor, ' +
        'wwn_with_extension, wwn_vendor_extension, name, rotational, hctl, by_path, tran"',
    );
    expect(bad({ serial: 123 })).toThrow('Root device hint "serial" is not a string value');
    expect(bad({ size: '>= big' })).toThrow('Root device hint "size" is not an integer value');
    expect(bad({ size: 0 })).toThrow('Root device hint "size" should be a positive integer');
    expect(bad({ size: '<in> 10' })).toThrow('Root device hint "size" is a number');
    expect(bad({ model: '>= 10' })).toThrow('Root device hint "model" is a string');
    expect(bad({ model: '  ' })).toThrow('Root device hint model expression is empty');
    expect(bad({ size: '<range-in> 10 20' })).toThrow('malformed range');
    expect(bad({ model: '<or>' })).toThrow('has an operator but no value');
    expect(bad({ serial: 'x' })).not.toThrow();
    expect(() => parseRootDeviceHints({ bogus: 1 })).toThrow(RootDeviceHintError);
  });

  it('quotes like Python urllib.parse.quote', () => {
    expect(pythonQuote('a b:c/d_e.f-g~h+i')).toBe('a%20b%3Ac/d_e.f-g~h%2Bi');
    expect(pythonQuote('ü')).toBe('%C3%BC');
  });
});
