import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { defaultAgentConfig } from '../config';
import { readFatFile } from '../../lib/disk/fat';
import { GPT_TYPE, readPartitionTable } from '../../lib/disk/partition-table';
import { probeFilesystem } from './disk/probe';
import { ImageChecksumError, ImageDownloadFatalError, ImageWriteError } from './errors';
import { readInstalledOs } from './installed-os';
import type { ImageWriteProgress } from './progress';
import { type LoopbackServer, loopbackServer, serveBytes } from './testing/loopback-server';
import { SparseHost } from './testing/sparse-host';
import { TEST_OS_RELEASE, testDiskImage, testFilesystem } from './testing/test-images';
import { writeImage } from './write-image';

const MiB = 1024 * 1024;
const logger = createLogger({ name: 'test', level: 'silent' });
const config = defaultAgentConfig({
  image_download_connection_retries: 1,
  image_download_connection_retry_interval: 0,
});
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(data: Buffer, opts: Parameters<typeof serveBytes>[1] = {}) {
  const s = await loopbackServer(serveBytes(data, opts));
  servers.push(s);
  return s;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('writeImage: whole-disk raw images', () => {
  it('streams the image onto the disk, moves the backup GPT to the end and reports the UUIDs', async () => {
    const image = testDiskImage(16);
    const s = await serve(image);
    const host = new SparseHost();
    const disk = host.disk('/dev/sda', 64 * MiB);
    const progress: ImageWriteProgress[] = [];
    const result = await writeImage(
      host,
      {
        id: 'disk.raw',
        urls: [`${s.url}/disk.raw`],
        disk_format: 'raw',
        checksum: sha256(image),
        deploy_boot_mode: 'uefi',
      },
      {
        device: '/dev/sda',
        config,
        logger,
        onProgress: (p) => progress.push(p),
        writeBufferSize: 4 * MiB,
      },
    );
    expect(result.method).toBe('stream');
    expect(result.bytesDownloaded).toBe(image.length);
    // Partition contents are the image's, byte for byte.
    const esp = Buffer.from(await disk.read(MiB, 8 * MiB));
    expect(esp.equals(image.subarray(MiB, 9 * MiB))).toBe(true);
    const table = await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size);
    expect(table?.kind).toBe('gpt');
    expect(table?.gpt?.backupLba).toBe(64 * 2048 - 1);
    expect(table?.partitions.map((p) => p.type)).toEqual([
      GPT_TYPE.efiSystem,
      GPT_TYPE.linuxFilesystem,
    ]);
    const os = await readInstalledOs((o, l) => disk.read(o, l), disk.size);
    expect(os?.prettyName).toBe('TestOS 9');
    expect(result.rootUuid).toBe('0x00000000');
    expect(result.efiSystemPartitionUuid).toBe('ABCD-0123');
    expect(result.partitionUuids).toEqual({
      'root uuid': '0x00000000',
      'efi system partition uuid': 'ABCD-0123',
    });
    expect(result.message).toBe(
      'image (disk.raw) written to device /dev/sda root_uuid=0x00000000 efi_system_partition_uuid=ABCD-0123',
    );
    // Large aligned writes, and a final progress report at 100 %.
    expect(disk.largestWrite).toBe(4 * MiB);
    expect(progress.at(-1)).toMatchObject({ phase: 'finalize', fraction: 1 });
    expect(progress[0]).toMatchObject({ phase: 'download', bytes_total: image.length });
  });

  it('fails a checksum mismatch after IPA retries and leaves the disk unbootable', async () => {
    const image = testDiskImage(16);
    const s = await serve(image);
    const host = new SparseHost();
    const disk = host.disk('/dev/sda', 32 * MiB);
    const err = await writeImage(
      host,
      {
        id: 'disk.raw',
        urls: [`${s.url}/disk.raw`],
        os_hash_algo: 'sha256',
        os_hash_value: '0'.repeat(64),
      },
      { device: '/dev/sda', config, logger },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageChecksumError);
    expect((err as ImageChecksumError).details).toContain(
      `verification checksum: ${sha256(image)}`,
    );
    expect(s.requests).toHaveLength(2); // retries + 1 downloads, as IPA
    const head = await disk.read(0, MiB);
    expect(head.every((b) => b === 0)).toBe(true);
    expect(await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size)).toBeNull();
  });

  it('does not retry a 4xx and refuses images larger than the disk', async () => {
    const image = testDiskImage(16);
    const gone = await loopbackServer((_req, res) => res.writeHead(403).end());
    servers.push(gone);
    const host = new SparseHost();
    host.disk('/dev/sda', 32 * MiB);
    const denied = await writeImage(
      host,
      { id: 'x', urls: [`${gone.url}/x`], checksum: sha256(image) },
      { device: '/dev/sda', config, logger },
    ).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ImageDownloadFatalError);
    expect(gone.requests).toHaveLength(1);

    const s = await serve(image);
    host.disk('/dev/sdb', 8 * MiB);
    const big = await writeImage(
      host,
      { id: 'x', urls: [`${s.url}/x`], checksum: sha256(image) },
      { device: '/dev/sdb', config, logger },
    ).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(ImageWriteError);
    expect((big as ImageWriteError).details).toContain('larger than the target');
  });

  it('adds a config-2 partition at the end of the disk for the config drive', async () => {
    const image = testDiskImage(16);
    const s = await serve(image);
    const host = new SparseHost();
    const disk = host.disk('/dev/nvme0n1', 256 * MiB);
    const result = await writeImage(
      host,
      { id: 'disk.raw', urls: [`${s.url}/disk.raw`], checksum: sha256(image) },
      {
        device: '/dev/nvme0n1',
        config,
        logger,
        configdrive: {
          meta_data: { uuid: 'node-1', hostname: 'web-1' },
          user_data: '#cloud-config\n',
        },
      },
    );
    expect(result.configDrivePartition).toBe('/dev/nvme0n1p3');
    const table = await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size);
    const cd = table!.partitions[2]!;
    expect(cd.number).toBe(3);
    expect(cd.start + cd.size).toBeLessThanOrEqual(disk.size - 33 * 512);
    expect(cd.size).toBeGreaterThanOrEqual(63 * MiB);
    const read = (o: number, l: number) => disk.read(o, l);
    expect(await probeFilesystem(read, cd.start)).toMatchObject({
      type: 'vfat',
      label: 'CONFIG-2',
    });
    const meta = await readFatFile(read, cd.start, 'openstack/latest/meta_data.json');
    expect(JSON.parse(Buffer.from(meta!).toString())).toEqual({
      uuid: 'node-1',
      hostname: 'web-1',
    });
    expect(
      Buffer.from((await readFatFile(read, cd.start, 'openstack/latest/user_data'))!).toString(),
    ).toBe('#cloud-config\n');
    expect(result.message).toBe(
      'image (disk.raw) written to device /dev/nvme0n1 root_uuid=0x00000000',
    );
  });

  it('writes a gzipped, base64 config drive image as given', async () => {
    const image = testDiskImage(16);
    const s = await serve(image);
    const host = new SparseHost();
    const disk = host.disk('/dev/sda', 128 * MiB);
    const iso = Buffer.alloc(400 * 1024, 7);
    iso.write('CD001', 32769, 'latin1');
    const result = await writeImage(
      host,
      {
        id: 'disk.raw',
        urls: [`${s.url}/disk.raw`],
        checksum: sha256(image),
        configdrive: gzipSync(iso).toString('base64'),
      },
      { device: '/dev/sda', config, logger },
    );
    const table = await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size);
    const cd = table!.partitions.find(
      (p) => `/dev/sda${p.number}` === result.configDrivePartition,
    )!;
    expect(Buffer.from(await disk.read(cd.start, iso.length)).equals(iso)).toBe(true);
  });
});

