import { posix } from 'node:path';
import type { Dispatcher } from 'undici';
import type { BlockDevice, CommandOutput, Host, RunOptions } from '../../agent/host';
import { HostError } from '../../agent/host';
import type { Clock, TimerHandle } from '../../lib';
import type { Machine } from '../machine';
import { SimulatedBlockDevice } from './block-device';
import { dmidecode } from './dmi';
import { type BootContext, buildFilesystem } from './filesystem';
import { fuser, hdparm, nvme, partprobe, sgdisk, smartctl, wipefs } from './commands/disk-tools';
import { ip } from './commands/ip';
import { ipmitool } from './commands/ipmitool';
import { lsblk } from './commands/lsblk';
import { lscpu } from './commands/lscpu';
import {
  blockdev,
  falseCommand,
  hostname,
  modprobe,
  poweroff,
  reboot,
  sync,
  systemctl,
  trueCommand,
  udevadm,
} from './commands/system';
import type { CommandHandler } from './commands/types';
import { KernelDisks } from './kernel-disks';
import { MountTable } from './mounts';
import { efibootmgr } from './commands/efibootmgr';
import { mkdir, mount, umount } from './commands/mount';
import type { Vfs } from './vfs';
import { machineNetwork } from './network';

export interface FakeOsOptions extends Partial<BootContext> {
  machine: Machine;
  clock: Clock;
  /** Extra or replacement programs, by name (for tests and hardware-manager development). */
  programs?: Record<string, CommandHandler>;
}

const PROGRAMS: Record<string, CommandHandler> = {
  lsblk,
  lscpu,
  ip,
  ipmitool,
  dmidecode: ({ machine }, args) => dmidecode(machine, args),
  udevadm,
  hostname,
  poweroff,
  reboot,
  systemctl,
  sync,
  true: trueCommand,
  false: falseCommand,
  modprobe,
  blockdev,
  hdparm,
  smartctl,
  nvme,
  wipefs,
  sgdisk,
  fuser,
  partprobe,
  mount,
  umount,
  mkdir,
  efibootmgr,
};

/**
 * The ramdisk's OS as the agent sees it through its Host port: programs answer like the real
 * tools would on this machine, /proc and /sys read back the model, block devices are the
 * machine's sparse disks. Programs a minimal ramdisk would not carry reject with ENOENT.
 */
export class FakeOs implements Host {
  readonly clock: Clock;
  readonly vfs: Vfs;
  readonly disks: KernelDisks;
  readonly mounts: MountTable;
  readonly httpInterceptor: Dispatcher.DispatcherComposeInterceptor;
  private readonly machine: Machine;
  private readonly programs: Record<string, CommandHandler>;

  constructor(options: FakeOsOptions) {
    this.machine = options.machine;
    this.clock = options.clock;
    this.programs = { ...PROGRAMS, ...options.programs };
    this.httpInterceptor = machineNetwork(options.machine, ironicApiUrls(options.cmdline ?? ''));
    this.vfs = buildFilesystem(options.machine, {
      cmdline: options.cmdline ?? 'BOOT_IMAGE=/vmlinuz console=ttyS0,115200n8',
      hostname: options.hostname ?? options.machine.spec.name,
      agentConfig: options.agentConfig ?? '[DEFAULT]\n',
    });
    this.disks = new KernelDisks(options.machine, this.vfs);
    this.mounts = new MountTable(this.vfs);
    this.vfs.file(
      '/proc/mounts',
      () => `proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n${this.mounts.table()}`,
    );
  }

  async run(
    command: string,
    args: readonly string[],
    options?: RunOptions,
  ): Promise<CommandOutput> {
    if (options?.signal?.aborted) throw abortError(options.signal);
    const handler = Object.hasOwn(this.programs, posix.basename(command))
      ? this.programs[posix.basename(command)]
      : undefined;
    if (!handler || (command.includes('/') && !command.startsWith('/'))) {
      throw new HostError('ENOENT', `${command}: command not found`, command);
    }
    await Promise.resolve();
    const result = Promise.resolve(
      handler(
        {
          machine: this.machine,
          vfs: this.vfs,
          clock: this.clock,
          disks: this.disks,
          mounts: this.mounts,
          options,
        },
        args,
      ),
    );
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs === undefined || timeoutMs <= 0) return result;
    // A program that outlives its timeout is killed, as the Linux host does it.
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () =>
          reject(new HostError('ETIMEDOUT', `${command} timed out after ${timeoutMs} ms`, command)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([result, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  async readFile(path: string): Promise<string> {
    await Promise.resolve();
    return this.vfs.readFile(path);
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    await Promise.resolve();
    this.vfs.writeFile(path, typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  }

  async listDir(path: string): Promise<string[]> {
    await Promise.resolve();
    return this.vfs.listDir(path);
  }

  async readLink(path: string): Promise<string> {
    await Promise.resolve();
    return this.vfs.readLink(path);
  }

  async exists(path: string): Promise<boolean> {
    await Promise.resolve();
    return this.vfs.exists(path);
  }

  async openBlockDevice(path: string, mode: 'r' | 'rw'): Promise<BlockDevice> {
    await Promise.resolve();
    const real = this.vfs.realPath(path);
    if (real === undefined)
      throw new HostError('ENOENT', `${path}: No such file or directory`, path);
    const node = real.startsWith('/dev/') ? this.disks.node(real.slice(5)) : undefined;
    if (!node) throw new HostError('EINVAL', `${path}: not a block device`, path);
    const wholeDisk = node.partition === null;
    // udev re-reads the partition table when a writer closes the whole disk.
    return new SimulatedBlockDevice(path, this.machine, node, this.clock, mode === 'rw', () => {
      if (wholeDisk) this.disks.rescan(node.disk.spec.name);
    });
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}

/** `ipa-api-url` of the kernel command line (IPA accepts a comma-separated list). */
function ironicApiUrls(cmdline: string): string[] {
  const param = cmdline.split(/\s+/).find((p) => p.startsWith('ipa-api-url='));
  return param ? param.slice('ipa-api-url='.length).split(',').filter(Boolean) : [];
}
