import type { CommandOutput, RunOptions } from '../../../agent/host';
import type { Clock } from '../../../lib';
import type { Machine } from '../../machine';
import type { KernelDisks } from '../kernel-disks';
import type { MountTable } from '../mounts';
import type { Vfs } from '../vfs';

export interface CommandContext {
  machine: Machine;
  vfs: Vfs;
  clock: Clock;
  /** The kernel's view of block devices and their partitions. */
  disks: KernelDisks;
  mounts: MountTable;
  options: RunOptions | undefined;
}

export type CommandHandler = (
  context: CommandContext,
  args: readonly string[],
) => CommandOutput | Promise<CommandOutput>;

export function ok(stdout = ''): CommandOutput {
  return { exitCode: 0, stdout, stderr: '' };
}

export function fail(exitCode: number, stderr: string, stdout = ''): CommandOutput {
  return {
    exitCode,
    stdout,
    stderr: stderr.endsWith('\n') || stderr === '' ? stderr : `${stderr}\n`,
  };
}
