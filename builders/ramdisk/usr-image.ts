import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram } from '../support/find-program';
import { runChecked } from '../support/run-command';
import type { CpioEntry } from './cpio-writer';

/** Where the ramdisk keeps its compressed /usr; /init mounts it over /usr with a loop device. */
export const USR_IMAGE_PATH = '/ipa-usr.squashfs';

/** Modules /init needs before /usr is mounted (everything else is inside the image). */
export const USR_IMAGE_MODULES = ['loop', 'squashfs'];

/**
 * Writes the /usr entries into a zstd-compressed squashfs image (`level` 1–22; the kernel reads
 * every level equally fast). The kernel then keeps only this compressed
 * image in RAM and pages files in on demand, instead of unpacking ~150 MB (a Node binary of
 * 86 MB alone) into a tmpfs that may use at most half the RAM. Reproducible: fixed times and
 * owners, mksquashfs' reproducible mode, no xattrs.
 */
export async function writeUsrImage(
  entries: readonly CpioEntry[],
  staging: string,
  image: string,
  mtime: number,
  level = 19,
): Promise<void> {
  if (!findProgram('mksquashfs')) {
    throw new Error(
      'mksquashfs is not installed: apt-get install squashfs-tools (or build with --flat to unpack everything into RAM)',
    );
  }
  const root = join(staging, 'usr');
  mkdirSync(root, { recursive: true });
  for (const entry of entries) {
    if (!entry.path.startsWith('/usr/')) continue;
    const target = join(root, entry.path.slice('/usr/'.length));
    switch (entry.kind) {
      case 'dir':
        mkdirSync(target, { recursive: true, mode: entry.mode });
        chmodSync(target, entry.mode);
        break;
      case 'file':
        if ('data' in entry) writeFileSync(target, entry.data);
        else copyFileSync(entry.source, target);
        chmodSync(target, entry.mode);
        break;
      case 'symlink':
        symlinkSync(entry.target, target);
        break;
      case 'char':
      case 'block':
        throw new Error(`device node ${entry.path} cannot go into the /usr image`);
    }
  }
  await runChecked('mksquashfs', [
    root,
    image,
    '-noappend',
    '-comp',
    'zstd',
    '-Xcompression-level',
    String(level),
    // 1 MiB blocks compress ~9 % better than 128 KiB; the kernel decompresses a block straight
    // into the page cache, so a block is decompressed once however its pages are read.
    '-b',
    '1048576',
    '-all-root',
    '-no-xattrs',
    '-reproducible',
    '-mkfs-time',
    String(mtime),
    '-all-time',
    String(mtime),
    '-quiet',
    '-no-progress',
  ]);
}
