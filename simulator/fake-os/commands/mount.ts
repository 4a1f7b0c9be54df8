import { posix } from 'node:path';
import { type CommandHandler, fail, ok } from './types';

/** util-linux `mount DEVICE DIR`, `umount DIR|DEVICE` and coreutils `mkdir [-p]`. */
export const mount: CommandHandler = ({ vfs, disks, mounts }, args) => {
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-o' || arg === '-t') i++;
    else if (arg === '--version' || arg === '-V')
      return ok(
        'mount from util-linux 2.38.1 (libmount 2.38.1: selinux, smack, btrfs, verity, namespaces, assert, debug)\n',
      );
    else if (!arg.startsWith('-')) positional.push(arg);
  }
  if (positional.length === 0) return ok(mounts.table());
  const [device, dir] = positional;
  if (!device || !dir) return fail(1, "mount: bad usage\nTry 'mount --help' for more information.");
  const node = device.startsWith('/dev/') ? disks.node(device.slice(5)) : undefined;
  if (!node) return fail(32, `mount: ${dir}: special device ${device} does not exist.`);
  const target = posix.normalize(dir);
  if (!vfs.exists(target)) return fail(32, `mount: ${dir}: mount point does not exist.`);
  if (mounts.isMounted(target))
    return fail(32, `mount: ${dir}: ${device} already mounted on ${dir}.`);
  const fs = node.partition ? node.partition.fs : disks.layout(node.disk.spec.name).fs;
  if (!fs || fs.type === 'swap' || fs.type === 'linux_raid_member') {
    return fail(
      32,
      `mount: ${dir}: wrong fs type, bad option, bad superblock on ${device}, missing codepage or helper program, or other error.\n       dmesg(1) may have more information after failed mount system call.`,
    );
  }
  try {
    mounts.mount(device, target, node, fs.type);
  } catch (error) {
    return fail(
      32,
      `mount: ${dir}: cannot mount ${device}: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  return ok();
};

export const umount: CommandHandler = ({ mounts }, args) => {
  const target = args.find((a) => !a.startsWith('-'));
  if (!target) return fail(1, 'umount: bad usage');
  if (!mounts.unmount(posix.normalize(target))) return fail(32, `umount: ${target}: not mounted.`);
  return ok();
};

export const mkdir: CommandHandler = ({ vfs }, args) => {
  const parents = args.includes('-p') || args.includes('--parents');
  for (const dir of args.filter((a) => !a.startsWith('-'))) {
    if (vfs.exists(dir)) {
      if (parents) continue;
      return fail(1, `mkdir: cannot create directory '${dir}': File exists`);
    }
    if (!parents && !vfs.exists(posix.dirname(dir))) {
      return fail(1, `mkdir: cannot create directory '${dir}': No such file or directory`);
    }
    vfs.dir(dir);
  }
  return ok();
};
