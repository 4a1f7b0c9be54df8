import type { Disk } from '../../protocol';

/** Smallest disk that can hold an OS, IPA's choice when there are no root device hints. */
export const MIN_ROOT_DISK_BYTES = 4 * 1024 ** 3;

export function guessRootDisk(disks: readonly Disk[]): Disk | null {
  let best: Disk | null = null;
  for (const d of disks) {
    if (d.size < MIN_ROOT_DISK_BYTES) continue;
    if (!best || d.size < best.size) best = d;
  }
  return best;
}
