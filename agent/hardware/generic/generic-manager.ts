import { HostError } from '../../host';
import { validateImageInfo, writeImage } from '../../image';
import { collectInventory } from '../../inventory';
import {
  BlockDeviceEraseError,
  CommandExecutionError,
  DeviceNotFound,
  IncompatibleHardwareMethodError,
} from '../errors';
import type {
  HardwareManager,
  ManagerEnv,
  ManagerKwargs,
  ManagerMethod,
  NodeInfo,
  StepDefinition,
} from '../manager';
import { HardwareSupport } from '../support';
import { ataSecureErase } from './ata-erase';
import { type BlockDevice, listBlockDevices } from './block-devices';
import { burninCpu, burninDisk, burninMemory, burninNetwork } from './burnin';
import { destroyDiskMetadata } from './destroy-metadata';
import {
  isLinuxRaidMember,
  isReadOnlyDevice,
  isVirtualMediaDevice,
  safetyCheckBlockDevice,
} from './device-checks';
import { eraseOptions } from './erase-options';
import { isObject, nodeSection } from './node-info';
import { isNvme, nvmeSecureErase } from './nvme-erase';
import { overwriteBlockDevice } from './overwrite';
import { DeviceProgress } from './progress';
import { chooseRootDevice, rootDeviceHints } from './root-device';
import { applySkipList, skipListFromNode } from './skip-list';
import {
  createSoftwareRaid,
  deleteSoftwareRaid,
  type RaidConfig,
  validateRaidConfig,
} from './software-raid';
import { GENERIC_CLEAN_STEPS, genericDeploySteps, genericServiceSteps } from './steps';

/** How a device was erased; `erase_devices` reports one per device. */
export interface EraseOutcome {
  method: 'nvme-format' | 'ata-secure-erase' | 'shred' | 'skipped';
  detail?: string;
  passes?: number;
  bytes_written?: number;
}

export interface GenericHardwareManagerOptions {
  /** The image writer of the `write_image` step (tests replace it). */
  writeImage?: typeof writeImage;
}

/** Receives one device's progress while several devices are erased together. */
export type DeviceProgressSink = (fraction: number, note: string, newlyWritten: number) => void;

const nodeOf = (kwargs: ManagerKwargs, env: ManagerEnv): NodeInfo | null => kwargs.node ?? env.node;

/**
 * IPA's GenericHardwareManager (research/ipa.md §4–§7) over the Host port: inventory, block
 * devices, the root device, disk erasure, software RAID and burn-in. Subclass it and override
 * a method (e.g. `eraseBlockDevice`) to change one behaviour; `methods` follows the overrides.
 */
export class GenericHardwareManager implements HardwareManager {
  readonly name = 'generic_hardware_manager';
  readonly version = '1.2';
  readonly className: string = 'GenericHardwareManager';
  readonly methods: Readonly<Record<string, ManagerMethod>>;
  private readonly imageWriter: typeof writeImage;

  constructor(options: GenericHardwareManagerOptions = {}) {
    this.imageWriter = options.writeImage ?? writeImage;
    this.methods = {
      list_hardware_info: (kw, env) => this.listHardwareInfo(kw, env),
      list_block_devices: (kw, env) => this.listBlockDevices(kw, env),
      list_block_devices_check_skip_list: (kw, env) => this.listBlockDevicesCheckSkipList(kw, env),
      get_os_install_device: (kw, env) => this.getOsInstallDevice(kw, env),
      wait_for_disks: (kw, env) => this.waitForDisks(kw, env),
      erase_block_device: (kw, env) => this.eraseBlockDevice(kw, env),
      erase_devices: (kw, env) => this.eraseDevices(kw, env),
      erase_devices_metadata: (kw, env) => this.eraseDevicesMetadata(kw, env),
      erase_devices_express: (kw, env) => this.eraseDevicesExpress(kw, env),
      erase_pstore: (kw, env) => this.erasePstore(kw, env),
      validate_configuration: (kw) => this.validateConfiguration(kw),
      create_configuration: (kw, env) => this.createConfiguration(kw, env),
      apply_configuration: (kw, env) => this.applyConfiguration(kw, env),
      delete_configuration: (kw, env) => this.deleteConfiguration(kw, env),
      burnin_cpu: (kw, env) => this.burninCpu(kw, env),
      burnin_memory: (kw, env) => this.burninMemory(kw, env),
      burnin_disk: (kw, env) => this.burninDisk(kw, env),
      burnin_network: (kw, env) => this.burninNetwork(kw, env),
      full_sync: (kw, env) => this.fullSync(kw, env),
      write_image: (kw, env) => this.writeImage(kw, env),
    };
  }

