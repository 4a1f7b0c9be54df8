import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { type Clock, systemClock } from '../clock';
import { findProgram } from './find-program';

/**
 * What the machine boots: the ramdisk directly (like PXE), an ISO from its CD drive, or whatever
 * the firmware finds on its own disks (or in an empty CD drive), as a server booting locally.
 */
export type QemuBoot =
  | { kind: 'kernel'; kernel: string; initramfs: string; append: string }
  | { kind: 'cdrom'; iso: string; firmware: 'bios' | 'uefi' }
  | { kind: 'firmware'; firmware: 'bios' | 'uefi'; device: 'disk' | 'cdrom' };

/** A disk image file; raw unless said otherwise. */
export type QemuDisk = string | { path: string; format: 'raw' | 'qcow2' };

export interface QemuVmOptions {
  boot: QemuBoot;
  memoryMiB: number;
  /** Disk images, attached as virtio disks in order (vda, vdb, …). */
  disks?: readonly QemuDisk[];
  /** Raw images on USB mass storage (xHCI), as BMCs present virtual floppies and sticks. */
  usbDisks?: readonly string[];
  /** One virtio NIC on QEMU's user network; the guest reaches the host's loopback at 10.0.2.2. */
  nic: { mac: string; hostForwards?: readonly { hostPort: number; guestPort: number }[] };
  /** The serial console is copied here, each line stamped with seconds since start(). */
  serialLog?: string;
  /** Default tcg (software emulation, works everywhere); kvm where /dev/kvm is usable. */
  accel?: 'tcg' | 'kvm';
  /**
   * A virtio RNG fed from the host (default on): the software CPU has no RDRAND, and without it
   * the guest kernel's random pool takes seconds to seed while Node waits in getrandom().
   */
  rng?: boolean;
  /** Shown by ps and QEMU's own messages. */
  name?: string;
  /** For the console's time stamps and the waits; the process itself runs in real time. */
  clock?: Clock;
  /** Console lines kept for waits and failure messages (default 10 000, the oldest go first). */
  keepLines?: number;
  /** Appended to the arguments as they are (e.g. `-fw_cfg` items). */
  extraArgs?: readonly string[];
}

/** Raw serial output as it arrives (escape sequences and CR LF kept, for a terminal). */
export type SerialListener = (chunk: string) => void;

const ANSI_ESCAPE = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g');

/** Debian's OVMF build (package ovmf), for UEFI boots. */
export const OVMF_FIRMWARE = '/usr/share/ovmf/OVMF.fd';

/**
 * A QEMU machine whose serial console is watched line by line (and passed on raw). Used by the
 * tests that boot the agent ramdisk on a real kernel and by the simulator's QEMU machines;
 * `stop()` ends the process and every listener.
 */
