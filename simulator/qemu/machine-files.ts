import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fetch } from 'undici';
import { buildFat } from '../../lib/disk';
import type { Machine } from '../machine';

/**
 * The files a QEMU machine's hardware is made of, under `<stateDir>/<machine id>/`: one sparse
 * raw image per disk of its spec (kept across power cycles, like disks), the virtual media
 * images fetched from their URLs, and the parameters stick.
 */
export function machineDir(stateDir: string, machine: Machine): string {
  const dir = join(stateDir, machine.id);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One raw image per disk, created sparse at the spec's size; existing contents are kept. */
export function diskFiles(stateDir: string, machine: Machine): string[] {
  const dir = machineDir(stateDir, machine);
  return machine.spec.disks.map((disk) => {
    const path = join(dir, `${disk.name}.img`);
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size !== disk.sizeBytes) {
      const fd = openSync(path, 'a');
      try {
        ftruncateSync(fd, disk.sizeBytes);
      } finally {
        closeSync(fd);
      }
    }
    return path;
  });
}

/**
 * Whether the firmware would find something to boot on a disk file: an MBR signature (55 AA at
 * 510), or in UEFI mode a GPT header at LBA 1, as the model's own disks are judged.
 */
export function diskHasBootSignature(
  path: string,
  sectorSize: number,
  mode: 'UEFI' | 'Legacy',
): boolean {
  const fd = openSync(path, 'r');
  try {
    const mbr = Buffer.alloc(512);
    readSync(fd, mbr, 0, 512, 0);
    if (mbr[510] === 0x55 && mbr[511] === 0xaa) return true;
    if (mode === 'Legacy') return false;
    const header = Buffer.alloc(8);
    readSync(fd, header, 0, 8, sectorSize);
    return header.toString('latin1') === 'EFI PART';
  } finally {
    closeSync(fd);
  }
}

/**
 * Arguments that make SeaBIOS mirror its screen (POST banner, option ROMs, boot attempts,
 * "No bootable device.") on the first serial port, where a BMC's serial-over-LAN would show a
 * server's console redirection. SeaBIOS reads the port from the fw_cfg file etc/sercon-port as
 * a little-endian integer, so the value lives in a two-byte file in the machine's folder.
 */
export function serialFirmwareArgs(dir: string): string[] {
  const file = join(dir, 'sercon-port.bin');
  if (!existsSync(file)) writeFileSync(file, Buffer.from([0xf8, 0x03])); // 0x3f8, COM1
  return ['-fw_cfg', `name=etc/sercon-port,file=${file}`];
}

/**
 * The inserted image as a local file: an absolute path or `file://` URL is used where it is,
 * an http(s) URL is downloaded (as a BMC streams it to the machine).
 */
export async function mediaFile(url: string, dest: string, signal: AbortSignal): Promise<string> {
  if (url.startsWith('/')) return url;
  if (url.startsWith('file://')) return new URL(url).pathname;
  const res = await fetch(url, { signal });
  if (!res.ok || !res.body) throw new Error(`virtual media ${url}: HTTP ${res.status}`);
  const fd = openSync(dest, 'w');
  try {
    for await (const chunk of res.body) writeSync(fd, chunk as Uint8Array);
  } finally {
    closeSync(fd);
  }
  return dest;
}

/** IPA's label for the virtual floppy/USB that carries `parameters.txt` (research/ipa.md §10.3). */
export const PARAMETERS_LABEL = 'ir-vfd-dev';
const STICK_BYTES = 8 * 1024 * 1024;

/** A small FAT image labelled ir-vfd-dev holding `parameters.txt` (`key=value` per line). */
export function writeParametersStick(path: string, params: Readonly<Record<string, string>>): void {
  const text = Object.entries(params)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  const image = buildFat({
    sizeBytes: STICK_BYTES,
    label: PARAMETERS_LABEL,
    volumeId: 0x1e0d0a7a,
    files: [{ path: 'parameters.txt', data: Buffer.from(text, 'utf8') }],
  });
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, STICK_BYTES);
    for (const w of image.writes) writeSync(fd, w.data, 0, w.data.length, w.offset);
  } finally {
    closeSync(fd);
  }
}
