import { fatUuid } from '../../../lib/disk/fat';
import type { ReadAt } from '../../../lib/disk/partition-table';

export interface FilesystemInfo {
  type: 'vfat' | 'ext2' | 'ext3' | 'ext4' | 'iso9660' | 'swap' | 'xfs';
  /** As blkid prints it; null when the format has none. */
  uuid: string | null;
  label: string;
}

/**
 * What `blkid` would say about the file system at `offset`, for the formats a deploy meets:
 * the root UUID reported to Ironic and the `config-2` label come from here, so the same code
 * answers on metal and on the simulator's disks.
 */
export async function probeFilesystem(
  read: ReadAt,
  offset: number,
): Promise<FilesystemInfo | null> {
  const head = Buffer.from(await read(offset, 64 * 1024));
  if (head.length >= 1024 + 256 && head.readUInt16LE(1024 + 56) === 0xef53) {
    const sb = head.subarray(1024);
    const compat = sb.readUInt32LE(92);
    const incompat = sb.readUInt32LE(96);
    const type = incompat & 0x40 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
    return {
      type,
      uuid: uuidBigEndian(sb.subarray(104, 120)),
      label: cString(sb.subarray(120, 136)),
    };
  }
  if (head.length >= 512 && head.toString('latin1', 0, 4) === 'XFSB') {
    return {
      type: 'xfs',
      uuid: uuidBigEndian(head.subarray(32, 48)),
      label: cString(head.subarray(108, 120)),
    };
  }
  for (const page of [4096, 8192, 16384, 65536]) {
    if (head.length >= page && head.toString('latin1', page - 10, page) === 'SWAPSPACE2') {
      return {
        type: 'swap',
        uuid: uuidBigEndian(head.subarray(1036, 1052)),
        label: cString(head.subarray(1052, 1068)),
      };
    }
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    const fat32 = head.toString('latin1', 82, 87) === 'FAT32';
    const fat16 = /^FAT1[26]/.test(head.toString('latin1', 54, 59));
    if ((fat32 || fat16) && head.readUInt16LE(11) >= 512) {
      const ext = fat32 ? 64 : 36;
      const label = head.toString('latin1', ext + 7, ext + 18).trimEnd();
      return {
        type: 'vfat',
        uuid: fatUuid(head.readUInt32LE(ext + 3)),
        label: label === 'NO NAME' ? '' : label,
      };
    }
  }
  const pvd = Buffer.from(await read(offset + 32768, 2048));
  if (pvd.length === 2048 && pvd[0] === 1 && pvd.toString('latin1', 1, 6) === 'CD001') {
    const d = pvd.toString('latin1', 813, 829);
    const uuid = /^\d{16}$/.test(d)
      ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)}-${d.slice(10, 12)}-${d.slice(12, 14)}-${d.slice(14, 16)}`
      : null;
    return { type: 'iso9660', uuid, label: pvd.toString('latin1', 40, 72).trimEnd() };
  }
  return null;
}

function uuidBigEndian(b: Uint8Array): string {
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function cString(b: Uint8Array): string {
  const s = Buffer.from(b).toString('utf8');
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).trim();
}
