import { FakeClock, type TimerHandle } from '../../lib';

/** A FakeClock that knows when its next timer is due, so tests can jump straight to it. */
export class SteppingClock extends FakeClock {
  private readonly dues = new Map<number, number>();

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = super.setTimeout(() => {
      this.dues.delete(handle.id);
      fn();
    }, ms);
    this.dues.set(handle.id, this.now() + Math.max(0, ms));
    return handle;
  }

  override clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.dues.delete(handle.id);
    super.clearTimeout(handle);
  }

  nextDue(): number | undefined {
    let best: number | undefined;
    for (const d of this.dues.values()) if (best === undefined || d < best) best = d;
    return best;
  }
}
