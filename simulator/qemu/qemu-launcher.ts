import { join } from 'node:path';
import { type Clock, type Logger, systemClock } from '../../lib';
import { type QemuBoot, QemuVm, type QemuVmOptions } from '../../lib/qemu';
import type { AgentStatus, HardwareBoot, Machine, MachineHardware, OsHandle } from '../machine';
import { freeHostPort, guestUrl } from './guest-network';
import {
  diskFiles,
  diskHasBootSignature,
  machineDir,
  mediaFile,
  serialFirmwareArgs,
  writeParametersStick,
} from './machine-files';
import type { RealRamdisk } from './real-ramdisk';

/** What the launcher needs of a QEMU process (QemuVm; a stand-in in unit tests). */
export type QemuProcess = Pick<
  QemuVm,
  'args' | 'start' | 'onSerial' | 'exited' | 'stop' | 'writeSerial'
>;

export interface QemuMachineOptions {
  ramdisk: RealRamdisk;
  /** Disk images and fetched media, one folder per machine. */
  stateDir: string;
  /** The Ironic API as the host sees it; loopback becomes 10.0.2.2 for the guest. */
  apiUrl: string;
  /** Guest RAM cap (default 512 MiB; UEFI boots get at least 384). */
  memoryMiB?: number;
  accel?: 'tcg' | 'kvm';
  /** Extra kernel parameters for PXE boots (`ipa-*`), as Ironic's `kernel_append_params`. */
  kernelParams?: Readonly<Record<string, string>>;
  logger?: Logger;
  clock?: Clock;
  /** Makes the process (default: a real QemuVm); tests pass a stand-in that spawns nothing. */
  createVm?: (options: QemuVmOptions) => QemuProcess;
}

/** The port the agent inside listens on (IPA's default), forwarded from a free host port. */
const AGENT_PORT = 9999;

/**
 * The hardware of a `qemu` machine: the BMCs keep driving power, boot device and virtual media
 * on the Machine model, and every power-on becomes a qemu-system-x86_64 process with the
 * machine's disks (sparse files, kept across boots), its MAC and user networking. PXE loads the
 * real ramdisk with `-kernel/-initrd`; a media boot puts the inserted ISO in the CD drive and,
 * as IPA's virtual floppy, a stick with the parameters the user network needs (API address and
 * the forwarded agent port); a disk boot lets the firmware (SeaBIOS, or OVMF in UEFI mode) boot
 * the disk files. The serial port is the machine's serial console, and everything on it comes
 * from QEMU: SeaBIOS mirrors its screen there (its sercon), OVMF and the kernels print there
 * themselves. Power off kills the process.
 */
export class QemuLauncher implements MachineHardware {
  private readonly sessions = new Map<string, QemuProcess>();
  private readonly clock: Clock;

  constructor(private readonly options: QemuMachineOptions) {
    this.clock = options.clock ?? systemClock;
  }

  hasBootableDisk(machine: Machine): boolean {
    return diskFiles(this.options.stateDir, machine).some((path, i) =>
      diskHasBootSignature(path, machine.spec.disks[i]!.logicalSectorSize, machine.bootMode),
    );
  }

