import { existsSync } from 'node:fs';

/**
 * systemd-udevd with the storage rules only: it names disks the way IPA's images do
 * (/dev/disk/by-path, by-id, by-label, by-uuid) and records serial numbers and WWNs that lsblk
 * and `udevadm info` report, which root device hints and the virtual media check need. Module
 * loading (80-drivers.rules) and interface renaming stay out: /init loads drivers itself and
 * DHCP runs on the kernel's names.
 */
export const UDEV_RULES = [
  '50-udev-default.rules',
  '60-block.rules',
  '60-persistent-storage.rules',
  '60-cdrom_id.rules',
] as const;

/** Programs those rules import (ATA and SCSI identities, CD media). */
export const UDEV_HELPERS = ['ata_id', 'scsi_id', 'cdrom_id'] as const;

export const UDEV_RULES_DIR = '/usr/lib/udev/rules.d';
export const UDEV_HELPER_DIR = '/usr/lib/udev';
/** In Debian 12 the daemon is udevadm under another name. */
export const UDEVD_PATH = '/usr/lib/systemd/systemd-udevd';

export interface UdevFiles {
  rules: string[];
  helpers: string[];
  missing: string[];
}

/** The rule files and helpers present on the build machine (package `udev`). */
export function findUdevFiles(root = ''): UdevFiles {
  const files: UdevFiles = { rules: [], helpers: [], missing: [] };
  for (const rule of UDEV_RULES) {
    const p = `${UDEV_RULES_DIR}/${rule}`;
    if (existsSync(root + p)) files.rules.push(p);
    else files.missing.push(p);
  }
  for (const helper of UDEV_HELPERS) {
    const p = `${UDEV_HELPER_DIR}/${helper}`;
    if (existsSync(root + p)) files.helpers.push(p);
    else files.missing.push(p);
  }
  return files;
}
