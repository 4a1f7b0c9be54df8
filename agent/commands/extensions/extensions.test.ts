import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib';
import type { CommandResult } from '../../../protocol';
import { defaultAgentConfig } from '../../config';
import {
  type DispatchCall,
  type HardwareDispatcher,
  HardwareManagerMethodNotFound,
  NO_HARDWARE_MANAGERS,
} from '../../hardware';
import { readTar } from '../../log/tar';
import { FakeHost } from '../../testing/fake-host';
import { CommandExecutor } from '../command-executor';
import type { AgentServices } from '../services';
import { flowExtension } from './flow';
import { imageExtension } from './image';
import { logExtension } from './log';
import { rescueExtension, RESCUE_PASSWORD_FILE, RESCUED_MARKER } from './rescue';
import { standbyExtension } from './standby';
import { stepExtension } from './steps';

const silent = createLogger({ name: 'test', level: 'silent' });

function harness(host = new FakeHost(), hardware: HardwareDispatcher = NO_HARDWARE_MANAGERS) {
  const stops: string[] = [];
  const services: AgentServices = {
    host,
    config: defaultAgentConfig(),
    hardware,
    collectInventory: () => Promise.reject(new Error('unused')),
    node: null,
    lookupConfig: null,
    partitionUuids: { root_uuid: 'abc' },
    agentLog: () => 'line one\nline two',
    commandResults: () => executor.list().map((r) => r.serialize()),
    stopServingApi: (reason) => stops.push(reason),
  };
  const executor = new CommandExecutor({
    clock: host.clock,
    logger: silent,
    signal: new AbortController().signal,
  });
  for (const phase of ['clean', 'deploy', 'service'] as const)
    executor.register(stepExtension(phase, hardware));
  executor.register(standbyExtension(services));
  executor.register(imageExtension(services));
  executor.register(rescueExtension(services));
  executor.register(logExtension(services));
  executor.register(flowExtension((n, p, c) => executor.runNested(n, p, c)));
  const run = async (
    name: string,
    params: Record<string, unknown> = {},
  ): Promise<CommandResult> => {
    const record = await executor.execute(name, params);
    await record.done;
    return record.serialize();
  };
  return { executor, services, run, stops, host };
}

function fakeManagers(
  steps: Record<string, (call: DispatchCall) => unknown>,
): HardwareDispatcher & { calls: DispatchCall[] } {
  const calls: DispatchCall[] = [];
  return {
    calls,
    versions: () => ({ generic_hardware_manager: '1.2' }),
    cacheNode: () => Promise.resolve(),
    getSteps: (phase) =>
      Promise.resolve({
        GenericHardwareManager: [
          {
            step: 'erase_devices',
            priority: 10,
            interface: 'deploy',
            reboot_requested: false,
            abortable: true,
            phase,
          },
        ],
      }),
    dispatch: (method, call) => {
      calls.push(call);
      const fn = steps[method];
      if (!fn) return Promise.reject(new HardwareManagerMethodNotFound(method));
      return Promise.resolve(fn(call));
    },
    dispatchAll: (method) => Promise.reject(new HardwareManagerMethodNotFound(method)),
  };
}

const NODE = { uuid: 'n1', driver_info: {} };

