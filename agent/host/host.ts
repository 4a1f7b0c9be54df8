import type { Dispatcher } from 'undici';
import type { Clock } from '../../lib';

/**
 * The one narrow port through which the agent reaches its machine (DESIGN.md). The Linux host
 * implements it for real; the simulator implements it as a fake OS whose command outputs, /proc,
 * /sys and block devices come from the simulated hardware. Code above this port never touches
 * processes or files directly, so the same parsing and step code runs on metal and in the
 * simulator.
 */
export interface Host {
  readonly clock: Clock;

  /**
   * Runs a program with arguments (no shell). Resolves with its output whatever the exit code;
   * rejects with HostError code `ENOENT` when the program does not exist, `ETIMEDOUT` on timeout,
   * and with the signal's reason when aborted.
   */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandOutput>;

  /** Reads a whole text file; rejects with HostError code `ENOENT` when it does not exist. */
  readFile(path: string): Promise<string>;
  /** Writes a text file (e.g. /proc/sysrq-trigger, /sys knobs, config files). */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Names in a directory (no `.`/`..`); rejects with HostError `ENOENT`/`ENOTDIR`. */
  listDir(path: string): Promise<string[]>;
  /** Target of a symbolic link; rejects with HostError `ENOENT`/`EINVAL`. */
  readLink(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;

  /** Opens a block device (or a file standing in for one) for raw I/O. */
  openBlockDevice(path: string, mode: 'r' | 'rw'): Promise<BlockDevice>;

  /**
   * The machine's network as outgoing HTTP sees it, composed into every dispatcher the agent
   * builds (Ironic, inspection, image downloads). Absent on a real host; the simulator uses it
   * for faults such as a corrupted image download.
   */
  readonly httpInterceptor?: Dispatcher.DispatcherComposeInterceptor;
}

export interface RunOptions {
  /** Written to the program's standard input. */
  input?: string | Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Readonly<Record<string, string>>;
}

export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface BlockDevice {
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `offset` (fewer only at the end of the device). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Writes all of `data` at `offset`; rejects with HostError `EIO` on a device error. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Flushes written data to stable storage. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type HostErrorCode =
  'ENOENT' | 'ENOTDIR' | 'EINVAL' | 'EIO' | 'EACCES' | 'ETIMEDOUT' | 'EOTHER';

export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly path: string | undefined;
  constructor(code: HostErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'HostError';
    this.code = code;
    this.path = path;
  }
}

/** Runs a command and rejects, naming the command and its stderr, when it exits non-zero. */
export async function runChecked(
  host: Host,
  command: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<string> {
  const out = await host.run(command, args, options);
  if (out.exitCode !== 0) {
    const detail = out.stderr.trim() || out.stdout.trim() || `exit code ${out.exitCode}`;
    throw new HostError('EOTHER', `${command} ${args.join(' ')} failed: ${detail}`);
  }
  return out.stdout;
}
