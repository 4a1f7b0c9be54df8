import { type Clock, FakeClock } from '../../lib';
import {
  type BlockDevice,
  type CommandOutput,
  type Host,
  HostError,
  type RunOptions,
} from '../host';

export type CommandHandler = (
  args: readonly string[],
  options: RunOptions,
) => CommandOutput | string | Promise<CommandOutput | string>;

/**
 * A tiny in-memory Host for the agent's own tests: files and symlinks in maps, commands as
 * handlers (a missing handler is a missing program). The simulator builds the real fake OS.
 */
export class FakeHost implements Host {
  readonly clock: Clock;
  readonly files = new Map<string, string>();
  readonly links = new Map<string, string>();
  readonly dirs = new Set<string>();
  readonly commands = new Map<string, CommandHandler>();
  readonly calls: { command: string; args: readonly string[] }[] = [];
  readonly devices = new Map<string, Uint8Array>();

  constructor(clock: Clock = new FakeClock()) {
    this.clock = clock;
  }

  file(path: string, content: string): this {
    this.files.set(path, content);
    this.addParents(path);
    return this;
  }

  link(path: string, target: string): this {
    this.links.set(path, target);
    this.addParents(path);
    return this;
  }

  dir(path: string): this {
    this.dirs.add(path);
    this.addParents(path);
    return this;
  }

  command(name: string, handler: CommandHandler): this {
    this.commands.set(name, handler);
    return this;
  }

  async run(
    command: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandOutput> {
    this.calls.push({ command, args });
    const handler = this.commands.get(command);
    if (!handler) throw new HostError('ENOENT', `${command}: not found`, command);
    const out = await handler(args, options);
    return typeof out === 'string' ? { exitCode: 0, stdout: out, stderr: '' } : out;
  }

  readFile(path: string): Promise<string> {
    const content = this.files.get(path);
    if (content === undefined) {
      return Promise.reject(new HostError('ENOENT', `${path}: no such file`, path));
    }
    return Promise.resolve(content);
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    this.file(path, typeof data === 'string' ? data : new TextDecoder().decode(data));
    return Promise.resolve();
  }

  listDir(path: string): Promise<string[]> {
    if (this.files.has(path)) {
      return Promise.reject(new HostError('ENOTDIR', `${path}: not a directory`, path));
    }
    if (!this.dirs.has(path)) {
      return Promise.reject(new HostError('ENOENT', `${path}: no such directory`, path));
    }
    const prefix = `${path}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.links.keys(), ...this.dirs]) {
      if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return Promise.resolve([...names].sort());
  }

  readLink(path: string): Promise<string> {
    const target = this.links.get(path);
    if (target !== undefined) return Promise.resolve(target);
    const exists = this.files.has(path) || this.dirs.has(path);
    return Promise.reject(new HostError(exists ? 'EINVAL' : 'ENOENT', `${path}: not a link`, path));
  }

  exists(path: string): Promise<boolean> {
    return Promise.resolve(
      this.files.has(path) || this.dirs.has(path) || this.links.has(path) || this.devices.has(path),
    );
  }

  openBlockDevice(path: string, _mode: 'r' | 'rw'): Promise<BlockDevice> {
    const data = this.devices.get(path);
    if (!data) return Promise.reject(new HostError('ENOENT', `${path}: no device`, path));
    return Promise.resolve({
      path,
      size: data.length,
      read: (offset, length) => Promise.resolve(data.slice(offset, offset + length)),
      write: (offset, bytes) => {
        data.set(bytes, offset);
        return Promise.resolve();
      },
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    });
  }

  private addParents(path: string): void {
    const parts = path.split('/');
    for (let i = 2; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
  }
}
