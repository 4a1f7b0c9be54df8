import type { Host } from '../host';
import { parseKernelCmdline } from './kernel-cmdline';

/**
 * IPA's parameters on virtual media (research/ipa.md §10.3): a machine booted with
 * `boot_method=vmedia` may also get a small virtual floppy or USB stick labelled `ir-vfd-dev`
 * whose `parameters.txt` holds more `key=value` pairs (written like the kernel command line),
 * e.g. `ipa-api-url` or `ipa-agent-token` a BMC-built ISO could not carry. The device is found
 * by its label, else by a sysfs model naming "virtual media", and must look like virtual media:
 * a whole read-only device, or a USB disk under 4 GiB, never a partition or a real disk.
 */
export const VMEDIA_LABEL = 'ir-vfd-dev';
export const PARAMETERS_FILE = 'parameters.txt';
/** Where the device is mounted while parameters.txt is read. */
export const VMEDIA_MOUNT_POINT = '/run/ironic-python-agent/vmedia';
const USB_MEDIA_MAX_BYTES = 4 * 1024 ** 3;

export interface VmediaParams {
  params: Record<string, string>;
  /** The device they came from; null when none qualified (the reason is in `notes`). */
  device: string | null;
  /** What was looked at and why a device was passed over, as IPA's early log says it. */
  notes: string[];
}

/** Reads the vmedia parameters; never throws (a missing device means no parameters, as in IPA). */
export async function readVmediaParams(host: Host): Promise<VmediaParams> {
  const notes: string[] = [];
  try {
    const device = (await findByLabel(host, notes)) ?? (await findByModel(host, notes));
    if (!device) {
      notes.push('no virtual media device with parameters');
      return { params: {}, device: null, notes };
    }
    const text = await readParametersFile(host, device);
    return { params: parseKernelCmdline(text), device, notes };
  } catch (err) {
    notes.push(
      `virtual media parameters not read: ${err instanceof Error ? err.message : String(err)}`,
    );
    return { params: {}, device: null, notes };
  }
}

/** The first device carrying one of the labels (any case) that passes the virtual media check. */
export async function findByLabel(
  host: Host,
  notes: string[],
  labels: readonly string[] = [VMEDIA_LABEL],
): Promise<string | null> {
  const out = await host.run('lsblk', ['-p', '-P', '-oKNAME,LABEL']);
  if (out.exitCode !== 0) {
    notes.push(`lsblk failed: ${out.stderr.trim()}`);
    return null;
  }
  const wanted = new Set(labels.map((l) => l.toUpperCase()));
  for (const row of parsePairs(out.stdout)) {
    if (!wanted.has((row.LABEL ?? '').toUpperCase()) || !row.KNAME) continue;
    if (await looksLikeVirtualMedia(host, row.KNAME, notes)) return row.KNAME;
  }
  return null;
}

/** Older Ironic drivers' floppies carry no label: the model string gives them away. */
async function findByModel(host: Host, notes: string[]): Promise<string | null> {
  let names: string[];
  try {
    names = await host.listDir('/sys/class/block');
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    let model: string;
    try {
      model = await host.readFile(`/sys/class/block/${name}/device/model`);
    } catch {
      continue;
    }
    if (!model.toLowerCase().includes('virtual media')) continue;
    const device = `/dev/${name}`;
    if (await looksLikeVirtualMedia(host, device, notes)) return device;
  }
  return null;
}

async function looksLikeVirtualMedia(
  host: Host,
  device: string,
  notes: string[],
): Promise<boolean> {
  const out = await host.run('lsblk', ['-n', '-s', '-P', '-b', '-oKNAME,TRAN,TYPE,SIZE', device]);
  if (out.exitCode !== 0) {
    notes.push(`lsblk ${device} failed: ${out.stderr.trim()}`);
    return false;
  }
  // -s lists the device first, then what it sits on: the first row decides.
  const row = parsePairs(out.stdout)[0];
  if (!row) return false;
  if (row.TYPE === 'part') {
    notes.push(`${device} is a partition, not virtual media`);
    return false;
  }
  if (row.TYPE === 'rom') return true;
  const size = Number(row.SIZE);
  if (row.TYPE === 'disk' && row.TRAN === 'usb' && row.SIZE && size < USB_MEDIA_MAX_BYTES) {
    return true;
  }
  notes.push(
    `${device} is not virtual media (type ${row.TYPE ?? '?'}, transport ${row.TRAN || 'none'})`,
  );
  return false;
}

async function readParametersFile(host: Host, device: string): Promise<string> {
  return withMounted(host, device, VMEDIA_MOUNT_POINT, (dir) =>
    host.readFile(`${dir}/${PARAMETERS_FILE}`),
  );
}

/**
 * Runs `use` on the device's file system: where it is already mounted (the ISO's own init, an
 * operator), else mounted read-only at `mountPoint` for the call.
 */
export async function withMounted<T>(
  host: Host,
  device: string,
  mountPoint: string,
  use: (dir: string) => Promise<T>,
): Promise<T> {
  const mounted = await host
    .run('findmnt', ['-n', '-oTARGET', '--first-only', device])
    .catch(() => null);
  const existing = mounted?.exitCode === 0 ? mounted.stdout.trim().split('\n')[0] : '';
  if (existing) return use(existing);
  await check(host, 'mkdir', ['-p', mountPoint]);
  await check(host, 'mount', ['-o', 'ro', device, mountPoint]);
  try {
    return await use(mountPoint);
  } finally {
    await host.run('umount', [mountPoint]).catch(() => undefined);
  }
}

async function check(host: Host, command: string, args: readonly string[]): Promise<void> {
  const out = await host.run(command, args);
  if (out.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')}: ${out.stderr.trim() || `exit ${out.exitCode}`}`);
  }
}

/** `KEY="value" KEY2="value"` rows, as `lsblk -P` prints them (\xNN escapes decoded). */
export function parsePairs(text: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    const row: Record<string, string> = {};
    for (const m of line.matchAll(/([A-Z0-9:_-]+)="((?:[^"\\]|\\.)*)"/g)) {
      row[m[1]!] = m[2]!.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) =>
        String.fromCharCode(parseInt(hex, 16)),
      );
    }
    if (Object.keys(row).length > 0) rows.push(row);
  }
  return rows;
}