describe('writeImage: partition images', () => {
  it('creates the UEFI layout (ESP, config drive, root last) and writes the file system into root', async () => {
    const fs = testFilesystem(40 * MiB, 0x0badf00d);
    const s = await serve(fs);
    const host = new SparseHost();
    const disk = host.disk('/dev/sda', 2048 * MiB);
    const result = await writeImage(
      host,
      {
        id: 'root.img',
        urls: [`${s.url}/root.img`],
        checksum: sha256(fs),
        image_type: 'partition',
        deploy_boot_mode: 'uefi',
        root_mb: 1024,
        swap_mb: 64,
      },
      { device: '/dev/sda', config, logger, configdrive: { meta_data: { uuid: 'n' } } },
    );
    const table = await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size);
    expect(table?.kind).toBe('gpt');
    const parts = table!.partitions;
    expect(parts.map((p) => [p.number, p.start / MiB, p.size / MiB])).toEqual([
      [1, 1, 550],
      [2, 551, 64],
      [3, 615, 64],
      [4, 679, 1024],
    ]);
    expect(parts[0]!.type).toBe(GPT_TYPE.efiSystem);
    expect(parts[1]!.type).toBe(GPT_TYPE.linuxSwap);
    const read = (o: number, l: number) => disk.read(o, l);
    expect(await probeFilesystem(read, parts[0]!.start)).toMatchObject({
      type: 'vfat',
      label: 'EFI-PART',
    });
    expect(await probeFilesystem(read, parts[1]!.start)).toMatchObject({
      type: 'swap',
      label: 'swap1',
    });
    expect(
      Buffer.from((await readFatFile(read, parts[3]!.start, 'etc/os-release'))!).toString(),
    ).toBe(TEST_OS_RELEASE);
    const espUuid = (await probeFilesystem(read, parts[0]!.start))!.uuid;
    expect(result.rootUuid).toBe('0BAD-F00D');
    expect(result.partitionUuids).toEqual({
      'root uuid': '0BAD-F00D',
      'efi system partition uuid': espUuid,
      partitions: {
        'efi system partition': '/dev/sda1',
        swap: '/dev/sda2',
        configdrive: '/dev/sda3',
        root: '/dev/sda4',
      },
    });
    expect(result.message).toBe(
      `image (root.img) written to device /dev/sda root_uuid=0BAD-F00D efi_system_partition_uuid=${espUuid}`,
    );
  });

  it('uses an msdos label with a bootable root for BIOS', async () => {
    const fs = testFilesystem(40 * MiB);
    const s = await serve(fs);
    const host = new SparseHost();
    const disk = host.disk('/dev/sda', 512 * MiB);
    const result = await writeImage(
      host,
      {
        id: 'root.img',
        urls: [`${s.url}/root.img`],
        checksum: sha256(fs),
        image_type: 'partition',
        deploy_boot_mode: 'bios',
      },
      { device: '/dev/sda', config, logger },
    );
    const table = await readPartitionTable((o, l) => disk.read(o, l), 512, disk.size);
    expect(table?.kind).toBe('mbr');
    expect(table?.partitions).toHaveLength(1);
    expect(table?.partitions[0]).toMatchObject({
      number: 1,
      start: MiB,
      bootable: true,
      type: '0x83',
    });
    expect(table!.partitions[0]!.size).toBe(511 * MiB);
    expect(result.partitionUuids['root uuid']).toBe('1234-5678');
    expect(result.message).toBe('image (root.img) written to device /dev/sda root_uuid=1234-5678');
  });
});
