import { HostError } from '../../host';
import type { ManagerEnv } from '../manager';
import type { BlockDevice } from './block-devices';

/** Zeroed at each end: covers MBR/GPT and its backup, and every common signature near an end. */
export const METADATA_ZERO_BYTES = 1024 * 1024;
const FUSER_ATTEMPTS = 20;
const FUSER_INTERVAL_MS = 1000;

/** A metadata erase that failed on one device; the message says which and why. */
export class MetadataEraseError extends Error {
  constructor(
    readonly device: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'MetadataEraseError';
  }
}

/**
 * IPA's `destroy_disk_metadata` (research/ipa.md §5.2): `wipefs --force --all`, zeros over the
 * primary and backup partition tables, `sgdisk -Z`, then waits until no process holds the
 * device. IPA zeroes 33 sectors at each end; we zero the first and last MiB, which also clears
 * RAID 0.90/1.0 superblocks, ZFS labels and the btrfs primary superblock. The zeros go through
 * the Host port, so simulated disks are erased too. sgdisk is optional (the zeros already
 * removed both GPT copies); wipefs is required.
 */
export async function destroyDiskMetadata(env: ManagerEnv, dev: BlockDevice): Promise<void> {
  await wipefs(env, dev);
  await zeroEnds(env, dev);
  await sgdiskZap(env, dev);
  await waitUntilUnused(env, dev);
}

async function wipefs(env: ManagerEnv, dev: BlockDevice): Promise<void> {
  const run = async (args: string[]) => {
    try {
      return await env.host.run('wipefs', args, { signal: env.signal, timeoutMs: 300_000 });
    } catch (err) {
      if (err instanceof HostError && err.code === 'ENOENT') {
        throw new MetadataEraseError(dev.name, 'wipefs is not installed (package util-linux)');
      }
      throw err;
    }
  };
  let out = await run(['--force', '--all', dev.name]);
  if (out.exitCode !== 0 && /force/.test(out.stderr)) {
    // Old util-linux without --force.
    out = await run(['--all', dev.name]);
  }
  if (out.exitCode !== 0) {
    throw new MetadataEraseError(
      dev.name,
      `wipefs --all failed (exit code ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`,
    );
  }
}

async function zeroEnds(env: ManagerEnv, dev: BlockDevice): Promise<void> {
  let device;
  try {
    device = await env.host.openBlockDevice(dev.name, 'rw');
  } catch (err) {
    throw new MetadataEraseError(dev.name, `cannot open for writing: ${errorText(err)}`);
  }
  try {
    const size = device.size;
    const head = Math.min(METADATA_ZERO_BYTES, size);
    const zeros = new Uint8Array(head);
    await device.write(0, zeros);
    if (size > head) {
      const tail = Math.min(METADATA_ZERO_BYTES, size - head);
      await device.write(size - tail, zeros.subarray(0, tail));
    }
    await device.flush();
  } catch (err) {
    throw new MetadataEraseError(
      dev.name,
      `zeroing the partition tables failed: ${errorText(err)}`,
    );
  } finally {
    await device.close().catch(() => undefined);
  }
}

async function sgdiskZap(env: ManagerEnv, dev: BlockDevice): Promise<void> {
  let out;
  try {
    out = await env.host.run('sgdisk', ['-Z', dev.name], {
      signal: env.signal,
      timeoutMs: 300_000,
    });
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      env.logger.debug(
        { device: dev.name },
        'sgdisk not installed; GPT copies were zeroed directly',
      );
      return;
    }
    throw err;
  }
  if (out.exitCode !== 0) {
    throw new MetadataEraseError(
      dev.name,
      `sgdisk -Z failed (exit code ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`,
    );
  }
}

/**
 * IPA waits (20 × 1 s) until `fuser` lists no process using the device. Only PIDs on stdout
 * count: in containers fuser prints "Cannot stat /proc/1/fd/…" on stderr for every run.
 */
async function waitUntilUnused(env: ManagerEnv, dev: BlockDevice): Promise<void> {
  let pids: string[] = [];
  for (let attempt = 1; attempt <= FUSER_ATTEMPTS; attempt++) {
    let out;
    try {
      out = await env.host.run('fuser', [dev.name], { signal: env.signal, timeoutMs: 60_000 });
    } catch (err) {
      if (err instanceof HostError && err.code === 'ENOENT') {
        env.logger.debug('fuser not installed; not waiting for the device to be released');
        return;
      }
      throw err;
    }
    pids = out.stdout.match(/\d+/g) ?? [];
    if (pids.length === 0) return;
    if (attempt < FUSER_ATTEMPTS) await env.host.clock.sleep(FUSER_INTERVAL_MS, env.signal);
  }
  throw new MetadataEraseError(
    dev.name,
    `still in use by process(es) ${pids.join(', ')} after ${FUSER_ATTEMPTS} checks`,
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
