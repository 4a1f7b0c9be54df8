import type { Clock } from '../../lib';
import type { CommandProgress } from '../../protocol';

export type ImageWritePhase = 'download' | 'convert' | 'zero-fill' | 'finalize';

/** Progress of an image write: IPA's command progress plus the phase it is in. */
export interface ImageWriteProgress extends CommandProgress {
  phase: ImageWritePhase;
}

/**
 * Rate-limited progress: at most one report per `intervalMs` of the clock (plus the first and
 * the last), with the speed measured since the previous report.
 */
export class ProgressMeter {
  private lastAt: number;
  private lastBytes = 0;
  private readonly startedAt: number;
  private reported = false;

  constructor(
    private readonly clock: Clock,
    private readonly report: ((p: ImageWriteProgress) => void) | undefined,
    private readonly intervalMs = 1000,
  ) {
    this.startedAt = clock.now();
    this.lastAt = this.startedAt;
  }

  update(phase: ImageWritePhase, done: number, total: number | null, force = false): void {
    if (!this.report) return;
    const now = this.clock.now();
    if (!force && this.reported && now - this.lastAt < this.intervalMs) return;
    const dt = now - this.lastAt;
    const speed =
      dt > 0
        ? ((done - this.lastBytes) / dt) * 1000
        : now > this.startedAt
          ? (done / (now - this.startedAt)) * 1000
          : 0;
    this.lastAt = now;
    this.lastBytes = done;
    this.reported = true;
    const fraction = total && total > 0 ? Math.min(1, done / total) : 0;
    this.report({
      phase,
      fraction,
      bytes_done: done,
      ...(total !== null ? { bytes_total: total } : {}),
      bytes_per_second: Math.max(0, Math.round(speed)),
      message: phase,
    });
  }
}
