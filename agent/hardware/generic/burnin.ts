import { type CommandOutput, HostError } from '../../host';
import { CleaningError, CommandExecutionError } from '../errors';
import type { ManagerEnv, NodeInfo } from '../manager';
import type { BlockDevice } from './block-devices';
import { boolSetting, intSetting, isObject, nodeSection, stringSetting } from './node-info';
import { withTimedProgress } from './progress';

/** fio's exit code while the partner of a network burn-in is not listening yet. */
const FIO_CONNECT_FAILED = 16;
const NETWORK_READER_CYCLE_MS = 30_000;
const SMART_POLL_MS = 30_000;

function optionalString(value: unknown, name: string): string | null {
  const s = stringSetting(value, name, '');
  return s === '' ? null : s;
}

/** Runs a burn-in tool; a missing tool or a non-zero exit fails with the tool's own words. */
async function runTool(
  env: ManagerEnv,
  what: string,
  command: string,
  args: string[],
): Promise<CommandOutput> {
  env.logger.info({ command: [command, ...args].join(' ') }, `burn-in ${what}`);
  let out: CommandOutput;
  try {
    out = await env.host.run(command, args, { signal: env.signal });
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      throw new CommandExecutionError(`${what} failed: ${command} is not installed`);
    }
    throw err;
  }
  return out;
}

function failure(what: string, out: CommandOutput): CommandExecutionError {
  const detail = (out.stderr.trim() || out.stdout.trim()).split('\n').slice(-5).join(' | ');
  return new CommandExecutionError(`${what} failed with exit code ${out.exitCode}: ${detail}`);
}

function outputFileArgs(file: string | null, logFlag: string[]): string[] {
  return file ? [...logFlag, file] : [];
}

/** IPA's `stress_ng_cpu`: all CPUs (0) for a day unless driver_info says otherwise. */
export async function burninCpu(env: ManagerEnv, node: NodeInfo | null): Promise<void> {
  const info = nodeSection(node, 'driver_info');
  const cpu = intSetting(info.agent_burnin_cpu_cpu, 'driver_info.agent_burnin_cpu_cpu', 0);
  const timeout = intSetting(
    info.agent_burnin_cpu_timeout,
    'driver_info.agent_burnin_cpu_timeout',
    86400,
  );
  const outputfile = optionalString(
    info.agent_burnin_cpu_outputfile,
    'driver_info.agent_burnin_cpu_outputfile',
  );
  const args = [
    '--cpu',
    String(cpu),
    '--timeout',
    String(timeout),
    '--metrics-brief',
    ...outputFileArgs(outputfile, ['--log-file']),
  ];
  const out = await withTimedProgress(
    env.host.clock,
    (p) => env.reportProgress(p),
    runTool(env, 'stress-ng (cpu)', 'stress-ng', args),
    timeout * 1000,
    `stress-ng (cpu) for ${timeout} s`,
  );
  if (out.exitCode !== 0) throw failure('stress-ng (cpu)', out);
  env.logger.info({ report: out.stderr.trim() }, 'stress-ng (cpu) finished');
}

/** IPA's `stress_ng_vm`: vm workers (0 = one per CPU) on 98 % of memory for a day. */
export async function burninMemory(env: ManagerEnv, node: NodeInfo | null): Promise<void> {
  const info = nodeSection(node, 'driver_info');
  const vm = intSetting(info.agent_burnin_vm_vm, 'driver_info.agent_burnin_vm_vm', 0);
  const vmBytes = stringSetting(
    info['agent_burnin_vm_vm-bytes'],
    'driver_info.agent_burnin_vm_vm-bytes',
    '98%',
  );
  const timeout = intSetting(
    info.agent_burnin_vm_timeout,
    'driver_info.agent_burnin_vm_timeout',
    86400,
  );
  const outputfile = optionalString(
    info.agent_burnin_vm_outputfile,
    'driver_info.agent_burnin_vm_outputfile',
  );
  const args = [
    '--vm',
    String(vm),
    '--vm-bytes',
    vmBytes,
    '--timeout',
    String(timeout),
    '--metrics-brief',
    ...outputFileArgs(outputfile, ['--log-file']),
  ];
  const out = await withTimedProgress(
    env.host.clock,
    (p) => env.reportProgress(p),
    runTool(env, 'stress-ng (vm)', 'stress-ng', args),
    timeout * 1000,
    `stress-ng (vm) for ${timeout} s`,
  );
  if (out.exitCode !== 0) throw failure('stress-ng (vm)', out);
  env.logger.info({ report: out.stderr.trim() }, 'stress-ng (vm) finished');
}

