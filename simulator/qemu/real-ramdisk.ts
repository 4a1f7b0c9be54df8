import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A kernel and initramfs made by `npm run build:ramdisk`, booted by the QEMU machines. */
export interface RealRamdisk {
  kernel: string;
  initramfs: string;
}

/**
 * The `PREFIX.kernel` + `PREFIX.initramfs` pair in a folder (`ipa.*` first when there are
 * several). Nothing is built here: a missing pair is an error that says how to build one.
 */
export function findRealRamdisk(dir: string): RealRamdisk {
  const folder = resolve(dir);
  const hint = `build one with: npm run build:ramdisk -- -o ${join(folder, 'ipa')}`;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new Error(`real ramdisk folder ${folder} does not exist; ${hint}`);
  }
  const names = new Set(readdirSync(folder));
  const prefixes = [...names]
    .filter((n) => n.endsWith('.kernel') && names.has(n.replace(/\.kernel$/, '.initramfs')))
    .map((n) => n.replace(/\.kernel$/, ''))
    .sort((a, b) => (a === 'ipa' ? -1 : b === 'ipa' ? 1 : a.localeCompare(b)));
  const prefix = prefixes[0];
  if (prefix === undefined) {
    throw new Error(`no PREFIX.kernel + PREFIX.initramfs pair in ${folder}; ${hint}`);
  }
  return {
    kernel: join(folder, `${prefix}.kernel`),
    initramfs: join(folder, `${prefix}.initramfs`),
  };
}
