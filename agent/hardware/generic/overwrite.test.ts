import { describe, expect, it } from 'vitest';
import { HostError } from '../../host';
import { FakeHost } from '../../testing/fake-host';
import { type OverwriteProgress, overwriteBlockDevice } from './overwrite';

const KiB = 1024;

function device(size: number) {
  const host = new FakeHost();
  const data = new Uint8Array(size).fill(0xab);
  host.devices.set('/dev/sdx', data);
  const log: string[] = [];
  const open = host.openBlockDevice.bind(host);
  host.openBlockDevice = async (path, mode) => {
    const dev = await open(path, mode);
    log.push(`open ${mode}`);
    return {
      ...dev,
      write: (offset, bytes) => {
        log.push(`write ${offset}+${bytes.length}`);
        return dev.write(offset, bytes);
      },
      flush: () => {
        log.push('flush');
        return dev.flush();
      },
      close: () => {
        log.push('close');
        return dev.close();
      },
    };
  };
  return { host, data, log };
}

describe('overwriteBlockDevice', () => {
  it('writes N random passes then zeros, chunk by chunk, flushing after each pass', async () => {
    const { host, data, log } = device(10 * KiB);
    const fills: number[] = [];
    let pass = 0;
    const progress: OverwriteProgress[] = [];
    const result = await overwriteBlockDevice(host, '/dev/sdx', {
      iterations: 2,
      zeroize: true,
      chunkBytes: 4 * KiB,
      fill: (b) => {
        fills.push(b.length);
        b.fill(0x10 + pass);
      },
      onProgress: (p) => {
        progress.push(p);
        pass = p.pass;
      },
    });
    expect(result).toEqual({ passes: 3, bytesWritten: 30 * KiB, size: 10 * KiB });
    expect(fills).toEqual([4096, 4096, 2048, 4096, 4096, 2048]);
    expect(log).toEqual([
      'open rw',
      ...['write 0+4096', 'write 4096+4096', 'write 8192+2048', 'flush'],
      ...['write 0+4096', 'write 4096+4096', 'write 8192+2048', 'flush'],
      ...['write 0+4096', 'write 4096+4096', 'write 8192+2048', 'flush'],
      'close',
    ]);
    expect(data.every((b) => b === 0)).toBe(true);
    expect(progress.map((p) => Number(p.fraction.toFixed(3)))).toEqual([
      0.133, 0.267, 0.333, 0.467, 0.6, 0.667, 0.8, 0.933, 1,
    ]);
    expect(progress.at(-1)).toMatchObject({
      pass: 3,
      passes: 3,
      bytesWritten: 30 * KiB,
      newlyWritten: 2048,
    });
  });

  it('leaves random data when zeroing is off, and nothing at all with no passes', async () => {
    const { host, data } = device(6 * KiB);
    await overwriteBlockDevice(host, '/dev/sdx', {
      iterations: 1,
      zeroize: false,
      chunkBytes: 4 * KiB,
    });
    expect(data.some((b) => b !== 0xab)).toBe(true);
    const distinct = new Set(data);
    expect(distinct.size).toBeGreaterThan(200);
    const idle = device(4 * KiB);
    expect(
      await overwriteBlockDevice(idle.host, '/dev/sdx', { iterations: 0, zeroize: false }),
    ).toEqual({
      passes: 0,
      bytesWritten: 0,
      size: 4 * KiB,
    });
    expect(idle.log).toEqual(['open rw', 'close']);
  });

  it('stops between chunks when aborted, and closes the device', async () => {
    const { host, log } = device(16 * KiB);
    const abort = new AbortController();
    const run = overwriteBlockDevice(host, '/dev/sdx', {
      iterations: 1,
      zeroize: true,
      chunkBytes: 4 * KiB,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.passBytes === 8 * KiB) abort.abort(new Error('agent stopped'));
      },
    });
    await expect(run).rejects.toThrow('agent stopped');
    expect(log.filter((l) => l.startsWith('write')).length).toBeLessThanOrEqual(3);
    expect(log.at(-1)).toBe('close');
  });

  it('names the device, the byte and the pass when a write fails', async () => {
    const { host, log } = device(12 * KiB);
    const open = host.openBlockDevice.bind(host);
    host.openBlockDevice = async (path, mode) => {
      const dev = await open(path, mode);
      return {
        ...dev,
        write: (offset, bytes) =>
          offset === 8 * KiB
            ? Promise.reject(new HostError('EIO', `${path}: Input/output error`, path))
            : dev.write(offset, bytes),
      };
    };
    await expect(
      overwriteBlockDevice(host, '/dev/sdx', {
        iterations: 1,
        zeroize: false,
        chunkBytes: 4 * KiB,
      }),
    ).rejects.toThrow(
      'overwriting /dev/sdx failed at byte 8192 (pass 1 of 1): /dev/sdx: Input/output error',
    );
    expect(log.at(-1)).toBe('close');
  });
});
