import { promises as fsp } from 'node:fs';
import { readPartitionTable } from '../lib/disk/partition-table';
import { ImageServiceError } from './errors';
import type { DiskFormat, ImageType, RegisterImageRequest } from './types';

const QCOW2_MAGIC = 0x514649fb;
/** qcow2 v3 incompatible feature bit: the guest data lives in another file. */
const QCOW2_EXTERNAL_DATA_FILE = 1n << 2n;

export interface ImageShape {
  disk_format: DiskFormat;
  image_type: ImageType;
  /** Bytes of the disk the file describes. */
  virtual_size: number;
}

/**
 * What a file is, checked against what the user declared, before it joins the catalogue. Like
 * Glance's format inspector, a file whose content is not its declared format is refused, and so
 * is a qcow2 that points at another file (a backing or data file), which a converter on the
 * machine being deployed would go and read.
 */
export async function inspectImage(
  path: string,
  size: number,
  req: RegisterImageRequest,
): Promise<ImageShape> {
  if (size === 0) throw new ImageServiceError(400, 'the image is empty (0 bytes)');
  const head = await readAt(path, 0, 64 * 1024);
  const isQcow2 = head.length >= 4 && head.readUInt32BE(0) === QCOW2_MAGIC;
  const disk_format: DiskFormat = req.disk_format ?? (isQcow2 ? 'qcow2' : 'raw');
  if (disk_format === 'qcow2' && !isQcow2) {
    throw new ImageServiceError(400, 'disk_format is qcow2 but the file is not a qcow2 image');
  }
  if (disk_format === 'raw' && isQcow2) {
    throw new ImageServiceError(
      400,
      'disk_format is raw but the file is a qcow2 image: give disk_format qcow2 or leave it out',
    );
  }
  let virtual_size = size;
  if (isQcow2) virtual_size = checkQcow2(head);
  let image_type: ImageType | undefined = req.image_type;
  if (!image_type) {
    // A raw file without a partition table is a file system: a partition image.
    const table = isQcow2
      ? true
      : await readPartitionTable(async (o, l) => readAt(path, o, l), 512, size).catch(() => null);
    image_type = table ? 'whole-disk' : 'partition';
  }
  return { disk_format, image_type, virtual_size };
}

function checkQcow2(head: Buffer): number {
  if (head.length < 72) throw new ImageServiceError(400, 'the qcow2 header is truncated');
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) {
    throw new ImageServiceError(400, `qcow2 version ${version} is not supported (2 or 3)`);
  }
  if (head.readBigUInt64BE(8) !== 0n) {
    throw new ImageServiceError(400, 'the qcow2 image has a backing file; flatten it first');
  }
  if (version === 3) {
    if (head.length < 80) throw new ImageServiceError(400, 'the qcow2 header is truncated');
    if ((head.readBigUInt64BE(72) & QCOW2_EXTERNAL_DATA_FILE) !== 0n) {
      throw new ImageServiceError(400, 'the qcow2 image keeps its data in an external file');
    }
  }
  const virtual = head.readBigUInt64BE(24);
  if (virtual === 0n || virtual > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ImageServiceError(400, `the qcow2 virtual size ${virtual} is not usable`);
  }
  return Number(virtual);
}

export async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