  /**
   * IPA prepares the machine here (iSCSI boot sessions, RAID assembly, IPMI modules) and waits
   * for the root disk. A standalone agent, or one given `block_devices`, runs on someone's
   * workstation: it leaves their iSCSI sessions, arrays and kernel modules alone.
   */
  async evaluateHardwareSupport(env: ManagerEnv): Promise<number> {
    if (!env.config.standalone && env.config.block_devices.length === 0) {
      if (await tryRun(env, 'iscsistart', ['-f'])) await tryRun(env, 'iscsistart', ['-b']);
      await tryRun(env, 'mdadm', ['--assemble', '--scan', '--verbose']);
      for (const mod of ['ipmi_msghandler', 'ipmi_devintf', 'ipmi_si']) {
        await tryRun(env, 'modprobe', [mod]);
      }
    }
    await this.waitForDisks({}, env);
    return HardwareSupport.GENERIC;
  }

  getCleanSteps(): StepDefinition[] {
    return GENERIC_CLEAN_STEPS.map((s) => ({ ...s }));
  }

  getDeploySteps(): StepDefinition[] {
    return genericDeploySteps(true);
  }

  getServiceSteps(): StepDefinition[] {
    return genericServiceSteps(true);
  }

  // ---- inventory and devices -------------------------------------------------------------

  async listHardwareInfo(kwargs: ManagerKwargs, env: ManagerEnv): Promise<unknown> {
    return collectInventory(env.host, {
      logger: env.logger,
      signal: env.signal,
      skipBmcDetect: kwargs.skip_bmc_detect === true,
    });
  }

  async listBlockDevices(kwargs: ManagerKwargs, env: ManagerEnv): Promise<BlockDevice[]> {
    return listBlockDevices(env, { includePartitions: kwargs.include_partitions === true });
  }

  /** The devices cleaning and deployment may touch: the node's skip list removed. */
  async listBlockDevicesCheckSkipList(
    kwargs: ManagerKwargs,
    env: ManagerEnv,
  ): Promise<BlockDevice[]> {
    const devices = await listBlockDevices(env, {
      includePartitions: kwargs.include_partitions === true,
    });
    const skip = await skipListFromNode(env, nodeOf(kwargs, env), devices);
    if (skip.size > 0)
      env.logger.info({ skip: [...skip] }, 'skipping devices named by skip_block_devices');
    return applySkipList(devices, skip);
  }

  async getOsInstallDevice(kwargs: ManagerKwargs, env: ManagerEnv): Promise<string> {
    const node = nodeOf(kwargs, env);
    const devices = await this.listBlockDevicesCheckSkipList({ node }, env);
    const hints = rootDeviceHints(node);
    const dev = chooseRootDevice(devices, hints);
    env.logger.info({ device: dev.name, hints }, 'picked the root device');
    return dev.name;
  }

