import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { findProgram } from '../support/find-program';

/** What the machine boots: the ramdisk directly (like PXE), or an ISO from its CD drive. */
export type QemuBoot =
  | { kind: 'kernel'; kernel: string; initramfs: string; append: string }
  | { kind: 'cdrom'; iso: string; firmware: 'bios' | 'uefi' };

export interface QemuVmOptions {
  boot: QemuBoot;
  memoryMiB: number;
  /** Raw disk images, attached as virtio disks in order (vda, vdb, …). */
  disks?: readonly string[];
  /** One virtio NIC on QEMU's user network; the guest reaches the host's loopback at 10.0.2.2. */
  nic: { mac: string; hostForwards?: readonly { hostPort: number; guestPort: number }[] };
  /** The serial console is copied here, each line stamped with seconds since start(). */
  serialLog?: string;
  /** Default tcg (software emulation, works everywhere); kvm where /dev/kvm is usable. */
  accel?: 'tcg' | 'kvm';
}

const ANSI_ESCAPE = new RegExp(String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]', 'g');

/** Debian's OVMF build (package ovmf), for UEFI boots. */
export const OVMF_FIRMWARE = '/usr/share/ovmf/OVMF.fd';

/**
 * A QEMU machine whose serial console is watched line by line. Used by the tests that boot the
 * agent ramdisk on a real kernel; `stop()` ends the process and every listener.
 */
export class QemuVm {
  private child: ChildProcess | null = null;
  private startedAt = 0;
  private buffered = '';
  private readonly lines: { at: number; text: string }[] = [];
  private readonly waiters = new Set<() => void>();
  private exit: Promise<number | null> | null = null;
  private exitCode: number | null | undefined = undefined;

  constructor(private readonly options: QemuVmOptions) {}

  /** The qemu-system-x86_64 arguments, for the log and for tests. */
  args(): string[] {
    const o = this.options;
    const args = ['-accel', o.accel ?? 'tcg', '-m', String(o.memoryMiB), '-smp', '1'];
    args.push('-display', 'none', '-no-reboot', '-monitor', 'none', '-serial', 'stdio');
    if (o.boot.kind === 'kernel') {
      args.push('-kernel', o.boot.kernel, '-initrd', o.boot.initramfs, '-append', o.boot.append);
    } else {
      if (o.boot.firmware === 'uefi') args.push('-bios', OVMF_FIRMWARE);
      args.push('-cdrom', o.boot.iso, '-boot', 'order=d');
    }
    for (const disk of o.disks ?? []) {
      args.push('-drive', `file=${disk},format=raw,if=virtio,cache=unsafe`);
    }
    const forwards = (o.nic.hostForwards ?? [])
      .map((f) => `,hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`)
      .join('');
    args.push('-nic', `user,model=virtio-net-pci,mac=${o.nic.mac}${forwards}`);
    return args;
  }

  start(): void {
    if (this.child) throw new Error('the VM is already running');
    const qemu = findProgram('qemu-system-x86_64');
    if (!qemu)
      throw new Error('qemu-system-x86_64 is not installed: apt-get install qemu-system-x86');
    if (this.options.boot.kind === 'cdrom' && this.options.boot.firmware === 'uefi') {
      if (!existsSync(OVMF_FIRMWARE))
        throw new Error(`${OVMF_FIRMWARE} is missing: apt-get install ovmf`);
    }
    if (this.options.serialLog) writeFileSync(this.options.serialLog, '');
    this.startedAt = Date.now();
    const child = spawn(qemu, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8')));
    this.exit = new Promise((resolve) => {
      child.once('error', (err) => {
        this.onOutput(`qemu: ${err.message}\n`);
        this.exitCode = null;
        this.wake();
        resolve(null);
      });
      child.once('exit', (code) => {
        this.exitCode = code;
        this.wake();
        resolve(code);
      });
    });
  }

  /** Seconds since start(). */
  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /** Seconds since start() at which a console line first matched, or null. */
  firstMatch(pattern: RegExp): number | null {
    return this.lines.find((l) => pattern.test(l.text))?.at ?? null;
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
      const timer = setTimeout(
        () =>
          finish(() => reject(new Error(`no console line matched ${pattern} in ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (fn: () => void) => {
        clearTimeout(timer);
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
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exit;
    clearTimeout(killer);
    child.stdout?.removeAllListeners();
    child.stderr?.removeAllListeners();
    this.waiters.clear();
  }

  private onOutput(text: string): void {
    this.buffered += text;
    const parts = this.buffered.split(/\r?\n/);
    this.buffered = parts.pop() ?? '';
    const at = (Date.now() - this.startedAt) / 1000;
    for (const raw of parts) {
      // Firmware menus paint with escape sequences; keep the text.
      const line = raw.replace(ANSI_ESCAPE, '').replace(/\r/g, '');
      if (line.trim() === '') continue;
      this.lines.push({ at, text: line });
      if (this.options.serialLog)
        appendFileSync(this.options.serialLog, `${at.toFixed(2)} ${line}\n`);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
