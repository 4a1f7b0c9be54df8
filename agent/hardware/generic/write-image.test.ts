import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LoopbackServer,
  loopbackServer,
  serveBytes,
} from '../../image/testing/loopback-server';
import { SparseHost } from '../../image/testing/sparse-host';
import { testDiskImage } from '../../image/testing/test-images';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';

const MiB = 1024 * 1024;
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('write_image deploy step', () => {
  it('writes the image to the root device the hints choose and keeps the partition UUIDs', async () => {
    const image = testDiskImage(16);
    const server = await loopbackServer(serveBytes(image));
    servers.push(server);
    const host = new SparseHost();
    host.disk('/dev/sda', 64 * MiB);
    host.disk('/dev/sdb', 64 * MiB);
    const node = { uuid: 'n', instance_info: { root_device: { name: '/dev/sdb' } } };
    const manager = new GenericHardwareManager();
    const env = testEnv({
      host,
      node,
      config: { block_devices: ['/dev/sda', '/dev/sdb'], image_download_connection_retries: 0 },
      methods: manager.methods,
    });
    const result = await manager.methods.write_image!(
      {
        node,
        ports: [],
        image_info: {
          id: 'disk.raw',
          urls: [`${server.url}/disk.raw`],
          disk_format: 'raw',
          checksum: createHash('sha256').update(image).digest('hex'),
          deploy_boot_mode: 'uefi',
        },
      },
      env,
    );
    expect(result).toEqual({
      result: expect.stringMatching(
        /^prepare_image: image \(disk\.raw\) written to device \/dev\/sdb root_uuid=\S+ efi_system_partition_uuid=\S+$/,
      ) as unknown,
    });
    // Past the partition table (which the writer adjusts to the bigger disk) bytes are the image's.
    const dev = await host.openBlockDevice('/dev/sdb', 'r');
    const written = Buffer.from(await dev.read(MiB, image.length - 2 * MiB));
    expect(written.equals(image.subarray(MiB, image.length - MiB))).toBe(true);
    const untouched = await (await host.openBlockDevice('/dev/sda', 'r')).read(0, MiB);
    expect(untouched.every((b) => b === 0)).toBe(true);
    expect(env.partitionUuids).toHaveLength(1);
    expect(Object.keys(env.partitionUuids[0]!)).toEqual(expect.arrayContaining(['root uuid']));
    expect(env.progress.at(-1)?.fraction).toBe(1);
  });

  it('refuses a bad image_info before touching any disk', async () => {
    const host = new SparseHost();
    host.disk('/dev/sda', 64 * MiB);
    const writes: unknown[] = [];
    const manager = new GenericHardwareManager({
      writeImage: (...args) => {
        writes.push(args);
        return Promise.reject(new Error('never'));
      },
    });
    const env = testEnv({
      host,
      config: { block_devices: ['/dev/sda'] },
      methods: manager.methods,
    });
    await expect(
      Promise.resolve(manager.methods.write_image!({ image_info: { id: 'x' } }, env)),
    ).rejects.toMatchObject({ type: 'InvalidCommandParamsError' });
    expect(writes).toEqual([]);
  });
});
