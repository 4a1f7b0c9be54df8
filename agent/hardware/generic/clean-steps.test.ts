import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib';
import { CommandExecutor } from '../../commands/command-executor';
import { stepExtension } from '../../commands/extensions/steps';
import { defaultAgentConfig } from '../../config';
import { HostError } from '../../host';
import { ManagerDispatcher } from '../manager-dispatcher';
import { type FakeDisk, commandLines, diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';

const MiB = 1024 * 1024;
const logger = createLogger({ name: 'test', level: 'silent' });

function agentLike(disks: FakeDisk[]) {
  const host = diskHost(disks);
  const hardware = new ManagerDispatcher({
    host,
    config: defaultAgentConfig({ disk_wait_attempts: 1 }),
    logger,
    managers: [new GenericHardwareManager()],
  });
  const executor = new CommandExecutor({
    clock: host.clock,
    logger,
    signal: new AbortController().signal,
  });
  executor.register(stepExtension('clean', hardware));
  executor.register(stepExtension('deploy', hardware));
  executor.register(stepExtension('service', hardware));
  return { host, hardware, executor };
}

const node = { uuid: 'node-1', driver_internal_info: { agent_enable_ata_secure_erase: false } };
const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('generic clean steps through the command framework', () => {
  it("lists IPA's generic steps and version for each phase", async () => {
    const { executor } = agentLike([{ kname: 'sda', size: 8 * 2 ** 30 }]);
    const clean = await executor.execute('clean.get_clean_steps', { node, ports: [] });
    const steps = (
      clean.result as {
        clean_steps: Record<string, { step: string; priority: number; interface: string }[]>;
      }
    ).clean_steps.GenericHardwareManager!;
    expect(steps.map((s) => [s.step, s.priority, s.interface])).toEqual([
      ['erase_devices', 10, 'deploy'],
      ['erase_devices_metadata', 99, 'deploy'],
      ['erase_devices_express', 0, 'deploy'],
      ['erase_pstore', 0, 'deploy'],
      ['delete_configuration', 0, 'raid'],
      ['create_configuration', 0, 'raid'],
      ['burnin_cpu', 0, 'deploy'],
      ['burnin_disk', 0, 'deploy'],
      ['burnin_memory', 0, 'deploy'],
      ['burnin_network', 0, 'deploy'],
    ]);
    expect(steps[0]).toEqual({
      step: 'erase_devices',
      priority: 10,
      interface: 'deploy',
      reboot_requested: false,
      abortable: true,
    });
    expect(
      (clean.result as { hardware_manager_version: unknown }).hardware_manager_version,
    ).toEqual({
      generic_hardware_manager: '1.2',
    });
    const deploy = await executor.execute('deploy.get_deploy_steps', { node, ports: [] });
    expect(deploy.result).toMatchObject({
      deploy_steps: {
        GenericHardwareManager: [
          {
            step: 'erase_devices_metadata',
            priority: 0,
            interface: 'deploy',
            reboot_requested: false,
          },
          {
            step: 'apply_configuration',
            priority: 0,
            interface: 'raid',
            argsinfo: { raid_config: { required: true } },
          },
          {
            step: 'write_image',
            priority: 0,
            interface: 'deploy',
            argsinfo: { image_info: { required: true } },
          },
        ],
      },
    });
    const service = await executor.execute('service.get_service_steps', { node, ports: [] });
    const serviceNames = (
      service.result as { service_steps: Record<string, { step: string }[]> }
    ).service_steps.GenericHardwareManager!.map((s) => s.step);
    expect(serviceNames).not.toContain('erase_devices');
    expect(serviceNames).not.toContain('burnin_disk');
  });

  it('shows command_progress while erase_devices runs, then the per-device result', async () => {
    const { host, executor } = agentLike([
      { kname: 'sda', size: 24 * MiB, tran: 'sata', backed: true },
    ]);
    const open = host.openBlockDevice.bind(host);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let writes = 0;
    host.openBlockDevice = async (path, mode) => {
      const dev = await open(path, mode);
      return {
        ...dev,
        write: async (offset, data) => {
          if (++writes === 3) await gate;
          return dev.write(offset, data);
        },
      };
    };
    const record = await executor.execute('clean.execute_clean_step', {
      step: { step: 'erase_devices', interface: 'deploy', priority: 10, args: {} },
      node,
      ports: [],
    });
    await flush();
    expect(record.status).toBe('RUNNING');
    const running = record.serialize();
    expect(running.command_progress).toMatchObject({
      bytes_total: 24 * MiB,
      message: 'erase_devices: 0 of 1 device(s) done; /dev/sda shred pass 1 of 2',
    });
    expect(running.command_progress!.fraction).toBeCloseTo(16 / 48, 5);
    release();
    await record.done;
    expect(record.status).toBe('SUCCEEDED');
    expect(record.result).toEqual({
      clean_result: { '/dev/sda': { method: 'shred', passes: 2, bytes_written: 48 * MiB } },
      clean_step: { step: 'erase_devices', interface: 'deploy', priority: 10, args: {} },
    });
    expect(record.serialize().command_progress).toMatchObject({ fraction: 1 });
  });

  it('fails the step with the failing disk named, as IPA shapes errors', async () => {
    const { host, executor } = agentLike([
      { kname: 'sda', size: 2 * MiB, tran: 'sata', backed: true },
      { kname: 'sdb', size: 2 * MiB, tran: 'sata', backed: true },
    ]);
    const open = host.openBlockDevice.bind(host);
    host.openBlockDevice = (path, mode) =>
      path === '/dev/sdb'
        ? Promise.reject(new HostError('EIO', `${path}: Input/output error`, path))
        : open(path, mode);
    const record = await executor.execute('clean.execute_clean_step', {
      step: { step: 'erase_devices', interface: 'deploy', priority: 10 },
      node,
      ports: [],
    });
    await record.done;
    expect(record.status).toBe('FAILED');
    expect(record.error).toEqual({
      type: 'BlockDeviceEraseError',
      code: 500,
      message: 'Error erasing block device',
      details:
        'Failed to erase 1 of 2 device(s): /dev/sdb: Could not find method: erase_block_device ' +
        '(declined: generic_hardware_manager: Unable to erase block device /dev/sdb: /dev/sdb: ' +
        'Input/output error). Erased: /dev/sda: erased (shred)',
    });
  });

  it('wraps unexpected errors as IPA does (CleaningError naming the step)', async () => {
    const { executor } = agentLike([{ kname: 'sda', size: 2 * MiB, backed: true }]);
    const record = await executor.execute('clean.execute_clean_step', {
      step: { step: 'erase_devices', interface: 'deploy', priority: 10 },
      node: { uuid: 'n', driver_internal_info: { disk_erasure_concurrency: 'lots' } },
      ports: [],
    });
    await record.done;
    expect(record.error).toMatchObject({
      type: 'CleaningError',
      details:
        'Unexpected exception performing clean step erase_devices. TypeError: ' +
        'driver_internal_info.disk_erasure_concurrency must be an integer >= 1, got "lots"',
    });
  });
});

describe('erase_devices_express and erase_pstore', () => {
  it('formats NVMe where it can and wipes metadata everywhere else', async () => {
    const host = diskHost([
      { kname: 'nvme0n1', size: 2 * MiB, tran: 'nvme', backed: true },
      { kname: 'nvme1n1', size: 2 * MiB, tran: 'nvme', backed: true },
      { kname: 'sda', size: 2 * MiB, tran: 'sata', backed: true },
    ]);
    host.command('nvme', (args) =>
      args[0] === 'id-ctrl'
        ? JSON.stringify({ oacs: args[1] === '/dev/nvme0n1' ? 2 : 0, fna: 0 })
        : '',
    );
    const manager = new GenericHardwareManager();
    const env = testEnv({ host, node, methods: manager.methods });
    await manager.methods.erase_devices_express!({ node }, env);
    expect(commandLines(host, ['nvme', 'wipefs'])).toEqual([
      'wipefs --force --all /dev/sda',
      'nvme id-ctrl /dev/nvme1n1 -o json',
      'wipefs --force --all /dev/nvme1n1',
      'nvme id-ctrl /dev/nvme0n1 -o json',
      'nvme format /dev/nvme0n1 -s 1 -f',
    ]);
    host.command('wipefs', () => ({
      exitCode: 1,
      stdout: '',
      stderr: 'wipefs: /dev/nvme1n1: busy',
    }));
    await expect(
      Promise.resolve(manager.methods.erase_devices_express!({ node }, env)),
    ).rejects.toMatchObject({
      details: expect.stringContaining(
        '"/dev/nvme1n1": Secure erase failed: nvme-cli did not return any supported format modes for ' +
          'device: /dev/nvme1n1. Fallback to metadata erase also failed: wipefs --all failed',
      ) as unknown,
    });
  });

  it('empties the pstore mount', async () => {
    const host = diskHost([])
      .file('/proc/mounts', 'sysfs /sys sysfs rw 0 0\npstore /sys/fs/pstore pstore rw,nosuid 0 0\n')
      .file('/sys/fs/pstore/dmesg-efi-1', 'oops')
      .file('/sys/fs/pstore/console-ramoops-0', 'panic')
      .command('rm', () => '');
    const manager = new GenericHardwareManager();
    await manager.methods.erase_pstore!({}, testEnv({ host }));
    expect(commandLines(host, ['rm'])).toEqual([
      'rm -rf -- /sys/fs/pstore/console-ramoops-0',
      'rm -rf -- /sys/fs/pstore/dmesg-efi-1',
    ]);
    const none = diskHost([]).file('/proc/mounts', 'sysfs /sys sysfs rw 0 0\n');
    expect(await manager.methods.erase_pstore!({}, testEnv({ host: none }))).toBeNull();
  });
});
