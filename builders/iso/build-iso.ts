import { copyFileSync, existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findProgram } from '../support/find-program';
import { runChecked } from '../support/run-command';
import { sha256File } from '../support/sha256-file';
import {
  GRUB_EFI_MODULES,
  INITRD_PATH,
  KERNEL_PATH,
  grubConfig,
  grubEmbeddedConfig,
  isolinuxConfig,
} from './boot-configs';

/** Ironic names its virtual media ISOs so; the agent looks for this label (research/ipa.md §10.3). */
export const DEFAULT_VOLUME_LABEL = 'VMEDIA_BOOT_ISO';
/** A serial console first on screen and on ttyS0, as BMC serial-over-LAN needs. */
export const DEFAULT_KERNEL_PARAMS = 'console=tty0 console=ttyS0,115200n8';
/** FAT keeps no dates before 1980; ISO and FAT timestamps default to its first second. */
const DEFAULT_EPOCH = 315532800;

export interface IsoOptions {
  output: string;
  kernel: string;
  initramfs: string;
  kernelParams?: string;
  volumeLabel?: string;
  /** Timestamp of every file and of the volume (seconds); default SOURCE_DATE_EPOCH or 1980. */
  mtime?: number;
  /** Where Debian's boot files are (tests point elsewhere). */
  files?: Partial<BootFiles>;
  log?: (message: string) => void;
}

export interface IsoResult {
  output: string;
  bytes: number;
  sha256: string;
  bios: 'isolinux';
  uefi: 'grub';
}

/** Debian's files the ISO is made of, and the package of each. */
export interface BootFiles {
  isolinuxBin: string;
  isohybridMbr: string;
  ldlinux: string;
  grubEfiDir: string;
}

const DEBIAN_BOOT_FILES: BootFiles = {
  isolinuxBin: '/usr/lib/ISOLINUX/isolinux.bin',
  isohybridMbr: '/usr/lib/ISOLINUX/isohdpfx.bin',
  ldlinux: '/usr/lib/syslinux/modules/bios/ldlinux.c32',
  grubEfiDir: '/usr/lib/grub/x86_64-efi',
};

const PACKAGE_OF: Record<keyof BootFiles, string> = {
  isolinuxBin: 'isolinux',
  isohybridMbr: 'isolinux',
  ldlinux: 'syslinux-common',
  grubEfiDir: 'grub-efi-amd64-bin',
};

const PROGRAMS: [string, string][] = [
  ['xorriso', 'xorriso'],
  ['grub-mkimage', 'grub-common'],
  ['mkfs.vfat', 'dosfstools'],
  ['mmd', 'mtools'],
  ['mcopy', 'mtools'],
];

/**
 * A hybrid ISO that boots the agent on BIOS (isolinux) and UEFI (GRUB in an EFI System image,
 * built with mtools, no root needed), from a CD, a BMC's virtual CD or a USB stick: the
 * equivalent of ironic-python-agent-builder's iso-image-create. Same inputs, same bytes.
 */
