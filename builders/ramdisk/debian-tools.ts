import { findProgram } from '../support/find-program';

export { findProgram };

/**
 * A program the agent runs in the ramdisk, and the Debian package that ships it. `required`
 * tools are those the generic hardware manager, inventory and disk erasure cannot do without
 * (research/ipa.md §11 lists what IPA's images carry); optional ones are copied when installed.
 */
export interface ToolSpec {
  name: string;
  package: string;
  required: boolean;
  /** Extra files a tool reads at run time, copied when present. */
  dataFiles?: readonly string[];
}

export const DEFAULT_TOOLS: readonly ToolSpec[] = [
  // Inventory and block devices.
  { name: 'lsblk', package: 'util-linux', required: true },
  { name: 'blkid', package: 'util-linux', required: true },
  { name: 'wipefs', package: 'util-linux', required: true },
  { name: 'lscpu', package: 'util-linux', required: true },
  { name: 'blockdev', package: 'util-linux', required: true },
  { name: 'partx', package: 'util-linux', required: false },
  { name: 'findmnt', package: 'util-linux', required: false },
  { name: 'hwclock', package: 'util-linux', required: false },
  { name: 'mount', package: 'mount', required: false },
  { name: 'umount', package: 'mount', required: false },
  { name: 'ip', package: 'iproute2', required: true },
  { name: 'dmidecode', package: 'dmidecode', required: true },
  { name: 'ipmitool', package: 'ipmitool', required: true },
  { name: 'udevadm', package: 'udev', required: false },
  // Erasure: ATA and NVMe secure erase, SMART, shred, partition tables.
  { name: 'hdparm', package: 'hdparm', required: true },
  { name: 'nvme', package: 'nvme-cli', required: true },
  {
    name: 'smartctl',
    package: 'smartmontools',
    required: true,
    dataFiles: ['/usr/share/smartmontools/drivedb.h'],
  },
  { name: 'shred', package: 'coreutils', required: true },
  { name: 'dd', package: 'coreutils', required: false },
  { name: 'sgdisk', package: 'gdisk', required: true },
  { name: 'sfdisk', package: 'fdisk', required: true },
  { name: 'mdadm', package: 'mdadm', required: true },
  // Images, bootloaders and file systems.
  { name: 'qemu-img', package: 'qemu-utils', required: true },
  // IPA partitions with parted (partition images, configdrive, log bundles' `parted -l`) and
  // installs UEFI boot entries with efibootmgr; research/ipa.md §2.
  { name: 'parted', package: 'parted', required: true },
  { name: 'partprobe', package: 'parted', required: true },
  { name: 'efibootmgr', package: 'efibootmgr', required: true },
  { name: 'mkfs.vfat', package: 'dosfstools', required: false },
  { name: 'mkfs.ext4', package: 'e2fsprogs', required: false },
  { name: 'mke2fs', package: 'e2fsprogs', required: false },
  // The generic manager's log bundle and some operators' hardware managers read `lshw -json`.
  { name: 'lshw', package: 'lshw', required: true },
  { name: 'fuser', package: 'psmisc', required: false },
];

/** The dropbear SSH server, added when authorized keys are embedded. */
export const DROPBEAR: ToolSpec = { name: 'dropbear', package: 'dropbear-bin', required: true };

export interface ToolCheck {
  found: { spec: ToolSpec; path: string }[];
  missingRequired: ToolSpec[];
  missingOptional: ToolSpec[];
}

export function checkTools(
  specs: readonly ToolSpec[],
  locate: (name: string) => string | null = (n) => findProgram(n),
): ToolCheck {
  const check: ToolCheck = { found: [], missingRequired: [], missingOptional: [] };
  for (const spec of specs) {
    const path = locate(spec.name);
    if (path) check.found.push({ spec, path });
    else if (spec.required) check.missingRequired.push(spec);
    else check.missingOptional.push(spec);
  }
  return check;
}

/** "lsblk, blkid (util-linux); nvme (nvme-cli)" and the apt-get line that installs them. */
export function describeMissing(specs: readonly ToolSpec[]): string {
  const byPackage = new Map<string, string[]>();
  for (const s of specs) byPackage.set(s.package, [...(byPackage.get(s.package) ?? []), s.name]);
  const list = [...byPackage].map(([pkg, names]) => `${names.join(', ')} (${pkg})`).join('; ');
  return `${list}; install with: apt-get install ${[...byPackage.keys()].join(' ')}`;
}
