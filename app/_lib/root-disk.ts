import type { Disk } from '../../protocol';

const MIN_ROOT_BYTES = 4 * 2 ** 30;

/**
 * The disk the agent installs to when the node has no root device hints: IPA's guess_root_disk
 * sorts by (size, name) and takes the first of at least 4 GiB, i.e. the smallest big-enough disk.
 */
export function defaultRootDisk(disks: readonly Pick<Disk, 'name' | 'size'>[]): string | null {
  const candidates = disks
    .filter((d) => d.size >= MIN_ROOT_BYTES)
    .sort((a, b) => a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return candidates[0]?.name ?? null;
}