export class QemuVm {
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private buffered = '';
  /** QEMU's stderr up to its last newline, so each complete line gets its "qemu: " prefix. */
  private stderrBuffered = '';
  private readonly clock: Clock;
  private readonly lines: { at: number; text: string }[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly serialListeners = new Set<SerialListener>();
  private exit: Promise<number | null> | null = null;
  private exitCode: number | null | undefined = undefined;

  constructor(private readonly options: QemuVmOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** The qemu-system-x86_64 arguments, for the log and for tests. */
  args(): string[] {
    const o = this.options;
    const args = ['-accel', o.accel ?? 'tcg', '-m', String(o.memoryMiB), '-smp', '1'];
    if (o.name) args.push('-name', o.name);
    args.push('-display', 'none', '-no-reboot', '-monitor', 'none', '-serial', 'stdio');
    if (o.rng !== false) args.push('-device', 'virtio-rng-pci');
    if (o.boot.kind === 'kernel') {
      args.push('-kernel', o.boot.kernel, '-initrd', o.boot.initramfs, '-append', o.boot.append);
    } else if (o.boot.kind === 'cdrom') {
      if (o.boot.firmware === 'uefi') args.push('-bios', OVMF_FIRMWARE);
      args.push('-cdrom', o.boot.iso, '-boot', 'order=d');
    } else {
      if (o.boot.firmware === 'uefi') args.push('-bios', OVMF_FIRMWARE);
      // An empty drive, as a BMC's virtual CD with nothing inserted.
      if (o.boot.device === 'cdrom') args.push('-drive', 'if=ide,index=1,media=cdrom');
      args.push('-boot', o.boot.device === 'cdrom' ? 'order=d' : 'order=c');
    }
    for (const disk of o.disks ?? []) {
      const { path, format } = typeof disk === 'string' ? { path: disk, format: 'raw' } : disk;
      args.push('-drive', `file=${path},format=${format},if=virtio,cache=unsafe`);
    }
    if ((o.usbDisks ?? []).length > 0) args.push('-device', 'qemu-xhci,id=xhci');
    (o.usbDisks ?? []).forEach((path, i) => {
      args.push('-drive', `if=none,id=usb${i},file=${path},format=raw,cache=unsafe`);
      args.push('-device', `usb-storage,bus=xhci.0,drive=usb${i},removable=on`);
    });
    const forwards = (o.nic.hostForwards ?? [])
      .map((f) => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`)
      .join('');
    args.push('-nic', `user,model=virtio-net-pci,mac=${o.nic.mac}${forwards}`);
    args.push(...(o.extraArgs ?? []));
    return args;
  }

  start(): void {
    if (this.child) throw new Error('the VM is already running');
    const qemu = findProgram('qemu-system-x86_64');
    if (!qemu)
      throw new Error('qemu-system-x86_64 is not installed: apt-get install qemu-system-x86');
    if (this.options.boot.kind !== 'kernel' && this.options.boot.firmware === 'uefi') {
      if (!existsSync(OVMF_FIRMWARE))
        throw new Error(`${OVMF_FIRMWARE} is missing: apt-get install ovmf`);
    }
    if (this.options.serialLog) writeFileSync(this.options.serialLog, '');
    this.startedAt = this.clock.now();
    // stdin is the serial port's receive line (-serial stdio).
    const child = spawn(qemu, this.args(), { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin?.on('error', () => undefined);
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8'), true));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8'), false));
    this.exit = new Promise((resolve) => {
      child.once('error', (err) => {
        this.onOutput(`qemu: ${err.message}\n`, false);
        this.exitCode = null;
        this.wake();
        resolve(null);
      });
      child.once('exit', (code) => {
        if (this.stderrBuffered !== '') this.onOutput('\n', false);
        this.exitCode = code;
        this.wake();
        resolve(code);
      });
    });
  }

  /** The QEMU process id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Resolves with QEMU's exit code once it has exited (null when it could not start). */
  get exited(): Promise<number | null> {
    return this.exit ?? Promise.resolve(null);
  }

  /** Seconds since start(). */
  elapsedSeconds(): number {
    return (this.clock.now() - this.startedAt) / 1000;
  }

  /** Seconds since start() at which a console line first matched, or null. */
  firstMatch(pattern: RegExp): number | null {
    return this.lines.find((l) => pattern.test(l.text))?.at ?? null;
  }

  /**
   * Every serial chunk from now on, unaltered; QEMU's own complaints (stderr) come as lines
   * starting with "qemu: ". Returns the unsubscribe function.
   */
  onSerial(listener: SerialListener): () => void {
    this.serialListeners.add(listener);
    return () => this.serialListeners.delete(listener);
  }

  /** Types into the serial console (what a terminal sends: CR for Enter). False when not running. */
  writeSerial(data: string | Uint8Array): boolean {
    const stdin = this.child?.stdin;
    if (!this.running || !stdin || stdin.destroyed) return false;
    stdin.write(data);
    return true;
  }

  /** Resolves with the first console line matching; rejects on timeout or when QEMU exits. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.find((l) => pattern.test(l.text));
        if (hit) return finish(() => resolve(hit.text));
        if (this.exitCode !== undefined) {
          return finish(() =>
            reject(new Error(`QEMU exited (${this.exitCode}) before ${pattern}`)),
          );
        }
      };
      const timer = this.clock.setTimeout(
        () =>
          finish(() => reject(new Error(`no console line matched ${pattern} in ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (fn: () => void) => {
        this.clock.clearTimeout(timer);
        this.waiters.delete(check);
        fn();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The console so far (the last `maxLines`), for failure messages. */
  consoleTail(maxLines = 60): string {
    return this.lines
      .slice(-maxLines)
      .map((l) => `${l.at.toFixed(1).padStart(6)} ${l.text}`)
      .join('\n');
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.exitCode === undefined) child.kill('SIGTERM');
    const killer = this.clock.setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exit;
    this.clock.clearTimeout(killer);
    child.stdin?.destroy();
    child.stdout?.removeAllListeners();
    child.stderr?.removeAllListeners();
    this.waiters.clear();
    this.serialListeners.clear();
  }

  private onOutput(text: string, serial: boolean): void {
    let raw = text;
    if (!serial) {
      this.stderrBuffered += text;
      const complete = this.stderrBuffered.lastIndexOf('\n') + 1;
      raw = this.stderrBuffered
        .slice(0, complete)
        .replace(/^(?=.)/gm, 'qemu: ')
        .replace(/\r?\n/g, '\r\n');
      this.stderrBuffered = this.stderrBuffered.slice(complete);
    }
    for (const listener of raw === '' ? [] : this.serialListeners) {
      try {
        listener(raw);
      } catch {
        // A broken viewer must not stop the machine.
      }
    }
    this.buffered += text;
    const parts = this.buffered.split(/\r?\n/);
    this.buffered = parts.pop() ?? '';
    const at = this.elapsedSeconds();
    for (const part of parts) {
      // Firmware menus paint with escape sequences; keep the text.
      const line = part.replace(ANSI_ESCAPE, '').replace(/\r/g, '');
      if (line.trim() === '') continue;
      this.lines.push({ at, text: line });
      if (this.lines.length > (this.options.keepLines ?? 10_000)) this.lines.shift();
      if (this.options.serialLog)
        appendFileSync(this.options.serialLog, `${at.toFixed(2)} ${line}\n`);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