/**
 * IPA's `fio_disk`: a verified 4 KiB read/write job over every disk, `loops` times (4) or for
 * `runtime` seconds, then optionally a long SMART self-test on each disk.
 */
export async function burninDisk(
  env: ManagerEnv,
  node: NodeInfo | null,
  devices: readonly BlockDevice[],
): Promise<void> {
  const info = nodeSection(node, 'driver_info');
  const loops = intSetting(
    info.agent_burnin_fio_disk_loops,
    'driver_info.agent_burnin_fio_disk_loops',
    4,
  );
  const runtime = intSetting(
    info.agent_burnin_fio_disk_runtime,
    'driver_info.agent_burnin_fio_disk_runtime',
    0,
  );
  const outputfile = optionalString(
    info.agent_burnin_fio_disk_outputfile,
    'driver_info.agent_burnin_fio_disk_outputfile',
  );
  if (devices.length === 0) throw new CleaningError('fio (disk): no disks to burn in');
  const args = [
    '--rw',
    'readwrite',
    '--bs',
    '4k',
    '--direct',
    '1',
    '--ioengine',
    'libaio',
    '--iodepth',
    '32',
    '--verify',
    'crc32c',
    '--verify_dump',
    '1',
    '--continue_on_error',
    'verify',
    '--loops',
    String(loops),
    '--runtime',
    String(runtime),
    '--time_based',
    ...outputFileArgs(outputfile, ['--output-format', 'json', '--output']),
    ...devices.flatMap((d) => ['--name', d.name]),
  ];
  const out = await withTimedProgress(
    env.host.clock,
    (p) => env.reportProgress(p),
    runTool(env, 'fio (disk)', 'fio', args),
    runtime * 1000,
    `fio (disk) on ${devices.map((d) => d.name).join(', ')}`,
  );
  if (out.exitCode !== 0) throw failure('fio (disk)', out);
  if (
    boolSetting(
      info.agent_burnin_fio_disk_smart_test,
      'driver_info.agent_burnin_fio_disk_smart_test',
      false,
    )
  ) {
    await smartSelfTest(env, devices);
  }
}

async function smartSelfTest(env: ManagerEnv, devices: readonly BlockDevice[]): Promise<void> {
  const cannotStart: string[] = [];
  for (const dev of devices) {
    const out = await runTool(env, 'SMART self test', 'smartctl', ['-t', 'long', dev.name]);
    if (out.exitCode !== 0)
      cannotStart.push(`${dev.name} (${out.stderr.trim() || `exit ${out.exitCode}`})`);
  }
  if (cannotStart.length > 0) {
    throw new CleaningError(
      `fio (disk) failed to start SMART self test on ${cannotStart.join(', ')}`,
    );
  }
  const pending = new Set(devices.map((d) => d.name));
  const failed: string[] = [];
  for (;;) {
    for (const name of [...pending]) {
      const status = await smartStatus(env, name);
      if (status === null) {
        pending.delete(name);
      } else if (status.includes('in progress')) {
        continue;
      } else if (status.includes('completed without error')) {
        pending.delete(name);
      } else {
        failed.push(`${name}: ${status}`);
        pending.delete(name);
      }
    }
    if (pending.size === 0) break;
    env.reportProgress({
      fraction: 0.99,
      message: `SMART self test running on ${[...pending].join(', ')}`,
    });
    await env.host.clock.sleep(SMART_POLL_MS, env.signal);
  }
  if (failed.length > 0)
    throw new CleaningError(`fio (disk) SMART test failed for ${failed.join('; ')}`);
}

