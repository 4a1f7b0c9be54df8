import { type Hash, createHash } from 'node:crypto';
import { type Dispatcher, ProxyAgent, interceptors } from 'undici';
import { type Logger, createLogger } from '../../lib';
import type { LookupConfig } from '../../protocol';
import { StepError } from '../commands/errors';
import { type AgentConfig, defaultAgentConfig } from '../config/agent-config';
import { type BlockDevice, type Host, HostError } from '../host';
import { createClientDispatcher } from '../tls';
import { type ExpectedChecksum, resolveChecksum } from './checksum';
import { configDriveImage } from './config-drive';
import { DeviceWriter } from './device-writer';
import { formatEsp, preserveEfiAssets } from './efi-assets';
import {
  blockUuid,
  findEsp,
  placeConfigDrive,
  readTable,
  relocateBackupGpt,
  zeroRange,
} from './disk-finish';
import {
  ImageChecksumError,
  ImageDownloadError,
  ImageDownloadFatalError,
  ImageWriteError,
  InvalidImageError,
} from './errors';
import { type DownloadOptions, type DownloadSink, download, downloadText } from './http-download';
import { type ImageInfo, mib, validateImageInfo } from './image-info';
import { type Layout, planLayout, swapHeader } from './partition-layout';
import { type ImageWriteProgress, ProgressMeter } from './progress';
import { QCOW2_MAGIC, Qcow2StreamConverter } from './qcow2/stream-converter';

const MiB = 1024 * 1024;

export interface WriteImageOptions {
  /** The root device chosen by the hints (or a file standing in for one). */
  device: string;
  /** `configdrive` of prepare_image: URL, base64 gzip image, or a JSON object (ours). */
  configdrive?: unknown;
  signal?: AbortSignal;
  onProgress?: (progress: ImageWriteProgress) => void;
  /** Retries, timeouts, md5_enabled, permitted formats and outgoing TLS; IPA defaults if absent. */
  config?: AgentConfig;
  /** Settings Ironic pushed at lookup (`agent_md5_checksum_enable`, `permitted_image_formats`). */
  lookupConfig?: LookupConfig | null;
  /** Outgoing HTTP(S); by default one built from the config's TLS settings, closed afterwards. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Convert qcow2 with the host's qemu-img when it has one (default true). */
  useQemuImg?: boolean;
  /** Where qemu-img's input is downloaded (IPA: the temp dir, RAM in a ramdisk). */
  tempDir?: string;
  /** Bytes per device write (default 8 MiB). */
  writeBufferSize?: number;
}

/** IPA's `partition_uuids` as `standby.get_partition_uuids` returns them (keys with spaces). */
export type PartitionUuids = Record<string, unknown>;

export interface WriteImageResult {
  imageId: string;
  device: string;
  rootUuid: string | null;
  efiSystemPartitionUuid: string | null;
  partitionUuids: PartitionUuids;
  configDrivePartition: string | null;
  format: 'raw' | 'qcow2';
  method: 'stream' | 'qcow2-stream' | 'qemu-img';
  checksum: ExpectedChecksum;
  /** Image bytes received (after the last restart). */
  bytesDownloaded: number;
  /** Bytes of guest data on the disk (the raw image size or the qcow2 virtual size). */
  imageSize: number;
  durationMs: number;
  /** What prepare_image answers: `image (<id>) written to device <dev> root_uuid=<u>…`. */
  message: string;
}

interface Target {
  dev: BlockDevice;
  device: string;
  base: number;
  limit: number;
}

interface Written {
  digest: string;
  bytes: number;
  imageSize: number;
  method: WriteImageResult['method'];
}

/**
 * IPA's `prepare_image` write path (research/ipa.md §8): validates `image_info`, resolves the
 * checksum, streams the image onto `device` (raw: straight from the socket to the disk in large
 * aligned writes; qcow2: qemu-img when the host has it, else converted on the fly in
 * TypeScript), verifies the checksum, fixes the GPT, adds the config drive and reports the
 * UUIDs Ironic needs. Partition images get IPA's partition layout first. Download and checksum
 * failures are retried as IPA does; a final failure leaves the disk unbootable.
 */
