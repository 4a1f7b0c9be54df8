import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinuxHost, defaultAgentConfig } from '../agent';
import { ImageDownloadError, readFatFile, readInstalledOs, writeImage } from '../agent/image';
import { generateSelfSignedCertificate } from '../agent/tls';
import { ImageService } from '../images';
import { createLogger } from '../lib';

// The agent's real write path against the real image service over loopback, onto files that
// stand in for disks through the Linux host: the bytes on "disk" are compared with the image.
const MiB = 1024 * 1024;
const logger = createLogger({ name: 'test', level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'deploy-'));
const host = new LinuxHost();
const config = defaultAgentConfig({ image_download_connection_retries: 0 });
let service: ImageService;

beforeAll(async () => {
  service = new ImageService({ dataDir: join(dir, 'images'), logger });
  await service.start();
});
afterAll(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A sparse file of `size` bytes standing in for a disk. */
function target(name: string, size: number): string {
  const path = join(dir, name);
  closeSync(openSync(path, 'w'));
  spawnSync('truncate', ['-s', String(size), path]);
  return path;
}

function imageInfo(id: string, extra: Record<string, unknown> = {}) {
  const ii = service.instanceInfo(id);
  return {
    id,
    urls: [ii.image_source],
    disk_format: ii.image_disk_format,
    image_type: ii.image_type,
    os_hash_algo: ii.image_os_hash_algo,
    os_hash_value: ii.image_os_hash_value,
    ...extra,
  };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fileRead = (path: string) => (offset: number, length: number) => {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    return Promise.resolve(buf.subarray(0, readSync(fd, buf, 0, length, offset)));
  } finally {
    closeSync(fd);
  }
};

describe('writeImage through LinuxHost onto files', () => {
  it('writes the raw sample byte for byte (sha256 of the target equals the image)', async () => {
    const disk = target('exact.img', 64 * MiB);
    const result = await writeImage(host, imageInfo('labos-1.0-disk.raw'), {
      device: disk,
      config,
      logger,
    });
    expect(result.method).toBe('stream');
    expect(sha256(readFileSync(disk))).toBe(service.get('labos-1.0-disk.raw')!.sha256);
    expect(result.rootUuid).toBe('0x00000000');
  });

  it('on a larger disk: backup GPT moved to the end, LabOS found, checksum from a URL', async () => {
    const disk = target('big.img', 256 * MiB);
    const ii = service.instanceInfo('labos-1.0-disk.raw');
    await writeImage(
      host,
      { id: 'labos-1.0-disk.raw', urls: [ii.image_source], checksum: ii.image_checksum },
      { device: disk, config, logger },
    );
    const os = await readInstalledOs(fileRead(disk), 256 * MiB);
    expect(os?.prettyName).toBe('LabOS 1.0 (disk)');
    expect(os?.osRelease.IMAGE_ID).toBe('labos-disk');
    const sgdisk = spawnSync('sgdisk', ['-v', disk], { encoding: 'utf8' });
    if (!sgdisk.error) expect(sgdisk.stdout).toContain('No problems found');
  });

  it('writes the qcow2 sample as the raw disk, with qemu-img and with the TypeScript converter', async () => {
    const raw = readFileSync(service.filePath('labos-1.0-disk.raw')!);
    const hasQemu = !spawnSync('qemu-img', ['--version']).error;
    for (const useQemuImg of hasQemu ? [true, false] : [false]) {
      const disk = target(`q-${useQemuImg}.img`, 64 * MiB);
      const result = await writeImage(host, imageInfo('labos-1.0-disk.qcow2'), {
        device: disk,
        config,
        logger,
        useQemuImg,
        tempDir: dir,
      });
      expect(result.method).toBe(useQemuImg ? 'qemu-img' : 'qcow2-stream');
      expect(result.imageSize).toBe(64 * MiB);
      expect(readFileSync(disk).equals(raw)).toBe(true);
    }
  });

  it('deploys the partition sample into a UEFI layout with the root UUID blkid reports', async () => {
    const disk = target('part.img', 1024 * MiB);
    const result = await writeImage(
      host,
      imageInfo('labos-1.0-root.img', { deploy_boot_mode: 'uefi', root_mb: 100 }),
      { device: disk, config, logger },
    );
    const fs = readFileSync(service.filePath('labos-1.0-root.img')!);
    const blkid = spawnSync(
      'blkid',
      ['-p', '-s', 'UUID', '-o', 'value', service.filePath('labos-1.0-root.img')!],
      {
        encoding: 'utf8',
      },
    );
    const volumeId = fs.readUInt32LE(67).toString(16).toUpperCase().padStart(8, '0');
    const expected = `${volumeId.slice(0, 4)}-${volumeId.slice(4)}`;
    if (!blkid.error) expect(blkid.stdout.trim()).toBe(expected);
    expect(result.rootUuid).toBe(expected);
    const rootStart = 551 * MiB;
    const osRelease = await readFatFile(fileRead(disk), rootStart, 'etc/os-release');
    expect(Buffer.from(osRelease!).toString()).toContain('PRETTY_NAME="LabOS 1.0 (partition)"');
    // The image's /boot/efi went onto the new ESP, where install_bootloader looks for loaders.
    const loader = await readFatFile(fileRead(disk), MiB, 'EFI/BOOT/BOOTX64.EFI');
    expect(Buffer.from(loader!).toString()).toMatch(/^MZ /);
  });

  it('downloads over HTTPS only when the agent trusts the certificate (cafile)', async () => {
    const cert = generateSelfSignedCertificate({
      ipAddress: '127.0.0.1',
      commonName: 'images',
      curve: 'p256',
      now: Date.now(),
      allowedClockSkewS: 3600,
    });
    const tlsService = new ImageService({
      dataDir: join(dir, 'images'),
      logger,
      tls: { cert: cert.certPem, key: cert.keyPem },
    });
    await tlsService.start();
    try {
      const ii = tlsService.instanceInfo('labos-1.0-root.img');
      expect(ii.image_source.startsWith('https://127.0.0.1:')).toBe(true);
      const info = {
        id: 'root',
        urls: [ii.image_source],
        os_hash_algo: 'sha256',
        os_hash_value: ii.image_os_hash_value,
        image_type: 'partition',
      };
      const untrusted = await writeImage(host, info, {
        device: target('tls1.img', 256 * MiB),
        config,
        logger,
      }).catch((e: unknown) => e);
      expect(untrusted).toBeInstanceOf(ImageDownloadError);
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, cert.certPem);
      const trusted = await writeImage(host, info, {
        device: target('tls2.img', 256 * MiB),
        config: { ...config, cafile: caFile },
        logger,
      });
      expect(trusted.bytesDownloaded).toBe(40 * MiB);
    } finally {
      await tlsService.stop();
    }
  });
});
