import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';

/**
 * Drivers for the disks and NICs of common servers and virtual machines, plus what IPA's steps
 * touch (software RAID, virtual media file systems, IPMI, EFI variables). Names as `modprobe`
 * takes them; a name the kernel builds in, or lacks, is skipped with a note.
 */
export const DEFAULT_MODULES: readonly string[] = [
  // Virtual machines.
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'virtio_scsi',
  // Disk controllers.
  'ahci',
  'ata_piix',
  'ata_generic',
  'sd_mod',
  'sr_mod',
  'sg',
  'nvme',
  'megaraid_sas',
  'mpt3sas',
  'smartpqi',
  'hpsa',
  'usb_storage',
  'uas',
  'xhci_pci',
  'ehci_pci',
  'uhci_hcd',
  // Network cards.
  'e1000',
  'e1000e',
  'igb',
  'igc',
  'ixgbe',
  'i40e',
  'ice',
  'bnxt_en',
  'tg3',
  'mlx4_en',
  'mlx5_core',
  'r8169',
  'vmxnet3',
  // Entropy: Node and TLS key generation block on getrandom() until the kernel's pool is
  // seeded; a VM without RDRAND (QEMU's software CPU) gets it from the host this way.
  'virtio_rng',
  // File systems of virtual media and config drives; software RAID; BMC; EFI variables.
  'isofs',
  'vfat',
  'nls_cp437',
  'nls_iso8859_1',
  // Debian's FAT default iocharset: vfat mounts fail without it.
  'nls_ascii',
  'nls_utf8',
  'ext4',
  'md_mod',
  'raid0',
  'raid1',
  'raid10',
  'raid456',
  'ipmi_si',
  'ipmi_devintf',
  'efivarfs',
];

/** Only what a virtual machine in QEMU needs: a smaller, faster-booting ramdisk. */
export const VIRTUAL_MODULES: readonly string[] = [
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'virtio_scsi',
  'ahci',
  'ata_piix',
  'sd_mod',
  'sr_mod',
  'nvme',
  'e1000',
  'e1000e',
  'virtio_rng',
  'isofs',
  'vfat',
  'nls_cp437',
  'nls_iso8859_1',
  // Debian's FAT default iocharset: vfat mounts fail without it.
  'nls_ascii',
  'efivarfs',
];

/** modules.dep read into a name → file index. */
export interface ModuleIndex {
  /** Module name (`virtio_blk`) → path relative to the modules directory. */
  byName: Map<string, string>;
  /** Relative path → its dependencies' relative paths. */
  deps: Map<string, string[]>;
  builtin: Set<string>;
}

/** `kernel/drivers/net/virtio_net.ko` → `virtio_net`; modprobe treats `-` and `_` alike. */
export function moduleName(file: string): string {
  return posix
    .basename(file)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');
}

export function parseModulesDep(depText: string, builtinText = ''): ModuleIndex {
  const byName = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const line of depText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const file = line.slice(0, colon).trim();
    const needs = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    byName.set(moduleName(file), file);
    deps.set(file, needs);
  }
  const builtin = new Set(
    builtinText
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map(moduleName),
  );
  return { byName, deps, builtin };
}

export interface ModuleSelection {
  /** Relative paths of the chosen modules and everything they depend on, sorted. */
  files: string[];
  /** Requested names the kernel builds in (nothing to copy). */
  builtin: string[];
  /** Requested names this kernel does not have. */
  unknown: string[];
}

/** The requested modules and the closure of their dependencies. */
export function selectModules(index: ModuleIndex, names: readonly string[]): ModuleSelection {
  const chosen = new Set<string>();
  const builtin: string[] = [];
  const unknown: string[] = [];
  const visit = (file: string) => {
    if (chosen.has(file)) return;
    chosen.add(file);
    for (const dep of index.deps.get(file) ?? []) visit(dep);
  };
  for (const raw of names) {
    const name = raw.replace(/-/g, '_');
    const file = index.byName.get(name);
    if (file) visit(file);
    else if (index.builtin.has(name)) builtin.push(name);
    else unknown.push(name);
  }
  return { files: [...chosen].sort(), builtin, unknown };
}

/** modules.dep for just the chosen files, in the original order. */
export function filterModulesDep(depText: string, files: ReadonlySet<string>): string {
  return keepLines(depText, (line) => {
    const colon = line.indexOf(':');
    return colon > 0 && files.has(line.slice(0, colon).trim());
  });
}

/** modules.alias lines (`alias <pattern> <module>`) whose module is in the ramdisk. */
export function filterModulesAlias(aliasText: string, names: ReadonlySet<string>): string {
  return keepLines(aliasText, (line) => {
    const m = /^alias\s+\S+\s+(\S+)\s*$/.exec(line);
    return m !== null && names.has(m[1]!.replace(/-/g, '_'));
  });
}

function keepLines(text: string, keep: (line: string) => boolean): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && keep(l));
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

export interface InstalledKernel {
  version: string;
  /** /boot/vmlinuz-<version>. */
  image: string;
  /** /lib/modules/<version>. */
  modulesDir: string;
}

/**
 * The build machine's Debian kernel (package linux-image-amd64): the given version, or the
 * newest /boot/vmlinuz-* that has its modules installed.
 */
export function findKernel(
  version?: string,
  bootDir = '/boot',
  modulesRoot = '/lib/modules',
): InstalledKernel {
  const hint =
    "install Debian's kernel with: apt-get install linux-image-amd64 (or pass --kernel-version)";
  let versions: string[];
  if (version) {
    versions = [version];
  } else {
    const names = existsSync(bootDir) ? readdirSync(bootDir) : [];
    versions = names
      .filter((n) => n.startsWith('vmlinuz-'))
      .map((n) => n.slice('vmlinuz-'.length))
      .sort(compareVersions)
      .reverse();
  }
  for (const v of versions) {
    const image = `${bootDir}/vmlinuz-${v}`;
    const modulesDir = `${modulesRoot}/${v}`;
    if (existsSync(image) && existsSync(`${modulesDir}/modules.dep`)) {
      return { version: v, image, modulesDir };
    }
  }
  if (version) {
    throw new Error(
      `kernel ${version}: ${bootDir}/vmlinuz-${version} or its modules.dep is missing; ${hint}`,
    );
  }
  throw new Error(`no kernel with modules found in ${bootDir}; ${hint}`);
}

/** dpkg-style enough for kernel versions: numeric runs compare as numbers. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Reads the kernel's module index files. */
export function readModuleIndex(modulesDir: string): {
  index: ModuleIndex;
  depText: string;
  aliasText: string;
  builtinText: string;
} {
  const read = (name: string) => {
    const p = `${modulesDir}/${name}`;
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  };
  const depText = read('modules.dep');
  const builtinText = read('modules.builtin');
  const aliasText = read('modules.alias');
  return { index: parseModulesDep(depText, builtinText), depText, aliasText, builtinText };
}
