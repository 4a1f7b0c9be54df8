import { type StdioOptions, spawn } from 'node:child_process';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { type Clock, systemClock } from '../../../lib';
import {
  type BlockDevice,
  type CommandOutput,
  type Host,
  HostError,
  type HostErrorCode,
  type RunOptions,
} from '../host';

export interface LinuxHostOptions {
  clock?: Clock;
  /**
   * Environment every command starts from; defaults to this process's environment. `LC_ALL=C`
   * is always added (unless a command's own env overrides it) because the parsers read the
   * English output of lscpu, ipmitool and friends.
   */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Largest stdout/stderr kept per command; the rest is dropped. */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** The Host port on a real Linux machine: processes without a shell, plain files, raw devices. */
export class LinuxHost implements Host {
  readonly clock: Clock;
  private readonly baseEnv: Readonly<Record<string, string | undefined>>;
  private readonly maxOutputBytes: number;

  constructor(options: LinuxHostOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.baseEnv = options.baseEnv ?? process.env;
    this.maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  }

  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandOutput> {
    const { signal, timeoutMs, input } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<CommandOutput>((resolve, reject) => {
      const env = { ...this.baseEnv, LC_ALL: 'C', ...options.env } as unknown as NodeJS.ProcessEnv;
      const stdio: StdioOptions = [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
      const child = spawn(command, [...args], { env, stdio, shell: false });
      const stdout = new OutputBuffer(this.maxOutputBytes);
      const stderr = new OutputBuffer(this.maxOutputBytes);
      let settled = false;
      let timedOut = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => {
        child.kill('SIGKILL');
        finish(() => reject(abortError(signal!)));
      };
      const timer =
        timeoutMs !== undefined
          ? this.clock.setTimeout(() => {
              timedOut = true;
              child.kill('SIGKILL');
            }, timeoutMs)
          : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (err: NodeJS.ErrnoException) => {
        finish(() => reject(toHostError(err, command)));
      });
      child.on('close', (code, sig) => {
        finish(() => {
          if (timedOut) {
            reject(
              new HostError('ETIMEDOUT', `${command} timed out after ${timeoutMs} ms`, command),
            );
            return;
          }
          resolve({
            exitCode: code ?? (sig ? 128 + signalNumber(sig) : 1),
            stdout: stdout.text(),
            stderr: stderr.text(),
          });
        });
      });
      if (input !== undefined && child.stdin) {
        // A program that exits without reading its input closes the pipe: not our error.
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
      }
    });
  }

  async readFile(path: string): Promise<string> {
    try {
      return await fsp.readFile(path, 'utf8');
    } catch (err) {
      throw toHostError(err, path);
    }
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    try {
      await fsp.writeFile(path, data);
    } catch (err) {
      throw toHostError(err, path);
    }
  }

  async listDir(path: string): Promise<string[]> {
    try {
      return await fsp.readdir(path);
    } catch (err) {
      throw toHostError(err, path);
    }
  }

  async readLink(path: string): Promise<string> {
    try {
      return await fsp.readlink(path);
    } catch (err) {
      throw toHostError(err, path);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path, fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async openBlockDevice(path: string, mode: 'r' | 'rw'): Promise<BlockDevice> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, mode === 'r' ? 'r' : 'r+');
    } catch (err) {
      throw toHostError(err, path);
    }
    try {
      const size = await deviceSize(handle);
      const direct = mode === 'rw' ? await openDirect(path) : null;
      return new LinuxBlockDevice(path, size, handle, direct);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw toHostError(err, path);
    }
  }
}

/** A regular file reports its size in stat; a block device only through sysfs. */
async function deviceSize(handle: fsp.FileHandle): Promise<number> {
  const st = await handle.stat();
  if (!st.isBlockDevice()) return st.size;
  const major = (st.rdev >> 8) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  const sectors = await fsp.readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8');
  return Number(sectors.trim()) * 512;
}

/** Writes at least this large, 4 KiB aligned, bypass the page cache. */
const DIRECT_MIN_BYTES = 64 * 1024;
const DIRECT_ALIGN = 4096;
const STAGING_BYTES = 8 * 1024 * 1024;

