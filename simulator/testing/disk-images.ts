/**
 * Builds the first bytes of small disk images for tests: a protective MBR, a GPT with the
 * given partitions, and file system superblocks inside them, the way mkfs and sgdisk lay them
 * out (only the fields blkid and the kernel look at).
 */
export interface TestPartition {
  startLba: number;
  sizeLba: number;
  type: string;
  uuid: string;
  name: string;
  fs?: { type: 'ext4' | 'vfat'; uuid: string; label?: string };
}

export const ESP_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
export const LINUX_TYPE = '0fc63daf-8483-4772-8e79-3d69d8477de4';

/** Writes a GPT disk layout through `write(offset, bytes)`. */
export function writeGptImage(
  write: (offset: number, data: Uint8Array) => void,
  diskGuid: string,
  partitions: TestPartition[],
  sector = 512,
): void {
  const mbr = new Uint8Array(512);
  mbr[446 + 4] = 0xee;
  new DataView(mbr.buffer).setUint32(446 + 8, 1, true);
  new DataView(mbr.buffer).setUint32(446 + 12, 0xffffffff, true);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  write(0, mbr);
  const header = Buffer.alloc(92);
  header.write('EFI PART', 0, 'latin1');
  header.writeUInt32LE(0x00010000, 8);
  header.writeUInt32LE(92, 12);
  header.writeBigUInt64LE(1n, 24);
  header.writeBigUInt64LE(2n, 72);
  header.writeUInt32LE(128, 80);
  header.writeUInt32LE(128, 84);
  guidBytes(diskGuid).copy(header, 56);
  write(sector, header);
  const entries = Buffer.alloc(128 * 128);
  partitions.forEach((p, i) => {
    const e = entries.subarray(i * 128, (i + 1) * 128);
    guidBytes(p.type).copy(e, 0);
    guidBytes(p.uuid).copy(e, 16);
    e.writeBigUInt64LE(BigInt(p.startLba), 32);
    e.writeBigUInt64LE(BigInt(p.startLba + p.sizeLba - 1), 40);
    Buffer.from(p.name, 'utf16le').copy(e, 56);
  });
  write(2 * sector, entries);
  for (const p of partitions) {
    if (!p.fs) continue;
    const at = p.startLba * sector;
    if (p.fs.type === 'ext4') {
      const sb = Buffer.alloc(1024);
      sb.writeUInt16LE(0xef53, 56);
      sb.writeUInt32LE(0x40, 96);
      Buffer.from(p.fs.uuid.replace(/-/g, ''), 'hex').copy(sb, 104);
      sb.write(p.fs.label ?? '', 120, 'utf8');
      write(at + 1024, sb);
    } else {
      const boot = Buffer.alloc(512);
      boot.write('FAT32   ', 82, 'latin1');
      boot.writeUInt32LE(parseInt(p.fs.uuid.replace('-', ''), 16), 67);
      boot.write((p.fs.label ?? 'NO NAME').padEnd(11), 71, 'latin1');
      boot[510] = 0x55;
      boot[511] = 0xaa;
      write(at, boot);
    }
  }
}

function guidBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  const le = (s: string) => Buffer.from(s, 'hex').reverse();
  return Buffer.concat([
    le(h.slice(0, 8)),
    le(h.slice(8, 12)),
    le(h.slice(12, 16)),
    Buffer.from(h.slice(16), 'hex'),
  ]);
}
