import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../agent';
import { FakeClock } from '../../lib';
import { FakeOs } from '../fake-os';
import { Fleet } from '../fleet';
import { parseProfiles } from './profile-schema';

const EXAMPLE = new URL('./examples/arm-edge.json', import.meta.url);

describe('user profiles from JSON', () => {
  it('builds machines the agent inventories as described', async () => {
    const profiles = parseProfiles(await readFile(EXAMPLE, 'utf8'));
    expect(profiles.map((p) => p.name)).toEqual(['edge-1u']);
    const clock = new FakeClock();
    const fleet = new Fleet({ apiUrl: 'http://127.0.0.1:9', clock, profiles });
    expect(fleet.profiles.map((p) => p.name)).toEqual([
      'edge-1u',
      'storage-2u',
      'compute-nvme',
      'small-vm',
    ]);
    const snap = fleet.addMachine({ profile: 'edge-1u', id: 'edge-1' });
    expect(snap).toMatchObject({ cpus: 32, memoryMiB: 65536 });
    const machine = fleet.machine('edge-1')!;
    const inventory = await collectInventory(new FakeOs({ machine, clock }));
    expect(inventory.cpu.count).toBe(32);
    expect(inventory.memory.physical_mb).toBe(65536);
    expect(inventory.disks.map((d) => [d.name, d.size, d.model])).toEqual([
      ['/dev/sda', 960197124096, 'Micron_5400_MTFDDAK960TGA'],
      ['/dev/sdb', 960197124096, 'Micron_5400_MTFDDAK960TGA'],
    ]);
    expect(inventory.interfaces.map((i) => [i.name, i.has_carrier, i.driver])).toEqual([
      ['eno1', true, 'ixgbe'],
      ['eno2', false, 'ixgbe'],
    ]);
    expect(inventory.system_vendor.manufacturer).toBe('Supermicro');
  });

  it('names the profile and the path of what is wrong', () => {
    expect(() => parseProfiles('{')).toThrow(/not JSON/);
    expect(() => parseProfiles(JSON.stringify([{ name: 'Bad Name' }]))).toThrow(
      /^profile file: 0\.name: /,
    );
    const base = {
      name: 'x',
      system: {
        manufacturer: 'a',
        productName: 'b',
        biosVendor: 'c',
        biosVersion: '1',
        biosDate: '01/01/2024',
      },
      cpu: { modelName: 'm', sockets: 1, coresPerSocket: 2, threadsPerCore: 1, mhz: 2000 },
      memoryMiB: 1024,
      disks: [],
      nics: [
        {
          name: 'eth0',
          speedMbps: 1000,
          vendorId: '0x8086',
          deviceId: '0x100e',
          driver: 'e1000',
          pciAddress: '0000:00:03.0',
        },
      ],
    };
    expect(parseProfiles(JSON.stringify({ profiles: [base] }))[0]).toMatchObject({
      name: 'x',
      bootMode: 'UEFI',
      hasIpmiDevice: true,
    });
    expect(() => parseProfiles(JSON.stringify([base, base]))).toThrow(/defined twice/);
    expect(() =>
      parseProfiles(
        JSON.stringify([
          {
            ...base,
            disks: [{ count: 1, kind: 'nvme', transport: 'sata', sizeBytes: 1, model: 'm' }],
          },
        ]),
      ),
    ).toThrow(/nvme transport/);
    expect(() =>
      parseProfiles(JSON.stringify([{ ...base, nics: [{ ...base.nics[0], vendorId: '8086' }] }])),
    ).toThrow(/0\.nics\.0\.vendorId/);
  });
});