export async function writeImage(
  host: Host,
  imageInfo: unknown,
  options: WriteImageOptions,
): Promise<WriteImageResult> {
  const config = options.config ?? defaultAgentConfig();
  const md5Enabled = options.lookupConfig?.agent_md5_checksum_enable ?? config.md5_enabled;
  validateImageInfo(imageInfo, { md5Enabled });
  const info: ImageInfo = imageInfo;
  const logger = (options.logger ?? createLogger({ name: 'image' })).child({ image: info.id });
  const clock = host.clock;
  const startedAt = clock.now();
  const format = diskFormat(
    info,
    options.lookupConfig?.permitted_image_formats ?? config.permitted_image_formats,
  );

  const own = options.dispatcher ? null : await createClientDispatcher(host, config, logger);
  const dispatcher = (options.dispatcher ?? own!).compose(
    interceptors.redirect({ maxRedirections: 5 }),
  );
  const proxies = proxyDispatchers(info);
  const downloadOptions: DownloadOptions = {
    imageId: info.id,
    urls: info.urls,
    clock,
    logger,
    dispatcher,
    dispatcherFor: (url) => proxies.pick(url),
    headers: authHeaders(info),
    connectionTimeoutMs: config.image_download_connection_timeout * 1000,
    retries: config.image_download_connection_retries,
    retryIntervalMs: config.image_download_connection_retry_interval * 1000,
    maxDurationMs: config.image_download_max_duration * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let dev: BlockDevice | null = null;
  try {
    const expected = await resolveChecksum(info, {
      md5Enabled,
      fetchText: (url) => downloadText(downloadOptions, url),
    });
    dev = await host.openBlockDevice(options.device, 'rw');
    const sectorSize = await logicalSectorSize(host, options.device);
    const configdrive = options.configdrive ?? info.configdrive ?? null;
    const fetchBytes = async (url: string) =>
      Buffer.from(
        await downloadText(
          { ...downloadOptions, dispatcherFor: () => dispatcher },
          url,
          64 * MiB + 1,
        ),
        'latin1',
      );

    let layout: Layout | null = null;
    let target: Target = { dev, device: options.device, base: 0, limit: dev.size };
    const partitionImage = info.image_type === 'partition';
    if (partitionImage) {
      layout = await createPartitions(
        dev,
        options.device,
        sectorSize,
        info,
        configdrive !== null && configdrive !== '',
        host,
        logger,
      );
      const root = layout.partitions.find((p) => p.role === 'root')!;
      target = { ...target, base: root.start, limit: root.size };
    } else if (dev.size > 4 * MiB) {
      // A backup GPT of an earlier deploy would otherwise survive at the end of the disk.
      await zeroRange(dev, dev.size - MiB, MiB);
    }

    const meter = new ProgressMeter(clock, options.onProgress);
    let written: Written;
    for (let attempt = 1; ; attempt++) {
      try {
        written = await writeOnce(
          host,
          target,
          format,
          expected,
          downloadOptions,
          meter,
          options,
          logger,
        );
        if (written.digest !== expected.value) {
          throw new ImageChecksumError(
            info.id,
            expected.location === 'image_info' ? info.urls[0]! : expected.location,
            expected.value,
            written.digest,
          );
        }
        break;
      } catch (err) {
        const retryable =
          err instanceof ImageChecksumError ||
          (err instanceof ImageDownloadError && !(err instanceof ImageDownloadFatalError));
        if (
          !retryable ||
          attempt > config.image_download_connection_retries ||
          options.signal?.aborted
        ) {
          await markNotDeployed(target, logger);
          throw err;
        }
        logger.warn(
          { attempt, err: errorText(err) },
          'image download or verification failed, retrying',
        );
      }
    }
    meter.update('finalize', written.imageSize, written.imageSize, true);
    const newEsp = layout?.partitions.find((p) => p.role === 'efi system partition');
    if (layout && newEsp) {
      const root = layout.partitions.find((p) => p.role === 'root')!;
      await preserveEfiAssets(dev, root, newEsp, sectorSize, logger);
    }

    let table = await readTable(dev, sectorSize);
    if (!partitionImage && table && (await relocateBackupGpt(dev, table))) {
      logger.info('moved the backup GPT to the end of the disk');
      table = await readTable(dev, sectorSize);
    }
    if (!table || table.partitions.length === 0) {
      throw new StepError(
        'DeploymentError',
        `No partitions found on the device ${options.device} after writing the image. The image is either corrupted or does not use ${sectorSize} bytes logical sectors as the disk does.`,
      );
    }

    let configDrivePartition: string | null = null;
    if (configdrive !== null && configdrive !== '') {
      const drive = await configDriveImage(configdrive, fetchBytes, sectorSize);
      let start: number;
      if (layout) {
        const part = layout.partitions.find((p) => p.role === 'configdrive')!;
        start = part.start;
        configDrivePartition = part.path;
      } else {
        const placed = await placeConfigDrive(dev, options.device, table, drive.size);
        start = placed.start;
        configDrivePartition = placed.path;
      }
      for (const w of drive.writes) await dev.write(start + w.offset, w.data);
      logger.info({ partition: configDrivePartition, kind: drive.kind }, 'config drive written');
    }
    await dev.flush();

    let partitionUuids: PartitionUuids;
    let rootUuid: string | null;
    let espUuid: string | null = null;
    if (layout) {
      const root = layout.partitions.find((p) => p.role === 'root')!;
      rootUuid = await blockUuid(dev, root.start, root.uuid);
      const esp = layout.partitions.find((p) => p.role === 'efi system partition');
      if (esp) espUuid = await blockUuid(dev, esp.start, esp.uuid);
      partitionUuids = {
        'root uuid': rootUuid,
        'efi system partition uuid': espUuid,
        partitions: Object.fromEntries(layout.partitions.map((p) => [p.role, p.path])),
      };
    } else {
      rootUuid = table.mbrSignature;
      const esp = findEsp((await readTable(dev, sectorSize)) ?? table);
      if (esp) espUuid = await blockUuid(dev, esp.start, esp.uuid);
      partitionUuids = {
        'root uuid': rootUuid,
        ...(espUuid ? { 'efi system partition uuid': espUuid } : {}),
      };
    }
    await rescan(host, options.device, options.signal);
    const durationMs = clock.now() - startedAt;
    logger.info(
      { device: options.device, method: written.method, bytes: written.bytes, durationMs },
      'image written and verified',
    );
    return {
      imageId: info.id,
      device: options.device,
      rootUuid,
      efiSystemPartitionUuid: espUuid,
      partitionUuids,
      configDrivePartition,
      format,
      method: written.method,
      checksum: expected,
      bytesDownloaded: written.bytes,
      imageSize: written.imageSize,
      durationMs,
      message: prepareImageMessage(info, options.device, partitionUuids),
    };
  } finally {
    await dev?.close().catch(() => undefined);
    await proxies.close();
    await own?.close();
  }
}

/** IPA's `_message_format`: the sentence prepare_image returns (Ironic reads the UUIDs out). */
export function prepareImageMessage(
  info: ImageInfo,
  device: string,
  uuids: PartitionUuids,
): string {
  const root = uuids['root uuid'];
  const esp = uuids['efi system partition uuid'];
  const base = `image (${info.id}) written to device ${device} root_uuid=${text(root ?? null)}`;
  return info.deploy_boot_mode === 'uefi' && esp
    ? `${base} efi_system_partition_uuid=${text(esp)}`
    : base;
}

function diskFormat(info: ImageInfo, permitted: readonly string[]): 'raw' | 'qcow2' {
  const requested = (info.disk_format ?? 'raw').toLowerCase();
  if (requested !== 'raw' && requested !== 'gpt' && requested !== 'qcow2') {
    throw new InvalidImageError(`image format ${requested} is not supported by this agent`);
  }
  if (!permitted.includes(requested)) {
    throw new InvalidImageError(
      `image format ${requested} is not permitted (permitted_image_formats: ${permitted.join(',')})`,
    );
  }
  return requested === 'qcow2' ? 'qcow2' : 'raw';
}

async function writeOnce(
  host: Host,
  target: Target,
  format: 'raw' | 'qcow2',
  expected: ExpectedChecksum,
  downloadOptions: DownloadOptions,
  meter: ProgressMeter,
  options: WriteImageOptions,
  logger: Logger,
): Promise<Written> {
  if (format === 'raw') return streamRaw(target, expected, downloadOptions, meter, options);
  if ((options.useQemuImg ?? true) && (await hasProgram(host, 'qemu-img'))) {
    return viaQemuImg(host, target, expected, downloadOptions, meter, options, logger);
  }
  return streamQcow2(target, expected, downloadOptions, meter, options);
}

async function streamRaw(
  t: Target,
  expected: ExpectedChecksum,
  dl: DownloadOptions,
  meter: ProgressMeter,
  options: WriteImageOptions,
): Promise<Written> {
  const writer = new DeviceWriter(t.dev, {
    base: t.base,
    limit: t.limit,
    bufferSize: options.writeBufferSize,
  });
  let hash: Hash = createHash(expected.algorithm);
  let pos = 0;
  let total: number | null = null;
  const sink: DownloadSink = {
    begin: async (offset, size) => {
      if (offset === 0) {
        await writer.discard();
        hash = createHash(expected.algorithm);
      }
      pos = offset;
      total = size;
      if (size !== null && size > t.limit) {
        throw new ImageWriteError(
          t.device,
          `the image (${size} bytes) is larger than the target (${t.limit} bytes)`,
        );
      }
    },
    data: async (chunk) => {
      hash.update(chunk);
      await writer.write(pos, chunk);
      pos += chunk.length;
      meter.update('download', pos, total);
    },
  };
  await download(dl, sink);
  await writer.flush();
  await t.dev.flush();
  return { digest: hash.digest('hex'), bytes: pos, imageSize: pos, method: 'stream' };
}

async function streamQcow2(
  t: Target,
  expected: ExpectedChecksum,
  dl: DownloadOptions,
  meter: ProgressMeter,
  options: WriteImageOptions,
): Promise<Written> {
  const writer = new DeviceWriter(t.dev, {
    base: t.base,
    limit: t.limit,
    bufferSize: options.writeBufferSize,
  });
  const makeConverter = () =>
    new Qcow2StreamConverter(
      { write: (offset, data) => writer.write(offset, data) },
      {
        onHeader: (h) => {
          if (h.virtualSize > t.limit) {
            throw new InvalidImageError(
              `the image's virtual size (${Math.ceil(h.virtualSize / MiB)} MiB) exceeds the target ${t.device} (${Math.floor(t.limit / MiB)} MiB)`,
            );
          }
        },
      },
    );
  let converter = makeConverter();
  let hash: Hash = createHash(expected.algorithm);
  let pos = 0;
  let total: number | null = null;
  await download(dl, {
    begin: async (offset, size) => {
      if (offset === 0) {
        await writer.discard();
        hash = createHash(expected.algorithm);
        converter = makeConverter();
      }
      pos = offset;
      total = size;
    },
    data: async (chunk) => {
      hash.update(chunk);
      await converter.push(chunk);
      pos += chunk.length;
      meter.update('download', pos, total);
    },
  });
  const digest = hash.digest('hex');
  if (digest !== expected.value)
    return { digest, bytes: pos, imageSize: 0, method: 'qcow2-stream' };
  await converter.end();
  const gaps = converter.unwrittenRanges();
  const zero = Buffer.alloc(Math.min(8 * MiB, Math.max(...gaps.map((g) => g.length), 0)));
  const zeroTotal = gaps.reduce((s, g) => s + g.length, 0);
  let zeroed = 0;
  for (const gap of gaps) {
    for (let done = 0; done < gap.length; done += zero.length) {
      const n = Math.min(zero.length, gap.length - done);
      await writer.write(gap.offset + done, zero.subarray(0, n));
      zeroed += n;
      meter.update('zero-fill', zeroed, zeroTotal);
    }
  }
  await writer.flush();
  await t.dev.flush();
  return { digest, bytes: pos, imageSize: converter.virtualSize ?? 0, method: 'qcow2-stream' };
}

/**
 * IPA's non-streamed path for qcow2: download to the temp dir, verify, check the format, then
 * `qemu-img convert` onto the disk (or the root partition, addressed by offset so no partition
 * device node is needed).
 */
async function viaQemuImg(
  host: Host,
  t: Target,
  expected: ExpectedChecksum,
  dl: DownloadOptions,
  meter: ProgressMeter,
  options: WriteImageOptions,
  logger: Logger,
): Promise<Written> {
  const tmp = `${options.tempDir ?? '/tmp'}/${dl.imageId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  await host.writeFile(tmp, '');
  const run = (args: string[], timeoutMs: number) =>
    host.run('qemu-img', args, {
      timeoutMs,
      env: { MALLOC_ARENA_MAX: '3' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  try {
    const file = await host.openBlockDevice(tmp, 'rw');
    let hash: Hash = createHash(expected.algorithm);
    let pos = 0;
    let total: number | null = null;
    let head = Buffer.alloc(0);
    try {
      const writer = new DeviceWriter(file, {
        limit: Number.MAX_SAFE_INTEGER,
        bufferSize: options.writeBufferSize,
      });
      await download(dl, {
        begin: async (offset, size) => {
          if (offset === 0) {
            await writer.discard();
            hash = createHash(expected.algorithm);
            head = Buffer.alloc(0);
          }
          pos = offset;
          total = size;
        },
        data: async (chunk) => {
          hash.update(chunk);
          if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8)]);
          await writer.write(pos, chunk);
          pos += chunk.length;
          meter.update('download', pos, total);
        },
      });
      await writer.flush();
    } finally {
      await file.close();
    }
    const digest = hash.digest('hex');
    if (digest !== expected.value) return { digest, bytes: pos, imageSize: 0, method: 'qemu-img' };
    if (head.length < 4 || head.readUInt32BE(0) !== QCOW2_MAGIC) {
      throw new InvalidImageError('image format mismatch: qcow2 expected, the image is not qcow2');
    }
    const infoOut = await run(['info', '--output=json', '-f', 'qcow2', tmp], 120_000);
    if (infoOut.exitCode !== 0)
      throw new InvalidImageError(`qemu-img info failed: ${infoOut.stderr.trim()}`);
    const details = JSON.parse(infoOut.stdout) as {
      'virtual-size'?: number;
      'backing-filename'?: string;
      'format-specific'?: { data?: { 'data-file'?: string } };
    };
    if (details['backing-filename'] || details['format-specific']?.data?.['data-file']) {
      throw new InvalidImageError('qcow2 images with a backing or data file are not allowed');
    }
    const virtualSize = details['virtual-size'] ?? 0;
    if (virtualSize > t.limit) {
      throw new InvalidImageError(
        `the image's virtual size (${virtualSize} bytes) exceeds the target (${t.limit} bytes)`,
      );
    }
    meter.update('convert', 0, 1, true);
    const whole = t.base === 0 && t.limit === t.dev.size;
    const args = whole
      ? ['convert', '-f', 'qcow2', '-O', 'raw', '-S', '0', '-n', tmp, t.device]
      : [
          'convert',
          '-f',
          'qcow2',
          '-S',
          '0',
          '-n',
          '--target-image-opts',
          tmp,
          `driver=raw,offset=${t.base},size=${t.limit},file.filename=${t.device}`,
        ];
    let out = await run(args, 4 * 3600_000);
    for (
      let i = 1;
      i < 3 &&
      out.exitCode !== 0 &&
      /Resource temporarily unavailable|Cannot allocate memory/.test(out.stderr);
      i++
    ) {
      logger.warn({ stderr: out.stderr.trim() }, 'qemu-img convert failed, retrying');
      out = await run(args, 4 * 3600_000);
    }
    if (out.exitCode !== 0)
      throw new ImageWriteError(
        t.device,
        `qemu-img convert: ${out.stderr.trim() || `exit ${out.exitCode}`}`,
      );
    meter.update('convert', 1, 1, true);
    return { digest, bytes: pos, imageSize: virtualSize, method: 'qemu-img' };
  } finally {
    await host.run('rm', ['-f', tmp]).catch(() => undefined);
  }
}