/** A second descriptor with O_DIRECT, or null where the filesystem refuses it (tmpfs). */
async function openDirect(path: string): Promise<fsp.FileHandle | null> {
  try {
    return await fsp.open(path, fsConstants.O_RDWR | fsConstants.O_DIRECT);
  } catch {
    return null;
  }
}

/**
 * A page-aligned buffer, as O_DIRECT requires: WebAssembly memory is mapped on page
 * boundaries, unlike Node's Buffers.
 */
function alignedBuffer(bytes: number): Uint8Array {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  return new Uint8Array(memory.buffer, 0, bytes);
}

/**
 * Positional I/O on a device or file. Large aligned writes go through an O_DIRECT descriptor
 * (copied into an aligned staging buffer), as `dd oflag=direct` and GNU shred do: streaming
 * gigabytes through the page cache stalls on writeback, and on a loop device caches twice.
 * Everything else, and every read, uses the ordinary descriptor; the kernel keeps the two
 * coherent.
 */
class LinuxBlockDevice implements BlockDevice {
  private staging: Uint8Array | null = null;

  constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: fsp.FileHandle,
    private direct: fsp.FileHandle | null = null,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    const buffer = Buffer.alloc(wanted);
    let done = 0;
    try {
      while (done < wanted) {
        const { bytesRead } = await this.handle.read(buffer, done, wanted - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (err) {
      throw toHostError(err, this.path);
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, done);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (
      this.direct &&
      data.length >= DIRECT_MIN_BYTES &&
      offset % DIRECT_ALIGN === 0 &&
      data.length % DIRECT_ALIGN === 0 &&
      (await this.writeDirect(offset, data))
    ) {
      return;
    }
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.handle.write(
          data,
          done,
          data.length - done,
          offset + done,
        );
        if (bytesWritten === 0) throw new HostError('EIO', `short write on ${this.path}`);
        done += bytesWritten;
      }
    } catch (err) {
      throw toHostError(err, this.path);
    }
  }

  /** False when direct I/O turns out to be refused here; the caller then writes buffered. */
  private async writeDirect(offset: number, data: Uint8Array): Promise<boolean> {
    const direct = this.direct!;
    this.staging ??= alignedBuffer(STAGING_BYTES);
    const staging = this.staging;
    let done = 0;
    try {
      while (done < data.length) {
        const n = Math.min(staging.length, data.length - done);
        staging.set(data.subarray(done, done + n));
        let put = 0;
        while (put < n) {
          const { bytesWritten } = await direct.write(staging, put, n - put, offset + done + put);
          if (bytesWritten === 0) throw new HostError('EIO', `short write on ${this.path}`);
          put += bytesWritten;
        }
        done += n;
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EINVAL' && done === 0) {
        this.direct = null;
        await direct.close().catch(() => undefined);
        return false;
      }
      throw toHostError(err, this.path);
    }
  }

  async flush(): Promise<void> {
    try {
      await this.handle.datasync();
    } catch (err) {
      throw toHostError(err, this.path);
    }
  }

  async close(): Promise<void> {
    await this.direct?.close().catch(() => undefined);
    this.direct = null;
    await this.handle.close();
  }
}

class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    if (this.length >= this.limit) return;
    const room = this.limit - this.length;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.length += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set<HostErrorCode>([
  'ENOENT',
  'ENOTDIR',
  'EINVAL',
  'EIO',
  'EACCES',
  'ETIMEDOUT',
]);

function toHostError(err: unknown, path: string): HostError {
  if (err instanceof HostError) return err;
  const e = err as NodeJS.ErrnoException;
  const raw = typeof e?.code === 'string' ? e.code : '';
  const code: HostErrorCode = KNOWN_CODES.has(raw)
    ? (raw as HostErrorCode)
    : raw === 'EPERM'
      ? 'EACCES'
      : 'EOTHER';
  const message = e instanceof Error ? e.message : String(err);
  return new HostError(code, message, path);
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}

const SIGNALS: Readonly<Record<string, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
function signalNumber(sig: NodeJS.Signals): number {
  return SIGNALS[sig] ?? 1;
}
