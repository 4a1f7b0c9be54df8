import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { InvalidCommandParamsError } from '../commands/errors';
import { CommandExecutor } from '../commands/command-executor';
import { standbyExtension } from '../commands/extensions/standby';
import type { AgentServices } from '../commands/services';
import { defaultAgentConfig } from '../config';
import { type HardwareDispatcher, NO_HARDWARE_MANAGERS } from '../hardware';
import { type LoopbackServer, loopbackServer, serveBytes } from './testing/loopback-server';
import { SparseHost } from './testing/sparse-host';
import { testDiskImage } from './testing/test-images';

const MiB = 1024 * 1024;
const silent = createLogger({ name: 'test', level: 'silent' });
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function harness(host: SparseHost, hardware: HardwareDispatcher) {
  const services: AgentServices = {
    host,
    config: defaultAgentConfig({ image_download_connection_retries: 0 }),
    hardware,
    collectInventory: () => Promise.reject(new Error('unused')),
    node: null,
    lookupConfig: { heartbeat_timeout: 300, agent_md5_checksum_enable: false },
    partitionUuids: {},
    agentLog: () => '',
    commandResults: () => [],
    stopServingApi: () => undefined,
  };
  const executor = new CommandExecutor({
    clock: host.clock,
    logger: silent,
    signal: new AbortController().signal,
  });
  executor.register(standbyExtension(services));
  return { executor, services };
}

const installOn = (device: string): HardwareDispatcher => ({
  ...NO_HARDWARE_MANAGERS,
  dispatch: (method) =>
    method === 'get_os_install_device'
      ? Promise.resolve(device)
      : NO_HARDWARE_MANAGERS.dispatch(method, null as never),
});

describe('standby.prepare_image', () => {
  it('answers HTTP 400 for invalid image_info before anything runs (md5 off by Ironic)', async () => {
    const { executor } = harness(new SparseHost(), installOn('/dev/sda'));
    const err = await executor
      .execute('standby.prepare_image', {
        image_info: { id: 'x', urls: ['http://h/x'], checksum: 'a'.repeat(32) },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCommandParamsError);
    expect((err as InvalidCommandParamsError).faultstring).toMatch(
      /^Invalid command parameters: Image checksum is not available/,
    );
    expect(executor.list()).toHaveLength(0);
  });

  it('writes to the device the hardware managers choose and records the partition UUIDs', async () => {
    const image = testDiskImage(16);
    const s = await loopbackServer(serveBytes(image));
    servers.push(s);
    const host = new SparseHost();
    host.disk('/dev/vda', 64 * MiB);
    const { executor } = harness(host, installOn('/dev/vda'));
    const record = await executor.execute('standby.prepare_image', {
      image_info: {
        id: 'disk.raw',
        urls: [`${s.url}/disk.raw`],
        os_hash_algo: 'sha512',
        os_hash_value: createHash('sha512').update(image).digest('hex'),
        deploy_boot_mode: 'bios',
      },
      configdrive: null,
    });
    expect(record.serialize().command_status).toBe('RUNNING');
    await record.done;
    const result = record.serialize();
    expect(result.command_status).toBe('SUCCEEDED');
    expect(result.command_result).toEqual({
      result: 'prepare_image: image (disk.raw) written to device /dev/vda root_uuid=0x00000000',
    });
    const uuids = await executor.execute('standby.get_partition_uuids', {});
    expect(uuids.serialize().command_result).toEqual({
      'root uuid': '0x00000000',
      'efi system partition uuid': 'ABCD-0123',
    });
  });

  it('fails the command (not the request) when the download fails', async () => {
    const s = await loopbackServer((_req, res) => res.writeHead(404).end());
    servers.push(s);
    const host = new SparseHost();
    host.disk('/dev/vda', 64 * MiB);
    const { executor } = harness(host, installOn('/dev/vda'));
    const record = await executor.execute('standby.prepare_image', {
      image_info: { id: 'gone', urls: [`${s.url}/gone`], checksum: 'c'.repeat(64) },
    });
    await record.done;
    const result = record.serialize();
    expect(result.command_status).toBe('FAILED');
    expect(result.command_error).toMatchObject({
      type: 'ImageDownloadError',
      message: 'Error downloading image',
      details: expect.stringContaining('HTTP 404') as unknown,
    });
  });
});
