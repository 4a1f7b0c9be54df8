import type { NodeRow } from '../db/schema';

/**
 * What the agent's in-band `deploy.write_image` step receives as `args.image_info`, keyed and
 * valued as Ironic's `agent.py` builds it (research ipa.md §8.1), so a real IPA can consume it.
 */
export interface ImageInfo {
  id: string;
  urls: string[];
  disk_format: string | null;
  container_format: string | null;
  stream_raw_images: boolean;
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
  proxies?: { http?: string; https?: string };
  no_proxy?: string;
  node_uuid: string;
  image_type: 'whole-disk' | 'partition';
  // Partition images only (Ironic's PARTITION_IMAGE_LABELS plus boot settings):
  kernel?: unknown;
  ramdisk?: unknown;
  root_gb?: unknown;
  root_mb?: unknown;
  swap_mb?: unknown;
  ephemeral_mb?: unknown;
  ephemeral_format?: unknown;
  configdrive?: unknown;
  preserve_ephemeral?: unknown;
  deploy_boot_mode?: 'uefi' | 'bios';
  boot_option?: 'local';
  disk_label?: string;
}

const HASH_ALGOS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);
const HINT_STRINGS = new Set([
  'model',
  'wwn',
  'serial',
  'vendor',
  'wwn_with_extension',
  'wwn_vendor_extension',
  'name',
  'hctl',
  'by_path',
  'tran',
]);
const BOOL_TEXT = /^(true|false|yes|no|on|off|1|0|t|f|y|n)$/i;
const OPERATOR_INT = /^\s*(<=|>=|==|!=|<|>|=)?\s*\d+\s*$/;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;

/** `properties.capabilities` as Ironic parses it: "k1:v1,k2:v2" or an object. */
export function capabilities(node: NodeRow): Record<string, string> {
  const raw = node.properties.capabilities;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  }
  const out: Record<string, string> = {};
  if (typeof raw !== 'string') return out;
  for (const part of raw.split(',')) {
    const [k, ...rest] = part.split(':');
    if (k?.trim() && rest.length) out[k.trim()] = rest.join(':').trim();
  }
  return out;
}

/** Ironic's boot mode for a deploy: instance_info, then capabilities, default uefi. */
export function deployBootMode(node: NodeRow): 'uefi' | 'bios' {
  const own = str(node.instanceInfo.deploy_boot_mode) ?? capabilities(node).boot_mode;
  return own?.toLowerCase() === 'bios' ? 'bios' : 'uefi';
}

/** Whole-disk unless `image_type` says partition, or kernel and ramdisk are given. */
export function isWholeDiskImage(node: NodeRow): boolean {
  const ii = node.instanceInfo;
  if (ii.image_type === 'partition') return false;
  if (ii.image_type === 'whole-disk') return true;
  return !(str(ii.kernel) && str(ii.ramdisk));
}

/** Root device hints as IPA accepts them (research ipa.md §7); returns problems found. */
export function rootDeviceHintProblems(hints: unknown): string[] {
  if (hints === undefined || hints === null) return [];
  if (typeof hints !== 'object' || Array.isArray(hints)) return ['root_device must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(hints)) {
    if (key === 'size') {
      const ok =
        (typeof value === 'number' && Number.isInteger(value) && value > 0) ||
        (typeof value === 'string' && OPERATOR_INT.test(value));
      if (!ok) problems.push(`Root device hint "size" is not a positive integer: ${String(value)}`);
    } else if (key === 'rotational') {
      const ok = typeof value === 'boolean' || (typeof value === 'string' && BOOL_TEXT.test(value));
      if (!ok) problems.push(`Root device hint "rotational" is not a boolean: ${String(value)}`);
    } else if (HINT_STRINGS.has(key)) {
      if (typeof value !== 'string' || value.trim() === '') {
        problems.push(`Root device hint "${key}" must be a non-empty string`);
      }
    } else {
      problems.push(`No such root device hint "${key}"`);
    }
  }
  return problems;
}

