import type { Clock } from '../../../lib';
import type { CommandProgress } from '../../../protocol';

type Report = (progress: CommandProgress) => void;

/**
 * Progress of a step over several devices erased side by side. Each device weighs its size;
 * `fraction` and `bytes_done`/`bytes_total` count device bytes dealt with, `bytes_per_second` the
 * bytes actually written per second since the step began (the overwrite's throughput).
 */
export class DeviceProgress {
  private readonly devices = new Map<string, { size: number; fraction: number; note: string }>();
  private written = 0;
  private readonly startedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly report: Report,
    private readonly label: string,
  ) {
    this.startedAt = clock.now();
  }

  add(name: string, size: number): void {
    this.devices.set(name, { size, fraction: 0, note: 'waiting' });
  }

  /** A device's own fraction (0..1) and, for overwrites, bytes written since the last call. */
  update(name: string, fraction: number, note: string, newlyWritten = 0): void {
    const d = this.devices.get(name);
    if (!d) return;
    d.fraction = Math.min(1, Math.max(d.fraction, fraction));
    d.note = note;
    this.written += newlyWritten;
    this.emit();
  }

  done(name: string, note: string): void {
    this.update(name, 1, note);
  }

  emit(): void {
    let total = 0;
    let done = 0;
    for (const d of this.devices.values()) {
      total += d.size;
      done += d.size * d.fraction;
    }
    const seconds = (this.clock.now() - this.startedAt) / 1000;
    const busy = [...this.devices.entries()]
      .filter(([, d]) => d.fraction < 1 && d.note !== 'waiting')
      .map(([name, d]) => `${name} ${d.note}`);
    const finished = [...this.devices.values()].filter((d) => d.fraction >= 1).length;
    const progress: CommandProgress = {
      fraction: total > 0 ? done / total : 1,
      bytes_done: Math.round(done),
      bytes_total: total,
      message:
        `${this.label}: ${finished} of ${this.devices.size} device(s) done` +
        (busy.length > 0 ? `; ${busy.join(', ')}` : ''),
    };
    if (seconds > 0 && this.written > 0)
      progress.bytes_per_second = Math.round(this.written / seconds);
    this.report(progress);
  }
}

/**
 * Reports time-based progress while `work` runs (burn-in runs for a known time), checking every
 * `everyMs` of the clock. The ticker ends with the work, so no timer outlives the step.
 */
export async function withTimedProgress<T>(
  clock: Clock,
  report: Report,
  work: Promise<T>,
  expectedMs: number,
  message: string,
  everyMs = 10_000,
): Promise<T> {
  const stop = new AbortController();
  const started = clock.now();
  report({ fraction: 0, message });
  const ticker = (async () => {
    if (!(expectedMs > 0)) return;
    for (;;) {
      await clock.sleep(everyMs, stop.signal);
      const fraction = Math.min(0.99, (clock.now() - started) / expectedMs);
      report({ fraction, message });
    }
  })().catch(() => undefined);
  try {
    const result = await work;
    report({ fraction: 1, message });
    return result;
  } finally {
    stop.abort();
    await ticker;
  }
}
