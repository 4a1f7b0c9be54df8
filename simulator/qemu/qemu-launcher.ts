import { join } from 'node:path';
import { type Clock, type Logger, systemClock } from '../../lib';
import { type QemuBoot, QemuVm } from '../../lib/qemu';
import type { AgentStatus, OsHandle, RamdiskLauncher } from '../machine';
import { freeHostPort, guestUrl } from './guest-network';
import { diskFiles, machineDir, mediaFile, writeParametersStick } from './machine-files';
import type { RealRamdisk } from './real-ramdisk';

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
}

/** The port the agent inside listens on (IPA's default), forwarded from a free host port. */
const AGENT_PORT = 9999;

/**
 * Boots a machine's network or media boot in QEMU instead of on the fake OS: the BMCs keep
 * driving power, boot device and virtual media on the Machine model, and this launcher turns
 * "the firmware hands over" into a qemu-system-x86_64 process with the machine's disks (sparse
 * files), its MAC and user networking. PXE loads the real ramdisk with `-kernel/-initrd`; a
 * media boot puts the inserted ISO in the CD drive and, as IPA's virtual floppy, a stick with
 * the parameters the user network needs (API address and the forwarded agent port). The serial
 * port is the machine's serial console; power off kills the process.
 */
export class QemuLauncher {
  private readonly sessions = new Map<string, QemuVm>();
  private readonly clock: Clock;

  constructor(private readonly options: QemuMachineOptions) {
    this.clock = options.clock ?? systemClock;
  }

  readonly launch: RamdiskLauncher = async (boot) => {
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
    let qemuBoot: QemuBoot;
    const usbDisks: string[] = [];
    if (boot.device === 'Cd' || boot.device === 'Usb') {
      if (!boot.media) throw new Error('no virtual media inserted');
      const iso = await mediaFile(boot.media, join(dir, 'media.iso'), boot.signal);
      const stick = join(dir, 'parameters.img');
      writeParametersStick(stick, { ...network, ...(o.kernelParams ?? {}) });
      usbDisks.push(stick);
      qemuBoot = { kind: 'cdrom', iso, firmware: machine.bootMode === 'UEFI' ? 'uefi' : 'bios' };
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
    const vm = new QemuVm({
      boot: qemuBoot,
      name: machine.spec.name,
      memoryMiB:
        qemuBoot.kind === 'cdrom' && qemuBoot.firmware === 'uefi' ? Math.max(memory, 384) : memory,
      disks: diskFiles(o.stateDir, machine),
      usbDisks,
      nic: { mac: nic.mac, hostForwards: [{ hostPort: agentPort, guestPort: AGENT_PORT }] },
      ...(o.accel ? { accel: o.accel } : {}),
      clock: this.clock,
      keepLines: 200,
    });
    let stopped = false;
    const status = new AgentStatusWatch((s) => boot.report(s));
    const unsubscribe = vm.onSerial((chunk) => {
      if (stopped) return;
      machine.serial.write(chunk);
      status.feed(chunk);
    });
    vm.start();
    this.sessions.set(machine.id, vm);
    o.logger?.info({ machine: machine.id, args: vm.args() }, 'QEMU machine started');
    boot.report('booting');

    void vm.exited.then((code) => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      this.sessions.delete(machine.id);
      // -no-reboot: QEMU exits when the guest reboots or powers off; the model does the rest.
      if (status.last === 'reboot') machine.osReboot();
      else if (status.last === 'poweroff') machine.osPowerOff();
      else {
        boot.console(`qemu-system-x86_64 exited (${code ?? 'not started'})`);
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
  };

  /** Keystrokes for a QEMU machine's serial port; false when none of ours runs for it. */
  serialInput(machineId: string, text: string): boolean {
    return this.sessions.get(machineId)?.writeSerial(text) ?? false;
  }

  /** The QEMU process of a machine, while one runs. */
  session(machineId: string): QemuVm | undefined {
    return this.sessions.get(machineId);
  }
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
