import { join } from 'node:path';

/** Where one throw-away Ironic keeps everything: all under a single temporary directory. */
export interface IronicLayout {
  dir: string;
  conf: string;
  database: string;
  log: string;
  stateDir: string;
  lockDir: string;
  tftpRoot: string;
  httpRoot: string;
  imagesDir: string;
  masterImagesDir: string;
  /** Stand-ins for the IPA kernel and ramdisk: Ironic caches them, the simulator never reads them. */
  deployKernel: string;
  deployRamdisk: string;
}

export function ironicLayout(dir: string): IronicLayout {
  return {
    dir,
    conf: join(dir, 'ironic.conf'),
    database: join(dir, 'ironic.sqlite'),
    log: join(dir, 'ironic.log'),
    stateDir: join(dir, 'state'),
    lockDir: join(dir, 'locks'),
    tftpRoot: join(dir, 'tftpboot'),
    httpRoot: join(dir, 'httpboot'),
    imagesDir: join(dir, 'images'),
    masterImagesDir: join(dir, 'master_images'),
    deployKernel: join(dir, 'ipa.kernel'),
    deployRamdisk: join(dir, 'ipa.initramfs'),
  };
}

export type ConfValue = string | number | boolean;
export type ConfSections = Record<string, Record<string, ConfValue>>;

export interface IronicConfOptions {
  layout: IronicLayout;
  /** Loopback address Ironic's API binds and advertises. */
  host: string;
  apiPort: number;
  /** `[deploy] http_url`: the HTTP server serving `layout.httpRoot` (ours, in the harness). */
  httpUrl: string;
  /** Sent to agents at lookup as `heartbeat_timeout` (they beat every 0.3–0.6 of it). */
  ramdiskHeartbeatTimeoutS?: number;
  /**
   * How long Ironic waits in `clean wait` / `wait call-back` before failing the node. Ironic's
   * 1800 s default would hide a stuck agent behind any test timeout; a short one fails loudly.
   */
  callbackTimeoutS?: number;
  /** Overrides for the agent's erase steps' priorities (`[deploy] erase_devices*_priority`). */
  eraseDevicesPriority?: number;
  eraseDevicesMetadataPriority?: number;
  /** Anything else, merged over the defaults section by section. */
  overrides?: ConfSections;
}

/**
 * An ironic.conf for one real Ironic (Debian's 21.4) in a single process on loopback: API and
 * conductor together without RPC, SQLite, no Keystone, no DHCP, no Neutron. Hardware types
 * redfish and ipmi (plus fake-hardware) with the `pxe` boot interface, whose files land in a
 * TFTP root nobody serves: the simulator network-boots the agent without reading them.
 */
export function ironicConfSections(options: IronicConfOptions): ConfSections {
  const { layout, host } = options;
  const api = `http://${host}:${options.apiPort}`;
  const timeout = options.callbackTimeoutS ?? 180;
  const deploy: Record<string, ConfValue> = {
    http_url: options.httpUrl,
    http_root: layout.httpRoot,
    fast_track: false,
    iso_master_path: join(layout.stateDir, 'master_iso_images'),
    // The simulator's machines report their boot mode; Ironic 21.4 defaults to UEFI anyway.
    default_boot_mode: 'uefi',
  };
  if (options.eraseDevicesPriority !== undefined) {
    deploy.erase_devices_priority = options.eraseDevicesPriority;
  }
  if (options.eraseDevicesMetadataPriority !== undefined) {
    deploy.erase_devices_metadata_priority = options.eraseDevicesMetadataPriority;
  }
  const sections: ConfSections = {
    DEFAULT: {
      auth_strategy: 'noauth',
      // API and conductor in one process (`ironic.cmd.singleprocess`) need no message bus.
      rpc_transport: 'none',
      host: 'interop-conductor',
      my_ip: host,
      state_path: layout.stateDir,
      tempdir: layout.stateDir,
      debug: true,
      log_file: layout.log,
      use_stderr: false,
      enabled_hardware_types: 'redfish,ipmi,fake-hardware',
      enabled_boot_interfaces: 'pxe,fake',
      default_boot_interface: 'pxe',
      enabled_deploy_interfaces: 'direct,fake',
      default_deploy_interface: 'direct',
      enabled_power_interfaces: 'redfish,ipmitool,fake',
      enabled_management_interfaces: 'redfish,ipmitool,fake',
      enabled_network_interfaces: 'noop',
      default_network_interface: 'noop',
      enabled_inspect_interfaces: 'no-inspect',
      default_inspect_interface: 'no-inspect',
      enabled_bios_interfaces: 'no-bios',
      enabled_raid_interfaces: 'no-raid,agent',
      default_raid_interface: 'no-raid',
      enabled_vendor_interfaces: 'no-vendor',
      enabled_console_interfaces: 'no-console',
      enabled_rescue_interfaces: 'no-rescue',
    },
    database: { connection: `sqlite:///${layout.database}` },
    api: {
      host_ip: host,
      port: options.apiPort,
      api_workers: 1,
      ramdisk_heartbeat_timeout: options.ramdiskHeartbeatTimeoutS ?? 300,
    },
    conductor: {
      automated_clean: true,
      clean_callback_timeout: timeout,
      deploy_callback_timeout: timeout,
      check_provision_state_interval: 10,
      // Deploy kernel/ramdisk are file:// URLs into the temporary directory.
      file_url_allowed_paths: layout.dir,
    },
    deploy,
    agent: {
      // Where Ironic stores each agent's auto-TLS certificate (default /var/lib/ironic/...).
      certificates_path: join(layout.stateDir, 'certificates'),
      // Ramdisk logs Ironic fetches from the agent when a step fails (log.collect_system_logs).
      deploy_logs_local_path: join(layout.dir, 'deploy-logs'),
      // Ironic asks the agent to power off at the end of a deploy; poll the result briskly.
      post_deploy_get_power_state_retry_interval: 1,
      post_deploy_get_power_state_retries: 30,
    },
    pxe: {
      tftp_root: layout.tftpRoot,
      tftp_master_path: join(layout.tftpRoot, 'master_images'),
      images_path: layout.imagesDir,
      instance_master_path: layout.masterImagesDir,
    },
    ipmi: {
      // Ironic waits 5 s between ipmitool calls by default; the simulated BMC needs no rest.
      min_command_interval: 1,
      command_retry_timeout: 30,
    },
    redfish: {
      connection_attempts: 3,
      connection_retry_interval: 1,
    },
    dhcp: { dhcp_provider: 'none' },
    // Where agents are told to find the API (`ipa-api-url`): no Keystone catalog here.
    service_catalog: { endpoint_override: api, auth_type: 'none' },
    oslo_concurrency: { lock_path: layout.lockDir },
  };
  for (const [section, values] of Object.entries(options.overrides ?? {})) {
    sections[section] = { ...sections[section], ...values };
  }
  return sections;
}

export function renderConf(sections: ConfSections): string {
  const lines: string[] = ['# Written by the interop harness for one test run; safe to delete.'];
  for (const [section, values] of Object.entries(sections)) {
    lines.push('', `[${section}]`);
    for (const [key, value] of Object.entries(values)) {
      const text = typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
      if (/[\r\n]/.test(text)) throw new RangeError(`[${section}] ${key}: newline in value`);
      lines.push(`${key} = ${text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
