import { describe, expect, it } from 'vitest';
import { parseSimArgs } from './args';

describe('parseSimArgs', () => {
  it('reads the documented flags', () => {
    const args = parseSimArgs([
      '--machines',
      '3',
      '--profile',
      'mix',
      '--api-url',
      'http://ironic:6385',
      '--redfish-port',
      '0',
      '--speed',
      '20',
      '--power-on',
    ]);
    expect(args).toMatchObject({
      machines: 3,
      apiUrl: 'http://ironic:6385',
      redfishPort: 0,
      speed: 20,
      powerOn: true,
    });
    expect(args.profiles).toEqual(['storage-2u', 'compute-nvme', 'small-vm']);
  });

  it('rejects bad values with a message naming the flag', () => {
    expect(() => parseSimArgs(['--machines', '-1'])).toThrow(/--machines/);
    expect(() => parseSimArgs(['--profile', 'mainframe'])).toThrow(/unknown profile "mainframe"/);
    expect(() => parseSimArgs(['--speed', '0'])).toThrow(/--speed/);
    expect(() => parseSimArgs(['--redfish-port', '70000'])).toThrow(/--redfish-port/);
    expect(() => parseSimArgs(['--bogus'])).toThrow();
    expect(() => parseSimArgs(['--machines', '10', '--ipmi-port', '65530'])).toThrow(/--ipmi-port/);
    expect(parseSimArgs(['--ipmi-port', '6230']).ipmiPort).toBe(6230);
    expect(parseSimArgs([]).ipmiPort).toBeUndefined();
    // With a profile file, user type names are checked once the file is loaded.
    expect(parseSimArgs(['--profile', 'edge-1u', '--profile-file', 'types.json'])).toMatchObject({
      profiles: ['edge-1u'],
      profileFile: 'types.json',
    });
  });

  it('makes the first machines QEMU machines with --real-ramdisk', () => {
    expect(parseSimArgs(['--machines', '3', '--real-ramdisk', 'out'])).toMatchObject({
      realRamdisk: 'out',
      realMachines: 1,
    });
    expect(parseSimArgs(['--machines', '3']).realMachines).toBe(0);
    expect(
      parseSimArgs(['--machines', '3', '--real-ramdisk', 'out', '--real-machines', '2'])
        .realMachines,
    ).toBe(2);
    expect(() => parseSimArgs(['--machines', '1', '--real-machines', '1'])).toThrow(
      /--real-machines needs --real-ramdisk/,
    );
    expect(() =>
      parseSimArgs(['--machines', '1', '--real-ramdisk', 'out', '--real-machines', '2']),
    ).toThrow(/--real-machines/);
  });
});
