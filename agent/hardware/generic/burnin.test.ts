import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { commandLines, diskHost } from '../testing/disk-host';
import { testEnv } from '../testing/env';
import { GenericHardwareManager } from './generic-manager';

const GiB = 2 ** 30;

function setup(driverInfo: Record<string, unknown>, clock = new FakeClock(0)) {
  const host = diskHost(
    [
      { kname: 'sda', size: 100 * GiB },
      { kname: 'sdb', size: 100 * GiB, serial: 'SKIP' },
    ],
    clock,
  );
  const node = {
    uuid: 'n',
    driver_info: driverInfo,
    properties: { skip_block_devices: [{ serial: 'SKIP' }] },
  };
  const manager = new GenericHardwareManager();
  const env = testEnv({ host, node, methods: manager.methods });
  const step = (name: string) => Promise.resolve(manager.methods[name]!({ node }, env));
  return { host, env, step, clock };
}

describe('burn-in steps', () => {
  it("runs stress-ng with IPA's defaults and the node's driver_info", async () => {
    const { host, step } = setup({});
    host.command('stress-ng', () => ({
      exitCode: 0,
      stdout: '',
      stderr: 'stress-ng: info: passed: 8: cpu (8)',
    }));
    await step('burnin_cpu');
    await step('burnin_memory');
    const tuned = setup({
      agent_burnin_cpu_cpu: 4,
      agent_burnin_cpu_timeout: '600',
      agent_burnin_cpu_outputfile: '/var/log/cpu.log',
      agent_burnin_vm_vm: 2,
      'agent_burnin_vm_vm-bytes': '75%',
      agent_burnin_vm_timeout: 300,
    });
    tuned.host.command('stress-ng', () => '');
    await tuned.step('burnin_cpu');
    await tuned.step('burnin_memory');
    expect([
      ...commandLines(host, ['stress-ng']),
      ...commandLines(tuned.host, ['stress-ng']),
    ]).toEqual([
      'stress-ng --cpu 0 --timeout 86400 --metrics-brief',
      'stress-ng --vm 0 --vm-bytes 98% --timeout 86400 --metrics-brief',
      'stress-ng --cpu 4 --timeout 600 --metrics-brief --log-file /var/log/cpu.log',
      'stress-ng --vm 2 --vm-bytes 75% --timeout 300 --metrics-brief',
    ]);
  });

  it('reports time-based progress while stress-ng runs', async () => {
    const { host, env, step, clock } = setup({ agent_burnin_cpu_timeout: 100 });
    let finish!: () => void;
    host.command('stress-ng', () => new Promise((r) => (finish = () => r(''))));
    const running = step('burnin_cpu');
    await new Promise((r) => setImmediate(r));
    await clock.advance(50_000);
    expect(env.progress.at(-1)).toEqual({ fraction: 0.5, message: 'stress-ng (cpu) for 100 s' });
    finish();
    await running;
    expect(env.progress.at(-1)).toEqual({ fraction: 1, message: 'stress-ng (cpu) for 100 s' });
  });

  it('fails with the tool missing or its exit code and last words', async () => {
    const { host, step } = setup({});
    await expect(step('burnin_cpu')).rejects.toMatchObject({
      type: 'CommandExecutionError',
      details: 'stress-ng (cpu) failed: stress-ng is not installed',
    });
    host.command('stress-ng', () => ({
      exitCode: 2,
      stdout: '',
      stderr:
        'stress-ng: info: dispatching hogs\nstress-ng: fail: vm: detected memory error at 0x7f00',
    }));
    await expect(step('burnin_memory')).rejects.toMatchObject({
      details:
        'stress-ng (vm) failed with exit code 2: stress-ng: info: dispatching hogs | stress-ng: fail: vm: detected memory error at 0x7f00',
    });
  });

  it('runs fio over the disks (skip list honoured), then optional SMART self-tests', async () => {
    const { host, step, clock } = setup({
      agent_burnin_fio_disk_loops: 2,
      agent_burnin_fio_disk_runtime: 60,
      agent_burnin_fio_disk_smart_test: true,
    });
    host.command('fio', () => '{"jobs": []}');
    let polls = 0;
    host.command('smartctl', (args) =>
      args[0] === '-t'
        ? 'Testing has begun.'
        : JSON.stringify({
            ata_smart_data: {
              self_test: {
                status: {
                  string: ++polls < 2 ? 'in progress, 90% remaining' : 'completed without error',
                },
              },
            },
          }),
    );
    const running = step('burnin_disk');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      await clock.advance(30_000);
    }
    await running;
    expect(commandLines(host, ['fio', 'smartctl'])).toEqual([
      'fio --rw readwrite --bs 4k --direct 1 --ioengine libaio --iodepth 32 --verify crc32c ' +
        '--verify_dump 1 --continue_on_error verify --loops 2 --runtime 60 --time_based --name /dev/sda',
      'smartctl -t long /dev/sda',
      'smartctl -ja /dev/sda',
      'smartctl -ja /dev/sda',
    ]);
  });

  it('fails the disk burn-in when a SMART self-test fails', async () => {
    const { host, step } = setup({ agent_burnin_fio_disk_smart_test: 'true' });
    host.command('fio', () => '');
    host.command('smartctl', (args) =>
      args[0] === '-t'
        ? ''
        : JSON.stringify({
            ata_smart_data: { self_test: { status: { string: 'completed: read failure' } } },
          }),
    );
    await expect(step('burnin_disk')).rejects.toMatchObject({
      type: 'CleaningError',
      details: 'fio (disk) SMART test failed for /dev/sda: completed: read failure',
    });
  });

  it('runs the network burn-in with a static partner, both roles, the reader retrying', async () => {
    const { host, step, clock } = setup({
      agent_burnin_fio_network_config: { role: 'reader', partner: 'node-b.example' },
      agent_burnin_fio_network_runtime: 120,
      agent_burnin_fio_network_outputfile: '/tmp/net.json',
    });
    let readerTries = 0;
    host.command('fio', (args) =>
      args.includes('reader') && ++readerTries === 1
        ? { exitCode: 16, stdout: '', stderr: 'fio: connect: Connection refused' }
        : '',
    );
    const running = step('burnin_network');
    await new Promise((r) => setImmediate(r));
    await clock.advance(30_000);
    await running;
    const common =
      '--ioengine net --port 9000 --fill_device 1 --group_reporting --gtod_reduce 1 --numjobs 16';
    expect(commandLines(host, ['fio'])).toEqual([
      `fio ${common} --name reader --rw read --hostname node-b.example --output-format json --output /tmp/net.json.reader`,
      `fio ${common} --name reader --rw read --hostname node-b.example --output-format json --output /tmp/net.json.reader`,
      `fio ${common} --name writer --rw write --runtime 120 --time_based --listen --output-format json --output /tmp/net.json.writer`,
    ]);
  });

  it('explains what network pairing it cannot do', async () => {
    await expect(
      setup({ agent_burnin_fio_network_pairing_backend_url: 'etcd3+http://c:2379' }).step(
        'burnin_network',
      ),
    ).rejects.toMatchObject({
      details: expect.stringContaining('(tooz) is not supported by this agent') as unknown,
    });
    await expect(setup({}).step('burnin_network')).rejects.toMatchObject({
      details:
        'fio (network): dynamic pairing config is missing agent_burnin_fio_network_pairing_backend_url',
    });
    await expect(
      setup({ agent_burnin_fio_network_config: { role: 'sender', partner: 'x' } }).step(
        'burnin_network',
      ),
    ).rejects.toMatchObject({ details: 'fio (network) found an unknown role: sender' });
  });
});
