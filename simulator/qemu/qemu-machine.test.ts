import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../lib';
import { OVMF_FIRMWARE, QemuVm, type QemuVmOptions } from '../../lib/qemu';
import { testMachine } from '../testing/machines';
import { QemuLauncher, type QemuProcess } from './qemu-launcher';

/**
 * A stand-in for qemu-system-x86_64: spawns nothing, computes the real argument list, and lets
 * the test play the guest (serial output, exit code) and read what was typed on its serial port.
 */
class FakeQemu implements QemuProcess {
  started = false;
  stopped = false;
  typed = '';
  readonly exited: Promise<number | null>;
  private finish: (code: number | null) => void = () => undefined;
  private readonly listeners = new Set<(chunk: string) => void>();

  constructor(
    readonly options: QemuVmOptions,
    private readonly failStart = false,
  ) {
    this.exited = new Promise((resolve) => (this.finish = resolve));
  }
  args(): string[] {
    return new QemuVm(this.options).args();
  }
  start(): void {
    if (this.failStart) throw new Error('qemu-system-x86_64 is not installed');
    this.started = true;
  }
  onSerial(listener: (chunk: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  writeSerial(data: string | Uint8Array): boolean {
    this.typed += String(data);
    return true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.finish(null);
    await Promise.resolve();
  }
  /** What the guest prints (or QEMU's stderr, already prefixed with "qemu: "). */
  print(chunk: string): void {
    for (const listener of this.listeners) listener(chunk);
  }
  exit(code: number): void {
    this.finish(code);
  }
}

// The model behind a `qemu` machine adds nothing to its serial console: POST, boot loader and
// kernel lines come from QEMU's firmware and guest only. Checked with a stand-in process, so
// the exact console contents are known; fleet-qemu.test.ts starts the real QEMU.
describe('a machine whose hardware is QEMU', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function setup(options: { failStart?: boolean } = {}) {
    const clock = new FakeClock();
    const state = mkdtempSync(join(tmpdir(), 'qemu-machine-'));
    dirs.push(state);
    const vms: FakeQemu[] = [];
    const launcher = new QemuLauncher({
      ramdisk: { kernel: '/boot/ipa.kernel', initramfs: '/boot/ipa.initramfs' },
      stateDir: state,
      apiUrl: 'http://127.0.0.1:6385',
      clock,
      createVm: (o) => {
        const vm = new FakeQemu(o, options.failStart);
        vms.push(vm);
        return vm;
      },
    });
    const machine = testMachine('small-vm', clock, { id: 'q1', hardware: launcher });
    /** Presses power on and waits for QEMU number `n` (1-based) to be started. */
    const boot = async (n: number, press: () => unknown = () => machine.powerOn()) => {
      press();
      // The power-on may come from a QEMU exit, a few promise turns away.
      await vi.waitFor(() => expect(machine.pendingTimers).toContain('post'));
      await clock.advance(machine.spec.timings.postMs);
      await vi.waitFor(() => expect(vms.length).toBeGreaterThanOrEqual(n));
      return vms[n - 1]!;
    };
    return { clock, state, vms, launcher, machine, boot };
  }

  const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

  it('network boot: the console is exactly what QEMU printed, the agent status read from it', async () => {
    const { machine, boot, launcher } = setup();
    const vm = await boot(1);
    const args = vm.args();
    expect(flag(args, '-kernel')).toBe('/boot/ipa.kernel');
    // SeaBIOS is asked to mirror its screen on the serial port.
    expect(args.join(' ')).toMatch(/-fw_cfg name=etc\/sercon-port,file=\S+sercon-port\.bin/);
    expect(machine.serial.tail()).toBe('');
    expect(machine).toMatchObject({ runningOs: 'agent', agentStatus: 'booting' });

    const guest = [
      'qemu: qemu-system-x86_64: -fw_cfg name=etc/sercon-port,file=/x: warning: externally provided fw_cfg item names should be prefixed with "opt/"\r\n',
      'SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n',
      'Booting from ROM...\r\n',
      '[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)\r\n',
      '{"level":30,"name":"ironic-python-agent","msg":"lookup succeeded"}\r\n',
    ];
    for (const chunk of guest) vm.print(chunk);
    // QEMU's complaint about the fw_cfg name we chose is our plumbing, not the guest's output.
    expect(machine.serial.tail()).toBe(guest.slice(1).join(''));
    expect(machine.agentStatus).toBe('running');
    expect(machine.serial.tail()).not.toMatch(/6\.1\.0-ipa|Press <F2>|Booting from PXE/);

    // Keystrokes go to the guest's serial port, not to the model's getty.
    expect(launcher.serialInput('q1', 'root\r')).toBe(true);
    machine.serialInput('ignored\r');
    expect(vm.typed).toBe('root\r');
    expect(machine.serial.tail()).not.toMatch(/login:/);

    // No ACPI or NMI reaches QEMU: refused, and nothing invented on the console.
    expect(machine.gracefulShutdown()).toBe(false);
    expect(machine.nmi()).toBe(false);

    // The guest reboots: its kernel says so, QEMU exits 0 (-no-reboot), a new QEMU starts.
    vm.print('[   42.000000] reboot: Restarting system\r\n');
    vm.exit(0);
    const second = await boot(2, () => undefined);
    expect(second.started).toBe(true);
    expect(machine.serial.tail().match(/reboot: Restarting system/g)).toHaveLength(1);
    expect(vm.stopped).toBe(true);
  });

  it('disk boot: SeaBIOS (Legacy) or OVMF (UEFI) boot the disk files, and retry on reset', async () => {
    const { machine, boot } = setup();
    machine.setBootMode('Legacy');
    machine.setBootOverride({ target: 'Hdd', enabled: 'Continuous' });
    const vm = await boot(1);
    const args = vm.args();
    expect(args).not.toContain('-kernel');
    expect(args).not.toContain('-bios');
    expect(flag(args, '-boot')).toBe('order=c');
    expect(args.join(' ')).toContain('etc/sercon-port');
    expect(args.filter((a) => a.includes('if=virtio'))).toHaveLength(machine.spec.disks.length);
    expect(machine).toMatchObject({ runningOs: 'disk', agentStatus: 'off', lastBoot: 'Hdd' });
    const firmware =
      'SeaBIOS (version 1.16.2)\r\nBooting from Hard Disk...\r\nNo bootable device.\r\n';
    vm.print(firmware);
    expect(machine.serial.tail()).toBe(firmware);

    // SeaBIOS resets after a while with nothing to boot; QEMU exits 0 and the firmware runs again.
    vm.exit(0);
    const again = await boot(2, () => undefined);
    expect(flag(again.args(), '-boot')).toBe('order=c');
    expect(machine.serial.tail()).toBe(firmware);

    await machine.powerOff();
    expect(again.stopped).toBe(true);
    machine.setBootMode('UEFI');
    const uefi = (await boot(3)).args();
    expect(flag(uefi, '-bios')).toBe(OVMF_FIRMWARE);
    expect(flag(uefi, '-boot')).toBe('order=c');
    // OVMF writes to the serial port itself.
    expect(uefi.join(' ')).not.toContain('sercon');
    expect(Number(flag(uefi, '-m'))).toBeGreaterThanOrEqual(384);
  });

  it('without an override the firmware boots a disk file with a boot signature, else the network', async () => {
    const { machine, boot, state } = setup();
    machine.setBootOverride({ target: 'Pxe', enabled: 'Disabled' });
    const first = await boot(1);
    expect(first.args()).toContain('-kernel');
    await machine.powerOff();

    // An MBR signature written into the disk file, as a deployed image leaves one.
    const fd = openSync(join(state, 'q1', `${machine.spec.disks[0]!.name}.img`), 'r+');
    writeSync(fd, Buffer.from([0x55, 0xaa]), 0, 2, 510);
    closeSync(fd);
    const second = await boot(2);
    expect(second.args()).not.toContain('-kernel');
    expect(flag(second.args(), '-boot')).toBe('order=c');
    expect(machine.runningOs).toBe('disk');
  });

  it('a media boot with nothing inserted starts the firmware on an empty CD drive', async () => {
    const { machine, boot } = setup();
    machine.setBootMode('Legacy');
    machine.setBootOverride({ target: 'Cd', enabled: 'Once' });
    const args = (await boot(1)).args();
    expect(args.join(' ')).toContain('-drive if=ide,index=1,media=cdrom');
    expect(flag(args, '-boot')).toBe('order=d');
    expect(args).not.toContain('-cdrom');
    expect(machine.bootOverride.enabled).toBe('Disabled');
  });

  it('refuses the faults QEMU cannot feel and keeps the BMC ones', () => {
    const { machine } = setup();
    expect(() => machine.injectFault({ kind: 'disk-failure', disk: 'sda' })).toThrow(
      /disk-failure does not reach emulated hardware/,
    );
    expect(() => machine.injectFault({ kind: 'agent-crash' })).toThrow(RangeError);
    machine.injectFault({ kind: 'bmc-error' });
    expect(machine.activeFaults).toEqual([{ kind: 'bmc-error' }]);
  });

  it('a QEMU that cannot start is reported as the simulator’s note, not as guest output', async () => {
    const { machine, boot } = setup({ failStart: true });
    await boot(1);
    await vi.waitFor(() => expect(machine.agentStatus).toBe('failed'));
    expect(machine.serial.tail()).toBe('[simulator] qemu-system-x86_64 is not installed\r\n');
  });
});
