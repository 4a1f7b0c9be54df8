import { type Clock, type TimerHandle, sleepOn } from './clock';

interface ScaledTimer {
  due: number;
  fn: () => void;
  real?: NodeJS.Timeout;
}

/**
 * Simulated time running `speed` times faster than the wall clock: an 8-hour erase at speed
 * 1000 takes under 30 s. The speed can change at any time; pending timers are re-armed so they
 * still fire at their simulated due time.
 */
export class ScaledClock implements Clock {
  private baseReal: number;
  private baseSim: number;
  private currentSpeed: number;
  private nextId = 1;
  private readonly timers = new Map<number, ScaledTimer>();

  constructor(speed = 1, start: number = Date.now()) {
    if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
    this.currentSpeed = speed;
    this.baseReal = Date.now();
    this.baseSim = start;
  }

  get speed(): number {
    return this.currentSpeed;
  }

  now(): number {
    return this.baseSim + (Date.now() - this.baseReal) * this.currentSpeed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
    this.baseSim = this.now();
    this.baseReal = Date.now();
    this.currentSpeed = speed;
    for (const [id, t] of this.timers) this.arm(id, t);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const timer: ScaledTimer = { due: this.now() + Math.max(0, ms), fn };
    this.timers.set(id, timer);
    this.arm(id, timer);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t?.real) clearTimeout(t.real);
    this.timers.delete(handle.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  private arm(id: number, timer: ScaledTimer): void {
    if (timer.real) clearTimeout(timer.real);
    const realMs = Math.max(0, (timer.due - this.now()) / this.currentSpeed);
    timer.real = setTimeout(() => {
      this.timers.delete(id);
      timer.fn();
    }, realMs);
  }
}