  async boot(boot: HardwareBoot): Promise<OsHandle> {
    const { machine } = boot;
    const o = this.options;
    const agentPort = await freeHostPort();
    const apiUrl = guestUrl(o.apiUrl);
    const network = {
      'ipa-api-url': apiUrl,
      'ipa-inspection-callback-url': `${apiUrl}/v1/continue_inspection`,
      // Ironic reaches the agent through the host port QEMU forwards to the guest's 9999.
      'ipa-advertise-host': '127.0.0.1',
      'ipa-advertise-port': String(agentPort),
    };
    const nic = boot.nic ?? machine.linkedNics()[0] ?? machine.spec.nics[0];
    if (!nic) throw new Error('the machine has no NIC for QEMU');
    const dir = machineDir(o.stateDir, machine);
    const memory = Math.min(machine.spec.memoryMiB, o.memoryMiB ?? 512);
    const firmware = machine.bootMode === 'UEFI' ? 'uefi' : 'bios';
    let qemuBoot: QemuBoot;
    const usbDisks: string[] = [];
    if (boot.device === 'Hdd') {
      qemuBoot = { kind: 'firmware', firmware, device: 'disk' };
    } else if ((boot.device === 'Cd' || boot.device === 'Usb') && !boot.media) {
      qemuBoot = { kind: 'firmware', firmware, device: 'cdrom' };
    } else if (boot.device === 'Cd' || boot.device === 'Usb') {
      if (!boot.media) throw new Error('no virtual media inserted');
      const iso = await mediaFile(boot.media, join(dir, 'media.iso'), boot.signal);
      const stick = join(dir, 'parameters.img');
      writeParametersStick(stick, { ...network, ...(o.kernelParams ?? {}) });
      usbDisks.push(stick);
      qemuBoot = { kind: 'cdrom', iso, firmware };
    } else {
      const params = {
        ...network,
        BOOTIF: `01-${nic.mac.replace(/:/g, '-')}`,
        ...(o.kernelParams ?? {}),
      };
      const append = [
        'console=ttyS0,115200n8',
        ...Object.entries(params).map(([k, v]) => `${k}=${v}`),
      ].join(' ');
      qemuBoot = {
        kind: 'kernel',
        kernel: o.ramdisk.kernel,
        initramfs: o.ramdisk.initramfs,
        append,
      };
    }
    if (boot.signal.aborted) throw new Error('power lost before QEMU started');
    const uefi = qemuBoot.kind !== 'kernel' && qemuBoot.firmware === 'uefi';
    // An ISO's boot loader prints on the serial line itself; SeaBIOS mirroring the screen as
    // well would show each of its lines twice.
    const sercon = !uefi && qemuBoot.kind !== 'cdrom';
    const options: QemuVmOptions = {
      boot: qemuBoot,
      name: machine.spec.name,
      // OVMF needs more room than SeaBIOS.
      memoryMiB: uefi ? Math.max(memory, 384) : memory,
      disks: diskFiles(o.stateDir, machine),
      usbDisks,
      nic: { mac: nic.mac, hostForwards: [{ hostPort: agentPort, guestPort: AGENT_PORT }] },
      ...(o.accel ? { accel: o.accel } : {}),
      ...(sercon ? { extraArgs: serialFirmwareArgs(dir) } : {}),
      clock: this.clock,
      keepLines: 200,
    };
    const vm = o.createVm ? o.createVm(options) : new QemuVm(options);
    let stopped = false;
    const status = new AgentStatusWatch((s) => boot.report(s));
    const unsubscribe = vm.onSerial((raw) => {
      if (stopped) return;
      const chunk = sercon ? withoutSerconWarning(raw) : raw;
      machine.serial.write(chunk);
      status.feed(chunk);
    });
    try {
      vm.start();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    this.sessions.set(machine.id, vm);
    o.logger?.info({ machine: machine.id, args: vm.args() }, 'QEMU machine started');
    boot.report('booting');

    void vm.exited.then((code) => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      this.sessions.delete(machine.id);
      // -no-reboot: QEMU exits (0) when the guest resets (a reboot, SeaBIOS retrying after
      // "No bootable device") or powers off; the model powers off or runs the firmware again.
      if (status.last === 'poweroff') machine.osPowerOff();
      else if (status.last === 'reboot' || code === 0) machine.osReboot();
      else {
        boot.console(`[simulator] qemu-system-x86_64 exited (${code ?? 'not started'})`);
        boot.report('failed');
      }
    });

    const handle: OsHandle = {
      stop: async () => {
        if (!stopped) {
          stopped = true;
          unsubscribe();
        }
        if (this.sessions.get(machine.id) === vm) this.sessions.delete(machine.id);
        await vm.stop();
      },
    };
    return handle;
  }

  /** Keystrokes for a QEMU machine's serial port; false when none of ours runs for it. */
  serialInput(machineId: string, text: string): boolean {
    return this.sessions.get(machineId)?.writeSerial(text) ?? false;
  }

  /** The QEMU process of a machine, while one runs. */
  session(machineId: string): QemuProcess | undefined {
    return this.sessions.get(machineId);
  }
}

/** QEMU warns on stderr about the fw_cfg name SeaBIOS wants; that noise is ours, not the guest's. */
function withoutSerconWarning(chunk: string): string {
  if (!chunk.includes('etc/sercon-port')) return chunk;
  return chunk
    .split(/(?<=\n)/)
    .filter((line) => !(line.startsWith('qemu: ') && line.includes('etc/sercon-port')))
    .join('');
}

/**
 * The agent's progress read off its log on the serial console (JSON lines from pino), and the
 * kernel's last words before QEMU exits.
 */
class AgentStatusWatch {
  last: 'reboot' | 'poweroff' | null = null;
  private buffered = '';

  constructor(private readonly report: (status: AgentStatus) => void) {}

  feed(chunk: string): void {
    this.buffered += chunk;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    if (this.buffered.length > 64 * 1024) this.buffered = '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line.includes('reboot: Restarting system')) this.last = 'reboot';
    else if (line.includes('reboot: Power down')) this.last = 'poweroff';
    if (!line.includes('"ironic-python-agent"')) return;
    if (line.includes('"msg":"lookup succeeded"') || line.includes('"msg":"heartbeat sent"'))
      this.report('running');
    else if (line.includes('"msg":"agent failed"')) this.report('failed');
    else if (line.includes('"msg":"lookup failed')) this.report('looking-up');
  }
}