describe('step extensions', () => {
  it('with no managers: no steps, and executing one fails cleanly', async () => {
    const { run } = harness();
    expect((await run('clean.get_clean_steps', { node: NODE, ports: [] })).command_result).toEqual({
      clean_steps: {},
      hardware_manager_version: {},
    });
    const res = await run('clean.execute_clean_step', {
      step: { step: 'erase_devices' },
      node: NODE,
      ports: [],
    });
    expect(res).toMatchObject({
      command_name: 'execute_clean_step',
      command_status: 'FAILED',
      command_error: {
        type: 'HardwareManagerMethodNotFound',
        message: 'No HardwareManager found to handle method',
        details: 'Could not find method: erase_devices',
      },
    });
  });

  it('lists steps grouped by manager with versions, for every phase', async () => {
    const { run } = harness(new FakeHost(), fakeManagers({}));
    for (const phase of ['clean', 'deploy', 'service']) {
      const res = await run(`${phase}.get_${phase}_steps`, { node: NODE, ports: [] });
      expect(res.command_result).toEqual({
        [`${phase}_steps`]: {
          GenericHardwareManager: [expect.objectContaining({ step: 'erase_devices', phase })],
        },
        hardware_manager_version: { generic_hardware_manager: '1.2' },
      });
    }
  });

  it('executes a step with merged args and returns {<phase>_result, <phase>_step}', async () => {
    const hw = fakeManagers({ erase_devices: (c) => ({ erased: c.kwargs }) });
    const { run } = harness(new FakeHost(), hw);
    const step = { step: 'erase_devices', args: { a: 1, b: 2 }, interface: 'deploy' };
    const res = await run('deploy.execute_deploy_step', {
      step,
      node: NODE,
      ports: [{ address: 'x' }],
      deploy_version: { generic_hardware_manager: '1.2' },
      b: 'extra',
      c: 3,
    });
    expect(res).toMatchObject({
      command_name: 'execute_deploy_step',
      command_status: 'SUCCEEDED',
      command_result: { deploy_result: { erased: { a: 1, b: 2, c: 3 } }, deploy_step: step },
    });
    expect(hw.calls[0]).toMatchObject({ node: NODE, ports: [{ address: 'x' }] });
  });

  it('reports a version mismatch as CLEAN_VERSION_MISMATCH (409) in every phase', async () => {
    const { run } = harness(new FakeHost(), fakeManagers({ s: () => null }));
    const res = await run('service.execute_service_step', {
      step: { step: 's' },
      node: NODE,
      ports: [],
      service_version: { generic_hardware_manager: '1.1' },
    });
    expect(res).toMatchObject({
      command_status: 'CLEAN_VERSION_MISMATCH',
      command_result: null,
      command_error: { type: 'VersionMismatch', code: 409 },
    });
  });

  it('wraps unexpected step errors, keeps malformed steps and missing arguments as failures', async () => {
    const { run } = harness(
      new FakeHost(),
      fakeManagers({
        boom: () => {
          throw new RangeError('disk 3 vanished');
        },
      }),
    );
    expect(
      await run('clean.execute_clean_step', { step: { step: 'boom' }, node: NODE, ports: [] }),
    ).toMatchObject({
      command_status: 'FAILED',
      command_error: {
        type: 'CleaningError',
        message: 'Clean step failed',
        details: 'Unexpected exception performing clean step boom. RangeError: disk 3 vanished',
      },
    });
    expect(
      await run('clean.execute_clean_step', { step: { priority: 1 }, node: NODE, ports: [] }),
    ).toMatchObject({
      command_status: 'FAILED',
      command_error: {
        type: 'CommandExecutionError',
        details: 'Malformed clean_step, no "step" key: {"priority":1}',
      },
    });
    expect(await run('clean.execute_clean_step', { step: { step: 'boom' } })).toMatchObject({
      command_name: 'clean.execute_clean_step',
      command_status: 'FAILED',
      command_error: { details: 'missing required arguments: node, ports' },
    });
  });
});