async function createPartitions(
  dev: BlockDevice,
  device: string,
  sectorSize: number,
  info: ImageInfo,
  withConfigDrive: boolean,
  host: Host,
  logger: Logger,
): Promise<Layout> {
  const bootMode = info.deploy_boot_mode === 'uefi' ? 'uefi' : 'bios';
  const label = bootMode === 'uefi' ? 'gpt' : info.disk_label === 'gpt' ? 'gpt' : 'msdos';
  const rootMb = mib(info.root_mb) || mib(info.root_gb) * 1024;
  const layout = planLayout({
    device,
    deviceSize: dev.size,
    sectorSize,
    bootMode,
    label,
    rootMb,
    swapMb: mib(info.swap_mb),
    ephemeralMb: mib(info.ephemeral_mb),
    configdriveMb: withConfigDrive ? 64 : 0,
  });
  // Old signatures at the disk's ends would confuse what reads the new table.
  await zeroRange(dev, 0, Math.min(MiB, dev.size));
  if (dev.size > 4 * MiB) await zeroRange(dev, dev.size - MiB, MiB);
  for (const w of layout.writes) await dev.write(w.offset, w.data);
  for (const p of layout.partitions) {
    if (p.role === 'efi system partition') {
      await formatEsp(dev, p, sectorSize, []);
    } else if (p.role === 'swap') {
      const w = swapHeader(p.size, 'swap1', p.uuid);
      await dev.write(p.start + w.offset, w.data);
    } else if (p.role === 'ephemeral' && !info.preserve_ephemeral) {
      await rescan(host, device);
      const fs = info.ephemeral_format ?? 'ext4';
      const out = await host.run('mkfs', ['-t', fs, '-L', 'ephemeral0', p.path], {
        timeoutMs: 3600_000,
      });
      if (out.exitCode !== 0)
        throw new StepError(
          'DeploymentError',
          `mkfs of the ephemeral partition failed: ${out.stderr.trim()}`,
        );
    }
  }
  await dev.flush();
  logger.info(
    { label, partitions: layout.partitions.map((p) => `${p.role}=${p.path}`) },
    'partitions created',
  );
  return layout;
}

