import { z } from 'zod';

/**
 * IPA's `[DEFAULT]` options (research/ipa.md §10.1) that this agent understands: name, kind,
 * default and the kernel parameter that sets it. Every option is also a CLI flag
 * (`--listen-port`), like oslo.config's CLI options.
 */
export type OptionKind =
  'string' | 'bool' | 'int' | 'float' | 'port' | 'url-list' | 'list' | 'enum';

export interface OptionSpec {
  kind: OptionKind;
  default: unknown;
  /** Kernel command line parameter, e.g. `ipa-listen-port`. */
  kernel?: string;
  /** Allowed values for `enum`. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Only the CLI/file can set it (IPA reads it from no kernel parameter). */
  help?: string;
}

const url = /^https?:\/\/[^\s/]+/i;

export const OPTIONS = {
  api_url: { kind: 'url-list', default: [], kernel: 'ipa-api-url' },
  global_request_id: { kind: 'string', default: null, kernel: 'ipa-global-request-id' },
  listen_host: { kind: 'string', default: '::', kernel: 'ipa-listen-host' },
  listen_port: { kind: 'port', default: 9999, kernel: 'ipa-listen-port' },
  advertise_host: { kind: 'string', default: null, kernel: 'ipa-advertise-host' },
  advertise_port: { kind: 'port', default: null, kernel: 'ipa-advertise-port' },
  advertise_protocol: {
    kind: 'enum',
    default: 'http',
    kernel: 'ipa-advertise-protocol',
    choices: ['http', 'https'],
  },
  standalone: { kind: 'bool', default: false },
  debug: { kind: 'bool', default: false, kernel: 'ipa-debug' },
  agent_token: { kind: 'string', default: null, kernel: 'ipa-agent-token' },
  inspection_callback_url: {
    kind: 'string',
    default: null,
    kernel: 'ipa-inspection-callback-url',
  },
  inspection_collectors: {
    kind: 'list',
    default: ['default', 'logs'],
    kernel: 'ipa-inspection-collectors',
  },
  inspection_dhcp_wait_timeout: {
    kind: 'int',
    default: 60,
    min: 0,
    kernel: 'ipa-inspection-dhcp-wait-timeout',
  },
  lookup_timeout: { kind: 'int', default: 600, min: 0, kernel: 'ipa-lookup-timeout' },
  lookup_interval: { kind: 'int', default: 1, min: 0, kernel: 'ipa-lookup-interval' },
  http_request_timeout: {
    kind: 'int',
    default: 30,
    min: 1,
    kernel: 'ipa-http-request-timeout',
  },
  insecure: { kind: 'bool', default: false, kernel: 'ipa-insecure' },
  cafile: { kind: 'string', default: null },
  certfile: { kind: 'string', default: null },
  keyfile: { kind: 'string', default: null },
  ironic_api_version: { kind: 'string', default: null, kernel: 'ipa-ironic-api-version' },
  listen_tls: { kind: 'bool', default: false },
  tls_cert_file: { kind: 'string', default: null },
  tls_key_file: { kind: 'string', default: null },
  enable_auto_tls: { kind: 'bool', default: true },
  auto_tls_allowed_clock_skew: { kind: 'int', default: 3600, min: 0 },
  tls_min_version: {
    kind: 'enum',
    default: '1.2',
    kernel: 'ipa-tls-min-version',
    choices: ['1.2', '1.3'],
  },
  tls_cipher_suites: { kind: 'string', default: null, kernel: 'ipa-tls-cipher-suites' },
  tls_certificate_curve: {
    kind: 'enum',
    default: 'p384',
    kernel: 'ipa-tls-certificate-curve',
    choices: ['p256', 'p384', 'p521'],
  },
  ip_lookup_attempts: { kind: 'int', default: 6, min: 1, kernel: 'ipa-ip-lookup-attempts' },
  ip_lookup_sleep: { kind: 'int', default: 10, min: 0, kernel: 'ipa-ip-lookup-timeout' },
  network_interface: { kind: 'string', default: null, kernel: 'ipa-network-interface' },
  hardware_initialization_delay: {
    kind: 'int',
    default: 0,
    min: 0,
    kernel: 'ipa-hardware-initialization-delay',
  },
  disk_wait_attempts: { kind: 'int', default: 10, min: 0, kernel: 'ipa-disk-wait-attempts' },
  disk_wait_delay: { kind: 'int', default: 3, min: 0, kernel: 'ipa-disk-wait-delay' },
  ntp_server: { kind: 'string', default: null, kernel: 'ipa-ntp-server' },
  hardware_managers: { kind: 'list', default: [] },
  enable_vlan_interfaces: { kind: 'string', default: '', kernel: 'ipa-enable-vlan-interfaces' },
  ignore_bootloader_failure: {
    kind: 'bool',
    default: null,
    kernel: 'ipa-ignore-bootloader-failure',
  },
  inject_files_priority: {
    kind: 'int',
    default: 0,
    min: 0,
    max: 99,
    kernel: 'ipa-inject-files-priority',
  },
  guard_special_filesystems: {
    kind: 'bool',
    default: true,
    kernel: 'ipa-guard-special-filesystems',
  },
  md5_enabled: { kind: 'bool', default: true },
  config_drive_rebuild: { kind: 'bool', default: false },
  disable_deep_image_inspection: { kind: 'bool', default: false },
  permitted_image_formats: { kind: 'list', default: ['raw', 'gpt', 'qcow2'] },
  disable_bootc_deploy: { kind: 'bool', default: false },
  enable_bios_bootloader_install: { kind: 'bool', default: false },
  collect_lldp: { kind: 'bool', default: false, kernel: 'ipa-collect-lldp' },
  lldp_timeout: { kind: 'float', default: 30, min: 0, kernel: 'ipa-lldp-timeout' },
  image_download_connection_timeout: {
    kind: 'int',
    default: 60,
    min: 1,
    kernel: 'ipa-image-download-connection-timeout',
  },
  image_download_connection_retries: {
    kind: 'int',
    default: 9,
    min: 0,
    kernel: 'ipa-image-download-connection-retries',
  },
  image_download_connection_retry_interval: {
    kind: 'int',
    default: 10,
    min: 0,
    kernel: 'ipa-image-download-connection-retry-interval',
  },
  image_download_max_duration: {
    kind: 'int',
    default: 0,
    min: 0,
    kernel: 'ipa-image-download-max-duration',
  },
  /**
   * Our addition: the only block devices the hardware managers see (paths; loop devices and
   * regular files are accepted), so destructive steps on a workstation touch nothing else.
   * Empty: every disk, as IPA. In standalone mode destructive steps require it.
   */
  block_devices: { kind: 'list', default: [] },
  /*
   * Ironic's [deploy] erase settings, used when the node's driver_internal_info does not carry
   * them (research/ipa.md §5.2); Ironic normally sends them with every node.
   */
  shred_random_overwrite_iterations: { kind: 'int', default: 1, min: 0 },
  shred_final_overwrite_with_zeros: { kind: 'bool', default: true },
  continue_if_disk_secure_erase_fails: { kind: 'bool', default: false },
  enable_ata_secure_erase: { kind: 'bool', default: true },
  enable_nvme_secure_erase: { kind: 'bool', default: true },
  /** IPA erases one disk at a time unless told otherwise (Ironic sends 4). */
  disk_erasure_concurrency: { kind: 'int', default: 1, min: 1 },
  erase_skip_read_only: { kind: 'bool', default: false },
  /** Our addition: largest accepted request body of the REST API, in bytes. */
  max_request_body_bytes: { kind: 'int', default: 128 * 1024 * 1024, min: 1024 },
  /** Our addition: log records kept in memory for the console and collect_system_logs. */
  log_ring_size: { kind: 'int', default: 2000, min: 10 },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** Parsed values are checked by the same zod schema whatever their source. */
export function optionSchema(spec: OptionSpec): z.ZodType {
  const nullable = spec.default === null;
  let schema: z.ZodType;
  switch (spec.kind) {
    case 'string':
      schema = z.string();
      break;
    case 'bool':
      schema = z.boolean();
      break;
    case 'int': {
      let s = z.number().int();
      if (spec.min !== undefined) s = s.min(spec.min);
      if (spec.max !== undefined) s = s.max(spec.max);
      schema = s;
      break;
    }
    case 'float': {
      let s = z.number();
      if (spec.min !== undefined) s = s.min(spec.min);
      schema = s;
      break;
    }
    case 'port':
      schema = z.number().int().min(0).max(65535);
      break;
    case 'url-list':
      schema = z.array(z.string().regex(url));
      break;
    case 'list':
      schema = z.array(z.string());
      break;
    case 'enum':
      schema = z.enum(spec.choices as [string, ...string[]]);
      break;
  }
  return nullable ? schema.nullable() : schema;
}

/** What "is not a …" says when a text value does not convert. */
export function kindDescription(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'string':
      return 'a string';
    case 'bool':
      return 'a boolean';
    case 'int':
      return spec.min !== undefined || spec.max !== undefined
        ? `an integer${range(spec)}`
        : 'an integer';
    case 'float':
      return `a number${range(spec)}`;
    case 'port':
      return 'a port';
    case 'url-list':
      return 'a comma-separated list of http(s) URLs';
    case 'list':
      return 'a comma-separated list';
    case 'enum':
      return `one of ${(spec.choices ?? []).join(', ')}`;
  }
}

function range(spec: OptionSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` in ${spec.min}..${spec.max}`;
  if (spec.min !== undefined) return ` >= ${spec.min}`;
  if (spec.max !== undefined) return ` <= ${spec.max}`;
  return '';
}

const TRUE = new Set(['true', '1', 'yes', 'on', 'y', 't']);
const FALSE = new Set(['false', '0', 'no', 'off', 'n', 'f']);

/** Converts text from a file, the kernel command line or a flag; `undefined` = not convertible. */
export function convertText(spec: OptionSpec, text: string): unknown {
  const t = text.trim();
  switch (spec.kind) {
    case 'string':
      return text;
    case 'bool': {
      const l = t.toLowerCase();
      if (TRUE.has(l)) return true;
      if (FALSE.has(l)) return false;
      return undefined;
    }
    case 'int':
    case 'port':
      return /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
    case 'float':
      return t !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined;
    case 'url-list':
    case 'list':
      return t === ''
        ? []
        : t
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    case 'enum':
      return t.toLowerCase();
  }
}