describe('log.collect_system_logs', () => {
  it('returns a base64 tar.gz of the agent log, command results and tool outputs', async () => {
    const host = new FakeHost()
      .command('df', () => 'Filesystem 1K-blocks\n/dev/sda1 1000\n')
      .command('journalctl', () => ({ exitCode: 0, stdout: 'boot log\n', stderr: '' }))
      .file('/proc/mdstat', 'Personalities : [raid1]\n');
    const { run } = harness(host);
    await run('standby.get_partition_uuids');
    const res = await run('log.collect_system_logs');
    const logs = (res.command_result as { system_logs: string }).system_logs;
    const files = readTar(gunzipSync(Buffer.from(logs, 'base64')));
    expect([...files.keys()].sort()).toEqual([
      'commands.json',
      'df',
      'ironic-python-agent.log',
      'journal',
      'mdstat',
    ]);
    expect(files.get('ironic-python-agent.log')!.toString()).toBe('line one\nline two');
    expect(files.get('df')!.toString()).toContain('/dev/sda1 1000');
    expect(JSON.parse(files.get('commands.json')!.toString())).toEqual([
      {
        id: expect.any(String) as unknown,
        command_name: 'get_partition_uuids',
        command_status: 'SUCCEEDED',
        command_error: null,
      },
    ]);
    expect(host.calls.find((c) => c.command === 'journalctl')!.args).toEqual([
      '--full',
      '--no-pager',
      '-b',
      '-n',
      '10000',
    ]);
  });

  it('is readable by tar(1)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { run } = harness(new FakeHost().command('dmesg', () => 'kernel says hi\n'));
    const logs = ((await run('log.collect_system_logs')).command_result as { system_logs: string })
      .system_logs;
    const listing = execFileSync('tar', ['-tzvf', '-'], {
      input: Buffer.from(logs, 'base64'),
    }).toString();
    expect(listing).toMatch(/dmesg/);
    const content = execFileSync('tar', ['-xzOf', '-', 'dmesg'], {
      input: Buffer.from(logs, 'base64'),
    }).toString();
    expect(content).toBe('kernel says hi\n');
  });
});

describe('rescue.finalize_rescue', () => {
  it('writes a SHA-256 crypt of the password, the marker, and stops the API', async () => {
    const host = new FakeHost().command('mkdir', () => '');
    const { run, stops } = harness(host);
    const res = await run('rescue.finalize_rescue', { rescue_password: 'sekrit' });
    expect(res).toMatchObject({
      command_name: 'finalize_rescue',
      command_status: 'SUCCEEDED',
      command_result: null,
    });
    expect(host.files.get(RESCUE_PASSWORD_FILE)).toMatch(
      /^\$5\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{43}$/,
    );
    expect(host.files.has(RESCUED_MARKER)).toBe(true);
    expect(stops).toEqual(['rescue']);
    await run('rescue.finalize_rescue', { rescue_password: '$6$already$hashed', hashed: true });
    expect(host.files.get(RESCUE_PASSWORD_FILE)).toBe('$6$already$hashed');
  });
});

describe('standby reboot and power off', () => {
  it('reboots through the OS, falling back to sysrq when refused', async () => {
    const host = new FakeHost()
      .command('hwclock', () => '')
      .command('sync', () => '')
      .command('reboot', () => ({
        exitCode: 1,
        stdout: '',
        stderr: 'Failed to talk to init daemon',
      }))
      .command('poweroff', () => '');
    const { run } = harness(host);
    expect(await run('standby.run_image')).toMatchObject({
      command_name: 'run_image',
      command_status: 'SUCCEEDED',
    });
    expect(host.files.get('/proc/sysrq-trigger')).toBe('b');
    expect(host.calls.map((c) => c.command)).toEqual(['hwclock', 'sync', 'reboot']);
    host.files.delete('/proc/sysrq-trigger');
    await run('standby.power_off');
    expect(host.files.has('/proc/sysrq-trigger')).toBe(false);
    expect(host.calls.at(-1)!.command).toBe('poweroff');
  });
});

