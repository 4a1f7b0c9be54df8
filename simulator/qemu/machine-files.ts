import { closeSync, mkdirSync, openSync, statSync, ftruncateSync, writeSync } from 'node:fs';
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