export async function buildIso(options: IsoOptions): Promise<IsoResult> {
  const log = options.log ?? (() => undefined);
  const files = { ...DEBIAN_BOOT_FILES, ...options.files };
  checkPrerequisites(files, options);
  const label = options.volumeLabel ?? DEFAULT_VOLUME_LABEL;
  if (!/^[A-Z0-9_-]{1,32}$/.test(label)) {
    throw new Error(`volume label "${label}": use 1–32 of A–Z, 0–9, _ and -`);
  }
  const params = options.kernelParams ?? DEFAULT_KERNEL_PARAMS;
  const mtime = options.mtime ?? sourceDateEpoch();
  const env = { SOURCE_DATE_EPOCH: String(mtime), TZ: 'UTC' };

  const scratch = await mkdtemp(join(tmpdir(), 'ipa-iso-'));
  try {
    const root = join(scratch, 'root');
    const put = (path: string, from: { file: string } | { text: string }) => {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      if ('file' in from) copyFileSync(from.file, target);
      else writeFileSync(target, from.text);
    };
    put(KERNEL_PATH, { file: options.kernel });
    put(INITRD_PATH, { file: options.initramfs });
    put('/isolinux/isolinux.bin', { file: files.isolinuxBin });
    put('/isolinux/ldlinux.c32', { file: files.ldlinux });
    put('/isolinux/isolinux.cfg', { text: isolinuxConfig(params) });
    put('/boot/grub/grub.cfg', { text: grubConfig(params) });

    log('building the EFI boot loader (grub-mkimage)');
    const embedded = join(scratch, 'embedded.cfg');
    writeFileSync(embedded, grubEmbeddedConfig(label));
    const efiBinary = join(scratch, 'BOOTX64.EFI');
    await runChecked(
      'grub-mkimage',
      [
        '-O',
        'x86_64-efi',
        '-d',
        files.grubEfiDir,
        '-o',
        efiBinary,
        '-p',
        '/boot/grub',
        '-c',
        embedded,
        ...GRUB_EFI_MODULES,
      ],
      { env },
    );
    put('/EFI/BOOT/BOOTX64.EFI', { file: efiBinary });
    await buildEfiImage(join(root, 'boot', 'efiboot.img'), efiBinary, mtime, env);

    await setTimes(root, mtime);
    mkdirSync(dirname(options.output), { recursive: true });
    log(`writing ${options.output} (xorriso)`);
    await runChecked(
      'xorriso',
      [
        '-as',
        'mkisofs',
        '-o',
        options.output,
        '-V',
        label,
        '-r',
        '-J',
        '-joliet-long',
        '-b',
        'isolinux/isolinux.bin',
        '-c',
        'isolinux/boot.cat',
        '-no-emul-boot',
        '-boot-load-size',
        '4',
        '-boot-info-table',
        '-isohybrid-mbr',
        files.isohybridMbr,
        '-eltorito-alt-boot',
        '-e',
        'boot/efiboot.img',
        '-no-emul-boot',
        '-isohybrid-gpt-basdat',
        root,
      ],
      { env },
    );
    return {
      output: options.output,
      bytes: statSync(options.output).size,
      sha256: await sha256File(options.output),
      bios: 'isolinux',
      uefi: 'grub',
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The El Torito EFI image: a small FAT file system holding \EFI\BOOT\BOOTX64.EFI. mkfs.vfat
 * `--invariant` and a fixed serial number, mtools with SOURCE_DATE_EPOCH and `-m` (keep the
 * source's mtime) make it byte-identical from build to build.
 */
async function buildEfiImage(
  image: string,
  efiBinary: string,
  mtime: number,
  env: Record<string, string>,
): Promise<void> {
  const kib = Math.max(2048, Math.ceil((statSync(efiBinary).size * 1.2) / 1024 / 512) * 512 + 512);
  mkdirSync(dirname(image), { recursive: true });
  utimesSync(efiBinary, mtime, mtime);
  await runChecked(
    'mkfs.vfat',
    ['-C', '--invariant', '-i', '49504121', '-n', 'EFIBOOT', image, String(kib)],
    { env },
  );
  await runChecked('mmd', ['-i', image, '::/EFI', '::/EFI/BOOT'], { env });
  await runChecked('mcopy', ['-m', '-i', image, efiBinary, '::/EFI/BOOT/BOOTX64.EFI'], { env });
}

function checkPrerequisites(files: BootFiles, options: IsoOptions): void {
  const missing = new Set<string>();
  for (const [key, path] of Object.entries(files) as [keyof BootFiles, string][]) {
    if (!existsSync(path)) missing.add(`${path} (${PACKAGE_OF[key]})`);
  }
  for (const [program, pkg] of PROGRAMS) {
    if (!findProgram(program)) missing.add(`${program} (${pkg})`);
  }
  if (missing.size > 0) {
    const packages = [...missing].map((m) => /\(([^)]+)\)$/.exec(m)![1]!);
    throw new Error(
      `cannot build the ISO, missing: ${[...missing].join(', ')}; install with: apt-get install ${[...new Set(packages)].join(' ')}`,
    );
  }
  for (const [flag, path] of [
    ['-k/--kernel', options.kernel],
    ['-i/--initramfs', options.initramfs],
  ]) {
    if (!existsSync(path!)) throw new Error(`${flag} ${path}: no such file`);
  }
}

async function setTimes(dir: string, mtime: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) await setTimes(p, mtime);
    utimesSync(p, mtime, mtime);
  }
  utimesSync(dir, mtime, mtime);
}

function sourceDateEpoch(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return DEFAULT_EPOCH;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`SOURCE_DATE_EPOCH=${v} is not a timestamp`);
  return n;
}
