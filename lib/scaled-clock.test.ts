import { describe, expect, it } from 'vitest';
import { ScaledClock } from './scaled-clock';

describe('ScaledClock', () => {
  it('runs simulated time faster than the wall clock', async () => {
    const clock = new ScaledClock(1000, 0);
    const realStart = Date.now();
    await clock.sleep(5_000); // five simulated seconds
    const realElapsed = Date.now() - realStart;
    expect(realElapsed).toBeLessThan(1_000);
    expect(clock.now()).toBeGreaterThanOrEqual(5_000);
  });

  it('re-arms pending timers when the speed changes', async () => {
    const clock = new ScaledClock(1, 0);
    const done = clock.sleep(60_000);
    clock.setSpeed(100_000);
    const realStart = Date.now();
    await done;
    expect(Date.now() - realStart).toBeLessThan(1_000);
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new ScaledClock(0)).toThrow(RangeError);
    expect(() => new ScaledClock(1).setSpeed(-1)).toThrow(/must be > 0/);
  });
});