/** A failed write must not boot: the first MiB of the disk and the end of what was written go. */
async function markNotDeployed(t: Target, logger: Logger): Promise<void> {
  try {
    await zeroRange(t.dev, 0, Math.min(MiB, t.dev.size));
    if (t.base > 0) await zeroRange(t.dev, t.base, Math.min(MiB, t.limit));
    await t.dev.flush();
    logger.warn({ device: t.device }, 'image not deployed: disk start wiped');
  } catch (err) {
    logger.error({ err: errorText(err) }, 'cannot wipe the disk after a failed write');
  }
}

async function logicalSectorSize(host: Host, device: string): Promise<number> {
  const name = device.split('/').pop() ?? '';
  for (const path of [
    `/sys/class/block/${name}/queue/logical_block_size`,
    `/sys/block/${name}/queue/logical_block_size`,
  ]) {
    const text = await host.readFile(path).catch(() => null);
    const n = text ? Number(text.trim()) : NaN;
    if (n === 512 || n === 4096) return n;
  }
  return 512;
}

async function hasProgram(host: Host, name: string): Promise<boolean> {
  try {
    const out = await host.run(name, ['--version'], { timeoutMs: 30_000 });
    return out.exitCode === 0;
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') return false;
    return false;
  }
}

/** Lets the kernel see the new partitions (IPA: partprobe, udevadm settle); absent tools are fine. */
async function rescan(host: Host, device: string, signal?: AbortSignal): Promise<void> {
  if (!device.startsWith('/dev/')) return;
  for (const [cmd, args] of [
    ['partprobe', [device]],
    ['udevadm', ['settle']],
  ] as const) {
    await host
      .run(cmd, args, { timeoutMs: 120_000, ...(signal ? { signal } : {}) })
      .catch(() => undefined);
  }
}

