import type { Clock, Logger } from '../../lib';
import { type RandomSource, uniform } from './backoff';
import { describeError } from './http-client';

/** A forced heartbeat waits at least this long after the previous one. */
export const MIN_FORCED_HEARTBEAT_GAP_MS = 5_000;

export interface HeartbeatOutcome {
  ok: boolean;
  error?: string;
  /** Delay until the next scheduled heartbeat. */
  nextInMs: number;
  forced: boolean;
}

export interface HeartbeaterOptions {
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  /** Ironic's `heartbeat_timeout` from lookup, seconds. */
  heartbeatTimeoutS: number;
  beat(signal: AbortSignal): Promise<void>;
  onBeat?(outcome: HeartbeatOutcome): void;
}

/**
 * IPA's heartbeat thread: first beat at once, then `heartbeat_timeout` × U(0.3, 0.6) after a
 * success or 5 × U(1, 2) s after an error; `force()` (an async command finished) brings the
 * next beat forward to no sooner than 5 s after the previous one.
 */
export class Heartbeater {
  private controller: AbortController | null = null;
  private wake: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private forced = false;
  private nextAt = 0;
  private previousAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: HeartbeaterOptions) {}

  get running(): boolean {
    return this.controller !== null;
  }

  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    this.nextAt = this.options.clock.now();
    this.loop = this.run(this.controller.signal);
  }

  /** Asks for an early heartbeat. */
  force(): void {
    this.forced = true;
    this.wake?.abort();
  }

  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    this.controller = null;
    controller.abort(new Error('heartbeater stopped'));
    await this.loop;
    this.loop = null;
  }

  private dueAt(): number {
    if (!this.forced) return this.nextAt;
    return Math.min(this.nextAt, this.previousAt + MIN_FORCED_HEARTBEAT_GAP_MS);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { clock, random, logger } = this.options;
    while (!signal.aborted) {
      const now = clock.now();
      const due = this.dueAt();
      if (now < due) {
        this.wake = new AbortController();
        try {
          await clock.sleep(due - now, AbortSignal.any([signal, this.wake.signal]));
        } catch {
          // woken by force() or stopped: the loop condition decides
        }
        this.wake = null;
        continue;
      }
      const forced = this.forced && now < this.nextAt;
      this.forced = false;
      this.previousAt = now;
      let outcome: HeartbeatOutcome;
      try {
        await this.options.beat(signal);
        const interval = this.options.heartbeatTimeoutS * uniform(random, 0.3, 0.6) * 1000;
        outcome = { ok: true, nextInMs: interval, forced };
        logger.info({ nextInS: Math.round(interval / 1000) }, 'heartbeat sent');
      } catch (err) {
        if (signal.aborted) return;
        const interval = 5 * uniform(random, 1, 2) * 1000;
        outcome = { ok: false, error: describeError(err), nextInMs: interval, forced };
        logger.warn({ nextInS: Math.round(interval / 1000) }, `heartbeat failed: ${outcome.error}`);
      }
      this.nextAt = clock.now() + outcome.nextInMs;
      this.options.onBeat?.(outcome);
    }
  }
}
