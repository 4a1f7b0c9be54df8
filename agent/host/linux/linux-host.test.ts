import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../host';
import { LinuxHost } from './linux-host';

describe('LinuxHost', () => {
  const host = new LinuxHost();
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linux-host-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a program without a shell and returns output and exit code', async () => {
    const out = await host.run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(out).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    // No shell: metacharacters reach the program verbatim.
    const echo = await host.run('echo', ['$HOME', '&&', 'x']);
    expect(echo.stdout).toBe('$HOME && x\n');
  });

  it('feeds standard input and passes env with LC_ALL=C', async () => {
    const out = await host.run('cat', [], { input: 'hello' });
    expect(out.stdout).toBe('hello');
    const env = await host.run('sh', ['-c', 'echo "$LC_ALL $FOO"'], { env: { FOO: 'bar' } });
    expect(env.stdout).toBe('C bar\n');
  });

  it('rejects with ENOENT for a missing program', async () => {
    const err = await host.run('no-such-program-xyz', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).code).toBe('ENOENT');
  });

  it('kills a program on timeout with ETIMEDOUT', async () => {
    const err = await host.run('sleep', ['5'], { timeoutMs: 50 }).catch((e: unknown) => e);
    expect((err as HostError).code).toBe('ETIMEDOUT');
  });

  it('rejects with the abort reason when aborted', async () => {
    const ctl = new AbortController();
    const p = host.run('sleep', ['5'], { signal: ctl.signal });
    ctl.abort(new Error('pulled the plug'));
    await expect(p).rejects.toThrow('pulled the plug');
  });

  it('reads, writes, lists, links and checks files', async () => {
    const file = join(dir, 'a.txt');
    await host.writeFile(file, 'content');
    expect(await host.readFile(file)).toBe('content');
    expect(await host.listDir(dir)).toEqual(['a.txt']);
    await symlink('a.txt', join(dir, 'link'));
    expect(await host.readLink(join(dir, 'link'))).toBe('a.txt');
    expect(await host.exists(file)).toBe(true);
    expect(await host.exists(join(dir, 'nope'))).toBe(false);
    await expect(host.readFile(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(host.listDir(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(host.readLink(file)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('opens a regular file as a block device with positional I/O', async () => {
    const file = join(dir, 'disk.img');
    await writeFile(file, Buffer.alloc(4096));
    const dev = await host.openBlockDevice(file, 'rw');
    expect(dev.size).toBe(4096);
    await dev.write(1000, new Uint8Array([1, 2, 3]));
    await dev.flush();
    expect([...(await dev.read(999, 5))]).toEqual([0, 1, 2, 3, 0]);
    expect((await dev.read(4094, 100)).length).toBe(2);
    await dev.close();
    const ro = await host.openBlockDevice(file, 'r');
    await expect(ro.write(0, new Uint8Array([1]))).rejects.toBeInstanceOf(HostError);
    await ro.close();
    await expect(host.openBlockDevice(join(dir, 'nope'), 'r')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('keeps large aligned (direct) and small or unaligned (buffered) writes coherent', async () => {
    const file = join(dir, 'direct.img');
    const size = 20 * 1024 * 1024;
    await writeFile(file, Buffer.alloc(size, 7));
    const dev = await host.openBlockDevice(file, 'rw');
    const big = new Uint8Array(9 * 1024 * 1024).map((_, i) => i % 251);
    // Buffered bytes first, then a direct write over them: the later write must win.
    await dev.write(4096 + 10, new Uint8Array([9, 9, 9]));
    await dev.write(4096, big);
    await dev.write(4096 + 20, new Uint8Array([1, 2, 3]));
    await dev.write(12 * 1024 * 1024 + 1, big.subarray(0, 256 * 1024));
    await dev.flush();
    const back = await dev.read(4096, big.length);
    const expected = big.slice();
    expected.set([1, 2, 3], 20);
    expect(Buffer.from(back).equals(Buffer.from(expected))).toBe(true);
    const odd = await dev.read(12 * 1024 * 1024, 4);
    expect([...odd]).toEqual([7, 0, 1, 2]);
    expect([...(await dev.read(0, 2))]).toEqual([7, 7]);
    await dev.close();
    const onDisk = await readFile(file);
    expect(onDisk.subarray(4096 + 30, 4096 + 40).equals(Buffer.from(big.subarray(30, 40)))).toBe(
      true,
    );
  });
});