async function smartStatus(env: ManagerEnv, device: string): Promise<string | null> {
  try {
    const out = await env.host.run('smartctl', ['-ja', device], { signal: env.signal });
    const doc = JSON.parse(out.stdout) as {
      ata_smart_data?: { self_test?: { status?: { string?: unknown } } };
    };
    const s = doc.ata_smart_data?.self_test?.status?.string;
    return typeof s === 'string' ? s : null;
  } catch (err) {
    if (env.signal.aborted) throw err;
    env.logger.error({ device, err: String(err) }, 'cannot read the SMART self test status');
    return null;
  }
}

/**
 * IPA's `fio_network` with a static pairing (`agent_burnin_fio_network_config: {role, partner}`):
 * the writer listens, the reader connects (retrying while the partner is not up), then the roles
 * swap. Dynamic pairing through a tooz backend is not available in this agent.
 */
export async function burninNetwork(env: ManagerEnv, node: NodeInfo | null): Promise<void> {
  const info = nodeSection(node, 'driver_info');
  const runtime = intSetting(
    info.agent_burnin_fio_network_runtime,
    'driver_info.agent_burnin_fio_network_runtime',
    21600,
  );
  const outputfile = optionalString(
    info.agent_burnin_fio_network_outputfile,
    'driver_info.agent_burnin_fio_network_outputfile',
  );
  const config = info.agent_burnin_fio_network_config;
  if (!isObject(config)) {
    if (info.agent_burnin_fio_network_pairing_backend_url) {
      throw new CleaningError(
        'fio (network): dynamic pairing through agent_burnin_fio_network_pairing_backend_url ' +
          '(tooz) is not supported by this agent; set agent_burnin_fio_network_config ' +
          '{"role": "writer"|"reader", "partner": "<host>"} instead',
      );
    }
    throw new CleaningError(
      'fio (network): dynamic pairing config is missing agent_burnin_fio_network_pairing_backend_url',
    );
  }
  const role = config.role;
  const partner = typeof config.partner === 'string' ? config.partner : '';
  if (role !== 'writer' && role !== 'reader') {
    throw new CleaningError(`fio (network) found an unknown role: ${String(role)}`);
  }
  if (!partner) throw new CleaningError('fio (network) failed to find partner');
  const other = role === 'writer' ? 'reader' : 'writer';
  const total = runtime * 2 * 1000;
  const started = env.host.clock.now();
  for (const [i, current] of [role, other].entries()) {
    env.reportProgress({
      fraction: Math.min(0.99, (env.host.clock.now() - started) / total),
      message: `fio (network) ${current} with ${partner} (${i + 1} of 2)`,
    });
    await fioNetwork(
      env,
      current === 'writer',
      runtime,
      partner,
      outputfile ? `${outputfile}.${current}` : null,
    );
  }
  env.reportProgress({ fraction: 1, message: `fio (network) with ${partner} done` });
}

async function fioNetwork(
  env: ManagerEnv,
  writer: boolean,
  runtime: number,
  partner: string,
  outputfile: string | null,
): Promise<void> {
  const args = [
    '--ioengine',
    'net',
    '--port',
    '9000',
    '--fill_device',
    '1',
    '--group_reporting',
    '--gtod_reduce',
    '1',
    '--numjobs',
    '16',
    ...(writer
      ? [
          '--name',
          'writer',
          '--rw',
          'write',
          '--runtime',
          String(runtime),
          '--time_based',
          '--listen',
        ]
      : ['--name', 'reader', '--rw', 'read', '--hostname', partner]),
    ...outputFileArgs(outputfile, ['--output-format', 'json', '--output']),
  ];
  for (;;) {
    const out = await runTool(env, 'fio (network)', 'fio', args);
    if (out.exitCode === 0) return;
    if (writer || out.exitCode !== FIO_CONNECT_FAILED) throw failure('fio (network)', out);
    env.logger.info(`fio (network): reader retrying in ${NETWORK_READER_CYCLE_MS / 1000} seconds`);
    await env.host.clock.sleep(NETWORK_READER_CYCLE_MS, env.signal);
  }
}