describe('image.install_bootloader', () => {
  function uefiHost() {
    const host = new FakeHost()
      .dir('/sys/firmware/efi')
      .command('partprobe', () => '')
      .command('mkdir', () => '')
      .command('mount', () => '')
      .command('umount', () => '')
      .command('lsblk', () =>
        JSON.stringify({
          blockdevices: [
            {
              kname: 'sda',
              type: 'disk',
              parttype: null,
              partuuid: null,
              children: [
                {
                  kname: 'sda1',
                  type: 'part',
                  parttype: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
                  partuuid: 'p1',
                },
                {
                  kname: 'sda2',
                  type: 'part',
                  parttype: '0fc63daf-8483-4772-8e79-3d69d8477de4',
                  partuuid: 'p2',
                },
              ],
            },
          ],
        }),
      )
      .file('/sys/class/block/sda1/partition', '1\n')
      .file('/tmp/ipa-esp/EFI/BOOT/BOOTX64.EFI', 'MZ')
      .file('/tmp/ipa-esp/EFI/BOOT/fbx64.efi', 'MZ')
      .file('/tmp/ipa-esp/EFI/debian/grubaa64.efi', 'MZ')
      .command('efibootmgr', (args) =>
        args[0] === '-v' && args.length === 1
          ? 'BootCurrent: 0001\nBoot0001* ironic1\tHD(1,GPT,...)\nBoot0002* UEFI PXEv4\n'
          : '',
      );
    return host;
  }

  it('creates UEFI boot entries for the loaders on the ESP, replacing old ironic entries', async () => {
    const host = uefiHost();
    const { run } = harness(host, fakeManagers({ get_os_install_device: () => '/dev/sda' }));
    const res = await run('image.install_bootloader', {
      root_uuid: 'r',
      efi_system_part_uuid: null,
    });
    expect(res).toMatchObject({
      command_name: 'install_bootloader',
      command_status: 'SUCCEEDED',
      command_result: null,
    });
    const efi = host.calls.filter((c) => c.command === 'efibootmgr').map((c) => c.args.join(' '));
    expect(efi).toEqual([
      '--version',
      '-v',
      '-b 0001 -B',
      '-v -c -d /dev/sda -p 1 -w -L ironic1 -l \\EFI\\debian\\grubaa64.efi',
      '-v -c -d /dev/sda -p 1 -w -L ironic2 -l \\EFI\\BOOT\\BOOTX64.EFI',
    ]);
    expect(host.calls.find((c) => c.command === 'mount')!.args).toEqual([
      '/dev/sda1',
      '/tmp/ipa-esp',
    ]);
    expect(host.calls.some((c) => c.command === 'umount')).toBe(true);
  });

  it('refuses legacy BIOS grub installs unless told to ignore, and needs an install device', async () => {
    const bios = harness(new FakeHost(), fakeManagers({ get_os_install_device: () => '/dev/sda' }));
    expect(await bios.run('image.install_bootloader', { root_uuid: 'r' })).toMatchObject({
      command_status: 'FAILED',
      command_error: {
        type: 'InvalidImage',
        details: expect.stringContaining('enable_bios_bootloader_install') as unknown,
      },
    });
    expect(
      await bios.run('image.install_bootloader', {
        root_uuid: 'r',
        ignore_bootloader_failure: true,
      }),
    ).toMatchObject({
      command_status: 'SUCCEEDED',
    });
    expect(await bios.run('image.install_bootloader', { root_uuid: '0x00000000' })).toMatchObject({
      command_status: 'SUCCEEDED',
    });
    const none = harness();
    expect(await none.run('image.install_bootloader', { root_uuid: 'r' })).toMatchObject({
      command_status: 'FAILED',
      command_error: { details: 'Could not find method: get_os_install_device' },
    });
  });
});

describe('flow.start_flow', () => {
  it('runs sub-commands in order outside the result store and fails at the first failure', async () => {
    const host = new FakeHost().command('sync', () => '');
    const { run, executor } = harness(host);
    const ok = await run('flow.start_flow', {
      flow: [{ 'standby.sync': {} }, { 'standby.get_partition_uuids': {} }],
    });
    expect(ok).toMatchObject({ command_name: 'start_flow', command_status: 'SUCCEEDED' });
    expect(host.calls.map((c) => c.command)).toEqual(['sync']);
    expect(executor.list().map((r) => r.name)).toEqual(['start_flow']);
    const bad = await run('flow.start_flow', {
      flow: [{ 'standby.sync': {} }, { 'nope.x': {} }, { 'standby.sync': {} }],
    });
    expect(bad).toMatchObject({
      command_status: 'FAILED',
      command_error: {
        type: 'RequestedObjectNotFoundError',
        details: 'Extension with id nope not found.',
      },
    });
    expect(host.calls.map((c) => c.command)).toEqual(['sync', 'sync']);
  });
});
