import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { DeviceNotFound } from '../errors';
import { diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';

const GiB = 2 ** 30;
const disks = [
  { kname: 'sda', size: 480 * GiB, model: 'Samsung SSD 860', serial: 'S3Z1', tran: 'sata' },
  { kname: 'sda1', size: 1 * GiB, type: 'part' },
  {
    kname: 'sdb',
    size: 4000 * GiB,
    model: 'ST4000NM0035',
    serial: 'ZC1',
    rota: true,
    tran: 'sata',
  },
  { kname: 'nvme0n1', size: 100 * GiB, model: 'INTEL SSDPE2KX010T8', serial: 'PHLJ', tran: 'nvme' },
  { kname: 'sdc', size: 2 * GiB, model: 'USB stick', tran: 'usb' },
  { kname: 'zram0', size: 8 * GiB },
];

function setup(node: Record<string, unknown> | null, config = {}) {
  const host = diskHost(disks);
  const manager = new GenericHardwareManager();
  const env = testEnv({ host, node, config, methods: manager.methods });
  return { host, manager, env };
}

describe('GenericHardwareManager root device', () => {
  it('picks the smallest disk of at least 4 GiB without hints', async () => {
    const { manager, env } = setup({ uuid: 'n' });
    expect(await manager.methods.get_os_install_device!({}, env)).toBe('/dev/nvme0n1');
  });

  it('follows instance_info hints over properties hints', async () => {
    const { manager, env } = setup({
      uuid: 'n',
      instance_info: { root_device: { rotational: true } },
      properties: { root_device: { model: 'samsung ssd 860' } },
    });
    expect(await manager.methods.get_os_install_device!({}, env)).toBe('/dev/sdb');
    const props = setup({
      uuid: 'n',
      properties: { root_device: { size: '>= 400', serial: 's3z1' } },
    });
    expect(await props.manager.methods.get_os_install_device!({}, props.env)).toBe('/dev/sda');
  });

  it('says which hints matched nothing and what the devices were', async () => {
    const { manager, env } = setup({ uuid: 'n', properties: { root_device: { size: '>= 8000' } } });
    const err = (await Promise.resolve(manager.methods.get_os_install_device!({}, env)).catch(
      (e: unknown) => e,
    )) as DeviceNotFound;
    expect(err).toBeInstanceOf(DeviceNotFound);
    expect(err.details).toContain(
      'No suitable device was found for deployment using these hints {"size":">= 8000"}',
    );
    expect(err.details).toContain(
      '/dev/sdb (4000.0 GiB, model ST4000NM0035, serial ZC1, rotational true, tran sata)',
    );
    const bad = setup({ uuid: 'n', properties: { root_device: { size: 'big' } } });
    await expect(
      Promise.resolve(bad.manager.methods.get_os_install_device!({}, bad.env)),
    ).rejects.toMatchObject({
      type: 'DeviceNotFound',
      details: expect.stringContaining(
        'because they failed to validate. Error: Root device hint "size" is not an integer value',
      ) as unknown,
    });
  });

  it('leaves out disks named by skip_block_devices', async () => {
    const { manager, env } = setup({
      uuid: 'n',
      properties: { skip_block_devices: [{ name: '/dev/nvme0n1' }, { serial: 'S3Z1' }] },
    });
    expect(await manager.methods.get_os_install_device!({}, env)).toBe('/dev/sdb');
    const listed = (await manager.methods.list_block_devices_check_skip_list!(
      { include_partitions: true },
      env,
    )) as { name: string }[];
    // sda1 goes with its skipped disk; zram never counts.
    expect(listed.map((d) => d.name)).toEqual(['/dev/sdb', '/dev/sdc']);
  });

  it('sees only the configured block_devices', async () => {
    const { manager, env } = setup({ uuid: 'n' }, { block_devices: ['/dev/sda'] });
    const listed = (await manager.methods.list_block_devices!(
      { include_partitions: true },
      env,
    )) as {
      name: string;
      type: string;
    }[];
    expect(listed.map((d) => [d.name, d.type])).toEqual([
      ['/dev/sda', 'disk'],
      ['/dev/sda1', 'part'],
    ]);
  });

  it('waits disk_wait_attempts × disk_wait_delay for the root device to appear', async () => {
    const clock = new FakeClock(0);
    const host = diskHost([], clock);
    let lsblkRuns = 0;
    const empty = host.commands.get('lsblk')!;
    host.command('lsblk', (args, options) => {
      lsblkRuns++;
      if (lsblkRuns < 3) return empty(args, options);
      return JSON.stringify({
        blockdevices: [
          {
            kname: 'vda',
            model: null,
            size: 20 * GiB,
            rota: true,
            type: 'disk',
            uuid: null,
            partuuid: null,
            serial: null,
            wwn: null,
            'log-sec': 512,
            'phy-sec': 512,
            tran: null,
          },
        ],
      });
    });
    const manager = new GenericHardwareManager();
    const env = testEnv({
      host,
      config: { disk_wait_attempts: 5, disk_wait_delay: 3 },
      methods: manager.methods,
    });
    const waiting = Promise.resolve(manager.methods.wait_for_disks!({}, env));
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setImmediate(r));
      await clock.advance(3000);
    }
    await waiting;
    expect(lsblkRuns).toBe(3);
    expect(clock.now()).toBe(6000);
  });
});