/**
 * The deploy interface's validation (Ironic's `AgentDeploy.validate` for images that are not in
 * an image service): an http(s) `image_source`, a checksum, sane partition settings and root
 * device hints. Returns the first problem, or null.
 */
export function deployValidationError(node: NodeRow): string | null {
  const ii = node.instanceInfo;
  const source = str(ii.image_source);
  if (!source) {
    return `Node ${node.uuid} failed to validate deploy image info. Some parameters were missing. Missing are: ['instance_info.image_source']`;
  }
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `instance_info.image_source must be an http(s) URL for node ${node.uuid}: the embedded conductor has no image service (got ${source})`;
  }
  const algo = str(ii.image_os_hash_algo);
  const value = str(ii.image_os_hash_value);
  if (!str(ii.image_checksum) && !(algo && value)) {
    return `image_source's image_checksum or image_os_hash_algo and image_os_hash_value must be provided in instance_info for node ${node.uuid}`;
  }
  if (algo && !HASH_ALGOS.has(algo.toLowerCase())) {
    return `Unsupported image_os_hash_algo "${algo}" for node ${node.uuid}; expected one of ${[...HASH_ALGOS].join(', ')}`;
  }
  if (!isWholeDiskImage(node)) {
    const rootGb = Number(ii.root_gb);
    if (ii.root_gb === undefined || !Number.isInteger(rootGb) || rootGb <= 0) {
      return `Cannot validate parameter for driver deploy. Invalid parameter root_gb for partition image on node ${node.uuid}: a positive integer is required`;
    }
  }
  const problems = [
    ...rootDeviceHintProblems(node.properties.root_device),
    ...rootDeviceHintProblems(ii.root_device),
  ];
  if (problems.length) {
    return `Failed to validate the root device hints for node ${node.uuid}. Error: ${problems.join('; ')}`;
  }
  return null;
}

/** `args.image_info` of the in-band `deploy.write_image` step, as Ironic's `write_image` builds it. */
export function buildImageInfo(node: NodeRow): ImageInfo {
  const ii = node.instanceInfo;
  const source = String(ii.image_source);
  const info: ImageInfo = {
    id: source.split('/').at(-1) ?? source,
    urls: [str(ii.image_url) ?? source],
    disk_format: str(ii.image_disk_format) ?? null,
    container_format: str(ii.image_container_format) ?? null,
    stream_raw_images: true,
    node_uuid: node.uuid,
    image_type: isWholeDiskImage(node) ? 'whole-disk' : 'partition',
  };
  const checksum = str(ii.image_checksum);
  if (checksum) info.checksum = checksum;
  const algo = str(ii.image_os_hash_algo);
  const value = str(ii.image_os_hash_value);
  if (algo && value) {
    info.os_hash_algo = algo;
    info.os_hash_value = value;
  }
  const proxies: { http?: string; https?: string } = {};
  const httpProxy = str(node.driverInfo.image_http_proxy);
  const httpsProxy = str(node.driverInfo.image_https_proxy);
  if (httpProxy) proxies.http = httpProxy;
  if (httpsProxy) proxies.https = httpsProxy;
  if (httpProxy || httpsProxy) {
    info.proxies = proxies;
    const noProxy = str(node.driverInfo.image_no_proxy);
    if (noProxy) info.no_proxy = noProxy;
  }
  if (info.image_type === 'partition') {
    const rootGb = Number(ii.root_gb);
    info.kernel = ii.kernel ?? null;
    info.ramdisk = ii.ramdisk ?? null;
    info.root_gb = rootGb;
    info.root_mb = rootGb * 1024;
    info.swap_mb = Number(ii.swap_mb ?? 0);
    info.ephemeral_mb = Number(ii.ephemeral_gb ?? 0) * 1024;
    info.ephemeral_format = ii.ephemeral_format ?? null;
    info.configdrive = ii.configdrive ?? null;
    info.preserve_ephemeral = ii.preserve_ephemeral ?? false;
    info.deploy_boot_mode = deployBootMode(node);
    info.boot_option = 'local';
    const label = capabilities(node).disk_label;
    if (label) info.disk_label = label;
  }
  return info;
}