function authHeaders(info: ImageInfo): Record<string, string> {
  if (info.image_request_authorization) {
    return {
      authorization: Buffer.from(info.image_request_authorization, 'base64').toString('utf8'),
    };
  }
  if (info.image_server_auth_strategy === 'http_basic') {
    if (!info.image_server_user || !info.image_server_password) {
      throw new ImageDownloadError(
        info.id,
        'http_basic authentication needs image_server_user and image_server_password',
      );
    }
    const token = Buffer.from(`${info.image_server_user}:${info.image_server_password}`).toString(
      'base64',
    );
    return { authorization: `Basic ${token}` };
  }
  return {};
}

/** `proxies` per URL scheme, skipped for hosts in `no_proxy` (suffix match, `*` for all). */
function proxyDispatchers(info: ImageInfo) {
  const made = new Map<string, ProxyAgent>();
  const noProxy = (info.no_proxy ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  return {
    pick(url: string): Dispatcher | undefined {
      const proxies = info.proxies;
      if (!proxies) return undefined;
      const u = new URL(url);
      const scheme = u.protocol === 'https:' ? 'https' : 'http';
      const proxy = proxies[scheme];
      if (!proxy) return undefined;
      const host = u.hostname.toLowerCase();
      if (
        noProxy.some(
          (n) =>
            n === '*' ||
            host === n.replace(/^\./, '') ||
            host.endsWith(n.startsWith('.') ? n : `.${n}`),
        )
      ) {
        return undefined;
      }
      let agent = made.get(proxy);
      if (!agent) {
        agent = new ProxyAgent({ uri: proxy });
        made.set(proxy, agent);
      }
      return agent;
    },
    async close() {
      await Promise.all([...made.values()].map((a) => a.close().catch(() => undefined)));
    },
  };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