  /** Waits (disk_wait_attempts × disk_wait_delay) for the root device to appear. */
  async waitForDisks(kwargs: ManagerKwargs, env: ManagerEnv): Promise<void> {
    const attempts = env.config.disk_wait_attempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.getOsInstallDevice(kwargs, env);
        return;
      } catch (err) {
        if (!(err instanceof DeviceNotFound)) {
          env.logger.warn(
            { err: errorText(err) },
            'cannot list block devices; not waiting for disks',
          );
          return;
        }
        env.logger.debug({ attempt, attempts }, 'still waiting for the root device to appear');
        if (attempt < attempts)
          await env.host.clock.sleep(env.config.disk_wait_delay * 1000, env.signal);
      }
    }
    if (attempts > 0) env.logger.warn('the root device was not detected');
  }

  // ---- erasure ---------------------------------------------------------------------------

  /**
   * One device, the most secure way available (research/ipa.md §5.2): NVMe format or ATA
   * secure erase, else the overwrite. A failed secure erase falls back to the overwrite only
   * when `agent_continue_if_secure_erase_failed` allows it.
   */
  async eraseBlockDevice(kwargs: ManagerKwargs, env: ManagerEnv): Promise<EraseOutcome> {
    const dev = kwargs.block_device as BlockDevice | undefined;
    if (!dev || typeof dev.name !== 'string')
      throw new TypeError('erase_block_device needs block_device');
    const node = nodeOf(kwargs, env);
    const opts = eraseOptions(node, env.config);
    const sink: DeviceProgressSink =
      typeof kwargs.progress === 'function'
        ? (kwargs.progress as DeviceProgressSink)
        : (fraction, note) => env.reportProgress({ fraction, message: `${dev.name}: ${note}` });

    if (await isVirtualMediaDevice(env, dev)) return skipped(env, dev, 'virtual media device');
    if (await isLinuxRaidMember(env, dev)) return skipped(env, dev, 'Linux RAID member');
    if (await isReadOnlyDevice(env, dev)) {
      if (opts.skipReadOnly) return skipped(env, dev, 'read-only device');
      throw new BlockDeviceEraseError(
        `Failed to invoke erase of device ${dev.name} as the device is flagged read-only, and ` +
          'the conductor has not signaled this is a permitted case.',
      );
    }
    let secureError: string | null = null;
    try {
      if (isNvme(dev)) {
        if (opts.nvmeSecureErase) {
          sink(0, 'NVMe secure format', 0);
          const ses = await nvmeSecureErase(env, dev);
          return {
            method: 'nvme-format',
            detail: ses === 2 ? 'cryptographic erase' : 'user data erase',
          };
        }
      } else if (opts.ataSecureErase) {
        sink(0, 'ATA secure erase', 0);
        if (await ataSecureErase(env, dev)) return { method: 'ata-secure-erase' };
      }
    } catch (err) {
      if (!(err instanceof BlockDeviceEraseError)) throw err;
      if (!opts.continueIfSecureEraseFailed) {
        throw new IncompatibleHardwareMethodError(
          `Failed to invoke secure erase, fallback to shred is not enabled: ${err.details}`,
        );
      }
      secureError = err.details;
      env.logger.warn(
        { device: dev.name, err: err.details },
        'secure erase failed, falling back to shred',
      );
    }
    try {
      const result = await overwriteBlockDevice(env.host, dev.name, {
        iterations: opts.iterations,
        zeroize: opts.zeroize,
        signal: env.signal,
        onProgress: (p) => sink(p.fraction, `shred pass ${p.pass} of ${p.passes}`, p.newlyWritten),
      });
      return {
        method: 'shred',
        passes: result.passes,
        bytes_written: result.bytesWritten,
        ...(secureError ? { detail: `after secure erase failed: ${secureError}` } : {}),
      };
    } catch (err) {
      if (env.signal.aborted) throw err;
      throw new IncompatibleHardwareMethodError(
        `Unable to erase block device ${dev.name}: ${errorText(err)}`,
      );
    }
  }

  /**
   * Every whole disk, `disk_erasure_concurrency` at a time. A failing disk does not stop the
   * others; the step then fails naming each failed disk and why, with the other outcomes.
   */
  async eraseDevices(kwargs: ManagerKwargs, env: ManagerEnv): Promise<Record<string, unknown>> {
    guardDestructive(env, 'erase_devices');
    const node = nodeOf(kwargs, env);
    const opts = eraseOptions(node, env.config);
    const devices = await this.listBlockDevicesCheckSkipList({ node }, env);
    if (devices.length === 0) return {};
    const progress = new DeviceProgress(
      env.host.clock,
      (p) => env.reportProgress(p),
      'erase_devices',
    );
    for (const d of devices) progress.add(d.name, d.size);
    progress.emit();
    const results: Record<string, unknown> = {};
    const failures: { name: string; reason: string }[] = [];
    const queue = [...devices];
    const worker = async () => {
      for (let dev = queue.shift(); dev; dev = queue.shift()) {
        const name = dev.name;
        try {
          await safetyCheckBlockDevice(env, node, dev);
          const outcome = await env.dispatch('erase_block_device', {
            node,
            block_device: dev,
            progress: ((f, note, n) =>
              progress.update(name, f, note, n)) satisfies DeviceProgressSink,
          });
          results[name] = outcome ?? null;
          progress.done(name, describeOutcome(outcome));
        } catch (err) {
          if (env.signal.aborted) throw err;
          failures.push({ name, reason: errorText(err) });
          progress.done(name, 'failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, devices.length) }, worker));
    if (failures.length > 0) {
      const ok = devices
        .filter((d) => d.name in results)
        .map((d) => `${d.name}: ${describeOutcome(results[d.name])}`);
      throw new BlockDeviceEraseError(
        `Failed to erase ${failures.length} of ${devices.length} device(s): ` +
          failures.map((f) => `${f.name}: ${f.reason}`).join('; ') +
          (ok.length > 0 ? `. Erased: ${ok.join('; ')}` : ''),
      );
    }
    return ordered(devices, results);
  }

  /**
   * Partition tables and signatures of every disk and partition (partitions first, in reverse
   * name order as IPA does, so none vanishes before its turn). Errors are collected per device.
   */
  async eraseDevicesMetadata(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    guardDestructive(env, 'erase_devices_metadata');
    const node = nodeOf(kwargs, env);
    const devices = await this.erasableDevices(env, node);
    const progress = new DeviceProgress(
      env.host.clock,
      (p) => env.reportProgress(p),
      'erase_devices_metadata',
    );
    for (const d of devices) progress.add(d.name, d.size);
    const errors: { name: string; reason: string }[] = [];
    for (const dev of devices) {
      progress.update(dev.name, 0, 'wiping metadata');
      try {
        await safetyCheckBlockDevice(env, node, dev);
        await destroyDiskMetadata(env, dev);
        progress.done(dev.name, 'wiped');
      } catch (err) {
        if (env.signal.aborted) throw err;
        errors.push({ name: dev.name, reason: errorText(err) });
        progress.done(dev.name, 'failed');
      }
    }
    if (errors.length > 0) {
      throw new BlockDeviceEraseError(
        'Failed to erase the metadata on the device(s): ' +
          errors.map((e) => `"${e.name}": ${e.reason}`).join('; ') +
          okList(devices, errors),
      );
    }
    return null;
  }

  /** NVMe secure format where enabled and possible, metadata erase everywhere else. */
  async eraseDevicesExpress(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    guardDestructive(env, 'erase_devices_express');
    const node = nodeOf(kwargs, env);
    const opts = eraseOptions(node, env.config);
    const devices = await this.erasableDevices(env, node);
    const progress = new DeviceProgress(
      env.host.clock,
      (p) => env.reportProgress(p),
      'erase_devices_express',
    );
    for (const d of devices) progress.add(d.name, d.size);
    const errors: { name: string; reason: string }[] = [];
    for (const dev of devices) {
      const secure: { error: string | null } = { error: null };
      try {
        await safetyCheckBlockDevice(env, node, dev);
        if (isNvme(dev) && dev.type === 'disk' && opts.nvmeSecureErase) {
          try {
            progress.update(dev.name, 0, 'NVMe secure format');
            await nvmeSecureErase(env, dev);
            progress.done(dev.name, 'NVMe formatted');
            continue;
          } catch (err) {
            if (!(err instanceof BlockDeviceEraseError)) throw err;
            secure.error = err.details;
          }
        }
        progress.update(dev.name, 0, 'wiping metadata');
        await destroyDiskMetadata(env, dev);
        progress.done(dev.name, 'wiped');
      } catch (err) {
        if (env.signal.aborted) throw err;
        errors.push({
          name: dev.name,
          reason: secure.error
            ? `Secure erase failed: ${secure.error}. Fallback to metadata erase also failed: ${errorText(err)}`
            : errorText(err),
        });
        progress.done(dev.name, 'failed');
      }
    }
    if (errors.length > 0) {
      throw new BlockDeviceEraseError(
        'Failed to conduct an express erase on the device(s): ' +
          errors.map((e) => `"${e.name}": ${e.reason}`).join('; ') +
          okList(devices, errors),
      );
    }
    return null;
  }

  /** The kernel's pstore (oops/panic records) emptied. */
  async erasePstore(_kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    const mounts = await env.host.readFile('/proc/mounts').catch(() => '');
    const mount = /^pstore (\S+) pstore/m.exec(mounts)?.[1];
    if (!mount) {
      env.logger.debug('no pstore mounted');
      return null;
    }
    const entries = await env.host.listDir(mount);
    for (const name of entries) {
      const out = await env.host.run('rm', ['-rf', '--', `${mount}/${name}`], {
        signal: env.signal,
      });
      if (out.exitCode !== 0) {
        throw new CommandExecutionError(`cannot remove ${mount}/${name}: ${out.stderr.trim()}`);
      }
    }
    env.logger.info({ mount, removed: entries.length }, 'pstore emptied');
    return null;
  }

  /** Disks and partitions metadata erasure may touch (IPA's `_list_erasable_devices`). */
  private async erasableDevices(env: ManagerEnv, node: NodeInfo | null): Promise<BlockDevice[]> {
    const all = await this.listBlockDevicesCheckSkipList({ node, include_partitions: true }, env);
    all.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const out: BlockDevice[] = [];
    for (const dev of all) {
      if (await isVirtualMediaDevice(env, dev)) {
        env.logger.info({ device: dev.name }, 'skipping virtual media device');
      } else if (await isLinuxRaidMember(env, dev)) {
        env.logger.info({ device: dev.name }, 'skipping RAID member device');
      } else if (await isReadOnlyDevice(env, dev)) {
        env.logger.info({ device: dev.name }, 'skipping read-only device');
      } else {
        out.push(dev);
      }
    }
    return out;
  }

  // ---- software RAID ---------------------------------------------------------------------

  validateConfiguration(kwargs: ManagerKwargs): RaidConfig {
    return validateRaidConfig(kwargs.raid_config);
  }

  async createConfiguration(kwargs: ManagerKwargs, env: ManagerEnv): Promise<unknown> {
    guardDestructive(env, 'create_configuration');
    const node = nodeOf(kwargs, env);
    const target = nodeSection(node, 'target_raid_config');
    if (Object.keys(target).length === 0) {
      env.logger.debug('no target_raid_config');
      return {};
    }
    return this.createFrom(target, node, env);
  }

  async applyConfiguration(kwargs: ManagerKwargs, env: ManagerEnv): Promise<unknown> {
    guardDestructive(env, 'apply_configuration');
    const node = nodeOf(kwargs, env);
    const config = validateRaidConfig(kwargs.raid_config);
    if (kwargs.delete_existing !== false) await this.deleteConfiguration({ node }, env);
    return this.createFrom(config, node, env);
  }

  async deleteConfiguration(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    guardDestructive(env, 'delete_configuration');
    const node = nodeOf(kwargs, env);
    await deleteSoftwareRaid(env, (parts) =>
      this.listBlockDevicesCheckSkipList({ node, include_partitions: parts }, env),
    );
    return null;
  }

  private async createFrom(raw: unknown, node: NodeInfo | null, env: ManagerEnv): Promise<unknown> {
    const disks = isObject(raw) && Array.isArray(raw.logical_disks) ? raw.logical_disks : [];
    if (!disks.some((d) => isObject(d) && d.controller === 'software')) {
      env.logger.debug('no software RAID in the configuration');
      return {};
    }
    const config = validateRaidConfig(raw);
    const devices = await this.listBlockDevicesCheckSkipList(
      { node, include_partitions: true },
      env,
    );
    return createSoftwareRaid(env, node, config, devices);
  }

  // ---- burn-in ---------------------------------------------------------------------------

  async burninCpu(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    await burninCpu(env, nodeOf(kwargs, env));
    return null;
  }

  async burninMemory(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    await burninMemory(env, nodeOf(kwargs, env));
    return null;
  }

  async burninDisk(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    guardDestructive(env, 'burnin_disk');
    const node = nodeOf(kwargs, env);
    await burninDisk(env, node, await this.listBlockDevicesCheckSkipList({ node }, env));
    return null;
  }

  async burninNetwork(kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    await burninNetwork(env, nodeOf(kwargs, env));
    return null;
  }

  // ---- deployment ------------------------------------------------------------------------

  /**
   * The `write_image` deploy (and service) step, which Ironic proxies from its own: IPA runs
   * `standby.prepare_image` and answers its result. The image goes to the root device the
   * hints choose; the partition UUIDs are kept for `standby.get_partition_uuids`.
   */
  async writeImage(kwargs: ManagerKwargs, env: ManagerEnv): Promise<{ result: string }> {
    guardDestructive(env, 'write_image');
    const node = nodeOf(kwargs, env);
    const imageInfo = kwargs.image_info;
    validateImageInfo(imageInfo, {
      md5Enabled: env.lookupConfig?.agent_md5_checksum_enable ?? env.config.md5_enabled,
    });
    const device = await env.dispatch('get_os_install_device', { node, permit_refresh: true });
    if (typeof device !== 'string' || device === '') {
      throw new DeviceNotFound(
        `the hardware managers named no install device (${JSON.stringify(device)})`,
      );
    }
    const result = await this.imageWriter(env.host, imageInfo, {
      device,
      configdrive: kwargs.configdrive ?? imageInfo.configdrive ?? null,
      signal: env.signal,
      config: env.config,
      lookupConfig: env.lookupConfig,
      logger: env.logger,
      onProgress: ({ phase: _phase, ...progress }) => env.reportProgress(progress),
    });
    env.recordPartitionUuids(result.partitionUuids);
    return { result: `prepare_image: ${result.message}` };
  }

  async fullSync(_kwargs: ManagerKwargs, env: ManagerEnv): Promise<null> {
    await tryRun(env, 'sync', []);
    return null;
  }
}

/**
 * DESIGN.md: on any Linux box destructive steps need an explicit target. A standalone agent
 * (a workstation, not a ramdisk Ironic booted) refuses them unless `block_devices` names what
 * it may destroy.
 */
function guardDestructive(env: ManagerEnv, step: string): void {
  if (env.config.standalone && env.config.block_devices.length === 0) {
    throw new CommandExecutionError(
      `refusing to run ${step} in standalone mode without block_devices: name the devices ` +
        'it may destroy (e.g. --block-devices /dev/loop0)',
    );
  }
}

function skipped(env: ManagerEnv, dev: BlockDevice, why: string): EraseOutcome {
  env.logger.info({ device: dev.name }, `skipping erase of ${why}`);
  return { method: 'skipped', detail: why };
}

function describeOutcome(outcome: unknown): string {
  if (!isObject(outcome) || typeof outcome.method !== 'string') return 'erased';
  if (outcome.method === 'skipped') {
    return `skipped (${typeof outcome.detail === 'string' ? outcome.detail : ''})`;
  }
  return `erased (${outcome.method})`;
}

function okList(devices: readonly BlockDevice[], errors: readonly { name: string }[]): string {
  const failed = new Set(errors.map((e) => e.name));
  const ok = devices.filter((d) => !failed.has(d.name)).map((d) => d.name);
  return ok.length > 0 ? `. Done: ${ok.join(', ')}` : '';
}

function ordered(
  devices: readonly BlockDevice[],
  results: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of devices) if (d.name in results) out[d.name] = results[d.name];
  return out;
}

/** Runs a command whose failure only matters as a log line; true when it exited 0. */
async function tryRun(env: ManagerEnv, command: string, args: string[]): Promise<boolean> {
  try {
    const out = await env.host.run(command, args, { signal: env.signal, timeoutMs: 120_000 });
    return out.exitCode === 0;
  } catch (err) {
    if (err instanceof HostError) return false;
    throw err;
  }
}

function errorText(err: unknown): string {
  if (isObject(err) && typeof err.details === 'string' && typeof err.message === 'string') {
    return err.details;
  }
  return err instanceof Error ? err.message : String(err);
}
