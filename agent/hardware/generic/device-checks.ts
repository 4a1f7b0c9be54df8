import { HostError } from '../../host';
import { parseLsblkColumns } from './lsblk-columns';
import { ProtectedDeviceError } from '../errors';
import type { ManagerEnv, NodeInfo } from '../manager';
import { type BlockDevice, normalize } from './block-devices';
import { isObject } from './node-info';

const VMEDIA_LABEL = '/dev/disk/by-label/ir-vfd-dev';

/** The virtual-media floppy Ironic attaches with the agent's configuration (never erased). */
export async function isVirtualMediaDevice(env: ManagerEnv, dev: BlockDevice): Promise<boolean> {
  if (!(await env.host.exists(VMEDIA_LABEL))) return false;
  try {
    const target = await env.host.readLink(VMEDIA_LABEL);
    const real = target.startsWith('/') ? target : normalize(`/dev/disk/by-label/${target}`);
    return real === dev.name;
  } catch {
    return false;
  }
}

/**
 * Linux RAID members are left to the RAID steps. IPA asks `lsblk --fs`; we ask for the FSTYPE
 * column alone (same answer, and every lsblk has it). Not knowing counts as a member, as in IPA,
 * so an unreadable device is never erased by mistake.
 */
export async function isLinuxRaidMember(env: ManagerEnv, dev: BlockDevice): Promise<boolean> {
  if (dev.type === 'file') return false;
  try {
    const out = await env.host.run('lsblk', ['--noheadings', '--output', 'FSTYPE', dev.name], {
      timeoutMs: 60_000,
      signal: env.signal,
    });
    if (out.exitCode === 0) return out.stdout.includes('linux_raid_member');
    env.logger.warn(
      { device: dev.name, stderr: out.stderr.trim() },
      'could not tell whether the device is a RAID member; treating it as one',
    );
  } catch (err) {
    if (env.signal.aborted) throw err;
    env.logger.warn(
      { device: dev.name, err: String(err) },
      'lsblk unavailable; treating as RAID member',
    );
  }
  return true;
}

/** `/sys/class/block/<dev>/ro` is 1 for write-protected devices (and their partitions). */
export async function isReadOnlyDevice(env: ManagerEnv, dev: BlockDevice): Promise<boolean> {
  if (dev.type === 'file') return false;
  const kname = dev.name.slice(dev.name.lastIndexOf('/') + 1);
  try {
    return (await env.host.readFile(`/sys/class/block/${kname}/ro`)).trim() === '1';
  } catch (err) {
    if (!(err instanceof HostError)) throw err;
    env.logger.warn({ device: dev.name }, 'could not tell whether the device is read-only');
    return false;
  }
}

const GPFS_GUID = '37affc90-ef7d-4e96-91c3-2d7ae055b174';
const VMFS_GUID = 'aa31e02a-400f-11db-9590-000c2911d1b8';

/**
 * IPA's `safety_check_block_device`: refuses devices holding shared filesystems (GPFS, VMFS,
 * GFS2) unless the operator says otherwise. Unlike IPA (whose GFS2 check never fires) the
 * filesystem type is asked for too.
 */
export async function safetyCheckBlockDevice(
  env: ManagerEnv,
  node: NodeInfo | null,
  dev: BlockDevice,
): Promise<void> {
  if (!env.config.guard_special_filesystems) return;
  const info = isObject(node?.driver_internal_info) ? node.driver_internal_info : {};
  if (info.wipe_special_filesystems === false) return;
  if (dev.type === 'file') return;
  const out = await env.host.run(
    'lsblk',
    ['-bia', '--json', '-oUUID,PTUUID,PARTTYPE,PARTUUID,FSTYPE', dev.name],
    { timeoutMs: 60_000, signal: env.signal },
  );
  if (out.exitCode !== 0) {
    throw new Error(
      `cannot check ${dev.name} for shared filesystems: lsblk failed: ${out.stderr.trim() || `exit code ${out.exitCode}`}`,
    );
  }
  for (const row of parseLsblkColumns(out.stdout)) {
    const parttype = (row.parttype ?? '').toLowerCase();
    if (parttype === GPFS_GUID) throw new ProtectedDeviceError(dev.name, 'an IBM GPFS filesystem');
    if (parttype === VMFS_GUID || parttype === '0xfb') {
      throw new ProtectedDeviceError(dev.name, 'a VMware VMFS filesystem');
    }
    if ((row.fstype ?? '').toLowerCase() === 'gfs2') {
      throw new ProtectedDeviceError(dev.name, 'a Red Hat GFS2 filesystem');
    }
  }
}
