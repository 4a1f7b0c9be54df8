import { OPTIONS, type OptionName } from './options';

/**
 * The agent's settings, named as IPA names them (research/ipa.md §10.1). Times are in seconds,
 * as in IPA. Extensions of ours are marked.
 */
export interface AgentConfig {
  api_url: string[];
  global_request_id: string | null;
  listen_host: string;
  /** 0 binds an ephemeral port (our extension, for many agents in one process). */
  listen_port: number;
  advertise_host: string | null;
  /** null advertises the port actually bound (our extension; IPA defaults to 9999). */
  advertise_port: number | null;
  advertise_protocol: 'http' | 'https';
  standalone: boolean;
  debug: boolean;
  agent_token: string | null;
  /** Comma-separated URL list, used verbatim (IPA). */
  inspection_callback_url: string | null;
  inspection_collectors: string[];
  inspection_dhcp_wait_timeout: number;
  lookup_timeout: number;
  lookup_interval: number;
  http_request_timeout: number;
  insecure: boolean;
  cafile: string | null;
  certfile: string | null;
  keyfile: string | null;
  ironic_api_version: string | null;
  listen_tls: boolean;
  tls_cert_file: string | null;
  tls_key_file: string | null;
  enable_auto_tls: boolean;
  auto_tls_allowed_clock_skew: number;
  tls_min_version: '1.2' | '1.3';
  tls_cipher_suites: string | null;
  tls_certificate_curve: 'p256' | 'p384' | 'p521';
  ip_lookup_attempts: number;
  ip_lookup_sleep: number;
  network_interface: string | null;
  hardware_initialization_delay: number;
  disk_wait_attempts: number;
  disk_wait_delay: number;
  ntp_server: string | null;
  hardware_managers: string[];
  enable_vlan_interfaces: string;
  ignore_bootloader_failure: boolean | null;
  inject_files_priority: number;
  guard_special_filesystems: boolean;
  md5_enabled: boolean;
  config_drive_rebuild: boolean;
  disable_deep_image_inspection: boolean;
  permitted_image_formats: string[];
  disable_bootc_deploy: boolean;
  enable_bios_bootloader_install: boolean;
  collect_lldp: boolean;
  lldp_timeout: number;
  image_download_connection_timeout: number;
  image_download_connection_retries: number;
  image_download_connection_retry_interval: number;
  image_download_max_duration: number;
  /** Our extension: restricts the hardware managers to these block devices (empty: all). */
  block_devices: string[];
  shred_random_overwrite_iterations: number;
  shred_final_overwrite_with_zeros: boolean;
  continue_if_disk_secure_erase_fails: boolean;
  enable_ata_secure_erase: boolean;
  enable_nvme_secure_erase: boolean;
  disk_erasure_concurrency: number;
  erase_skip_read_only: boolean;
  max_request_body_bytes: number;
  log_ring_size: number;
  /** Raw `BOOTIF` kernel parameter, e.g. `01-aa-bb-cc-dd-ee-ff`. */
  bootif: string | null;
  /** Raw `boot_method` kernel parameter (`vmedia` …). */
  boot_method: string | null;
  /** Every `key=value` of the kernel command line, for extensions that read their own. */
  kernel_params: Readonly<Record<string, string>>;
}

// Compile-time check that the option table and the interface name the same options.
type Missing = Exclude<OptionName, keyof AgentConfig>;
const _allOptionsTyped: Missing extends never ? true : never = true;
void _allOptionsTyped;

/** IPA's defaults; `overrides` are applied on top without validation (for tests and the simulator). */
export function defaultAgentConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  const base: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const d = spec.default as unknown;
    base[name] = Array.isArray(d) ? [...(d as unknown[])] : d;
  }
  return {
    ...(base as unknown as AgentConfig),
    bootif: null,
    boot_method: null,
    kernel_params: {},
    ...overrides,
  };
}
