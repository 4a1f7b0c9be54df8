import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib';
import { ESP_TYPE, LINUX_TYPE, writeGptImage } from '../testing/disk-images';
import { testMachine } from '../testing/machines';
import type { AgentStatus, RamdiskBoot } from './machine';

function recordingLauncher() {
  const boots: RamdiskBoot[] = [];
  let stops = 0;
  const launcher = async (boot: RamdiskBoot) => {
    boots.push(boot);
    boot.report('looking-up');
    await Promise.resolve();
    return {
      stop: async () => {
        stops++;
        await Promise.resolve();
      },
    };
  };
  return { launcher, boots, stops: () => stops };
}

describe('Machine power and boot state machine', () => {
  it('goes off → firmware → booting → running(agent) on a PXE boot, on the clock', async () => {
    const clock = new FakeClock();
    const { launcher, boots } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    const phases: string[] = [];
    m.onChange((x) => {
      if (phases[phases.length - 1] !== x.phase) phases.push(x.phase);
    });
    expect(m.powerOn()).toBe(true);
    expect(m.phase).toBe('firmware');
    expect(m.pendingTimers).toEqual(['post']);
    await clock.advance(m.spec.timings.postMs - 1);
    expect(m.phase).toBe('firmware');
    await clock.advance(1);
    expect(m.phase).toBe('booting');
    expect(m.agentStatus).toBe('booting');
    expect(m.serial.tail()).toContain(`Booting from PXE over enp1s0 (MAC ${m.spec.nics[0]!.mac})`);
    await clock.advance(m.spec.timings.netbootMs);
    expect(m.phase).toBe('running');
    expect(m.runningOs).toBe('agent');
    expect(boots).toHaveLength(1);
    expect(boots[0]!.device).toBe('Pxe');
    expect(boots[0]!.nic?.name).toBe('enp1s0');
    expect(m.agentStatus).toBe('looking-up');
    expect(phases).toEqual(['firmware', 'booting', 'running']);
    // The ramdisk's getty keeps quiet under the agent's log until someone presses Enter.
    expect(m.serial.tail()).not.toContain('login:');
    m.serialInput('\r');
    expect(m.serial.tail().endsWith('\r\nlocalhost login: ')).toBe(true);
  });

  it('power off stops the agent at once and ignores the late callbacks of that boot', async () => {
    const clock = new FakeClock();
    const { launcher, boots, stops } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    m.powerOn();
    await clock.runUntil(() => m.runningOs === 'agent');
    expect(await m.powerOff()).toBe(true);
    expect(stops()).toBe(1);
    expect(m.phase).toBe('off');
    expect(m.agentStatus).toBe('off');
    boots[0]!.report('running');
    boots[0]!.console('late line');
    expect(m.agentStatus).toBe('off');
    expect(m.serial.tail()).not.toContain('late line');
    expect(m.pendingTimers).toEqual([]);
  });

  it('power off during POST cancels the boot: nothing fires later', async () => {
    const clock = new FakeClock();
    const { launcher, boots } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    m.powerOn();
    await clock.advance(100);
    await m.powerOff();
    await clock.advance(3_600_000);
    expect(m.phase).toBe('off');
    expect(boots).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('a machine whose launcher resolves after a power cut stops that OS', async () => {
    const clock = new FakeClock();
    let release!: () => void;
    let stopped = 0;
    const m = testMachine('small-vm', clock, {
      launcher: async () => {
        await new Promise<void>((r) => (release = r));
        return {
          stop: () => {
            stopped++;
            return Promise.resolve();
          },
        };
      },
    });
    m.powerOn();
    await clock.runUntil(() => m.runningOs === 'agent');
    await m.powerOff();
    release();
    await clock.advance(0);
    expect(stopped).toBe(1);
    expect(m.phase).toBe('off');
  });

  it('Hdd boot with nothing written halts with "No bootable device"', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock);
    m.setBootOverride({ target: 'Hdd', enabled: 'Continuous' });
    m.powerOn();
    await clock.advance(m.spec.timings.postMs);
    expect(m.phase).toBe('running');
    expect(m.runningOs).toBe('halted');
    expect(m.serial.tail()).toContain('No bootable device');
    expect(m.gracefulShutdown()).toBe(false);
  });

  it('boots an installed image from disk: GPT, EFI system partition, root file system', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock);
    writeGptImage((o, d) => m.disks[0]!.data.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
      {
        startLba: 2048,
        sizeLba: 204800,
        type: ESP_TYPE,
        uuid: '11111111-2222-4333-8444-555555555555',
        name: 'EFI',
        fs: { type: 'vfat', uuid: 'ABCD-1234' },
      },
      {
        startLba: 206848,
        sizeLba: 4_000_000,
        type: LINUX_TYPE,
        uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        name: 'root',
        fs: {
          type: 'ext4',
          uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a',
          label: 'cloudimg-rootfs',
        },
      },
    ]);
    m.setBootOverride({ target: 'Hdd', enabled: 'Continuous' });
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.runningOs).toBe('disk');
    expect(m.serial.tail()).toContain(
      'root=UUID=0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a on /dev/sda2',
    );
    expect(m.serial.tail()).toContain('"cloudimg-rootfs"');
    // The installed OS's getty answers on the serial line: echo, then a password prompt that
    // does not echo, then a refusal and the prompt again.
    expect(m.serial.tail().endsWith('small-vm-test login: ')).toBe(true);
    const seen: string[] = [];
    m.serial.subscribe((chunk) => seen.push(chunk));
    m.serialInput('root\r\n');
    m.serialInput('secret\r');
    expect(seen.join('')).toBe(
      'root\r\nPassword: \r\n\r\nLogin incorrect\r\nsmall-vm-test login: ',
    );
    await m.powerOff();
    seen.length = 0;
    m.serialInput('anyone there?\r');
    expect(seen).toEqual([]);
  });

  it('a disk with a table but no root file system drops to grub rescue; a GPT without ESP does not boot in UEFI', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock);
    writeGptImage((o, d) => m.disks[0]!.data.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
      {
        startLba: 2048,
        sizeLba: 204800,
        type: ESP_TYPE,
        uuid: '11111111-2222-4333-8444-555555555555',
        name: 'EFI',
        fs: { type: 'vfat', uuid: 'ABCD-1234' },
      },
    ]);
    m.setBootOverride({ target: 'Hdd', enabled: 'Continuous' });
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.runningOs).toBe('halted');
    expect(m.serial.tail().endsWith('grub rescue> ')).toBe(true);
    m.serialInput('ls\r');
    expect(m.serial.tail().endsWith("ls\r\nerror: unknown command `ls'.\r\ngrub rescue> ")).toBe(
      true,
    );
    await m.powerOff();
    writeGptImage((o, d) => m.disks[0]!.data.write(o, d), '5b3f1c9e-8d1a-4c2b-9e7f-0a1b2c3d4e5f', [
      {
        startLba: 2048,
        sizeLba: 4_000_000,
        type: LINUX_TYPE,
        uuid: '66666666-7777-4888-9999-aaaaaaaaaaaa',
        name: 'root',
        fs: { type: 'ext4', uuid: '0d9c7a4e-3b2f-4a1c-8e6d-5f4e3d2c1b0a' },
      },
    ]);
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.serial.tail()).toContain('no EFI system partition');
    expect(m.runningOs).toBe('halted');
  });

  it('a Once override is consumed by the boot that uses it; the default order follows', async () => {
    const clock = new FakeClock();
    const { launcher, boots } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    m.setBootOverride({ target: 'BiosSetup', enabled: 'Once' });
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.runningOs).toBe('setup');
    expect(m.bootOverride).toEqual({ target: 'BiosSetup', enabled: 'Disabled' });
    await m.reset();
    await clock.runUntil(() => m.runningOs === 'agent');
    // No bootable disk, so the default order falls through to the network.
    expect(boots.map((b) => b.device)).toEqual(['Pxe']);
  });

  it('Cd boot needs inserted media and passes the image to the launcher', async () => {
    const clock = new FakeClock();
    const { launcher, boots } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    m.setBootOverride({ target: 'Cd', enabled: 'Continuous' });
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.runningOs).toBe('halted');
    await m.powerOff();
    m.insertMedia('Cd', 'http://images/ipa.iso');
    m.powerOn();
    await clock.runUntil(() => m.runningOs === 'agent');
    expect(boots[0]!.media).toBe('http://images/ipa.iso');
    expect(boots[0]!.nic).toBeNull();
  });

  it('graceful shutdown passes through shutting-down and ends off', async () => {
    const clock = new FakeClock();
    const { launcher, stops } = recordingLauncher();
    const m = testMachine('small-vm', clock, { launcher });
    m.powerOn();
    await clock.runUntil(() => m.runningOs === 'agent');
    expect(m.gracefulShutdown()).toBe(true);
    expect(m.phase).toBe('shutting-down');
    await clock.advance(m.spec.timings.shutdownMs);
    expect(m.phase).toBe('off');
    expect(stops()).toBe(1);
  });

  it('power cycle is off then on; a power off in the gap cancels the power on', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock, { launcher: recordingLauncher().launcher });
    m.powerOn();
    await clock.advance(10);
    await m.powerCycle();
    expect(m.phase).toBe('off');
    await clock.advance(m.spec.timings.cycleOffMs);
    expect(m.phase).toBe('firmware');
    await m.powerCycle();
    expect(await m.powerOff()).toBe(true);
    await clock.advance(m.spec.timings.cycleOffMs * 10);
    expect(m.phase).toBe('off');
  });

  it('no NIC with link: PXE fails with PXE-E61', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock);
    m.faults.linkDown.add('enp1s0');
    m.powerOn();
    await clock.runUntil(() => m.phase === 'running');
    expect(m.runningOs).toBe('halted');
    expect(m.serial.tail()).toContain('PXE-E61');
  });

  it('a launcher failure marks the agent failed', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock, {
      launcher: () => Promise.reject(new Error('kernel panic')),
    });
    const seen: AgentStatus[] = [];
    m.onChange((x) => seen.push(x.agentStatus));
    m.powerOn();
    await clock.runUntil(() => m.agentStatus === 'failed');
    expect(m.serial.tail()).toContain('kernel panic');
    expect(seen).toContain('booting');
  });

  it('ignores power requests when the fault says so', async () => {
    const clock = new FakeClock();
    const m = testMachine('small-vm', clock);
    m.faults.powerActionIgnored = true;
    expect(m.powerOn()).toBe(false);
    expect(m.phase).toBe('off');
    m.faults.powerActionIgnored = false;
    expect(m.powerOn()).toBe(true);
    m.faults.powerActionIgnored = true;
    expect(await m.powerOff()).toBe(false);
    expect(m.poweredOn).toBe(true);
    m.faults.powerActionIgnored = false;
    await m.powerOff();
  });
});
