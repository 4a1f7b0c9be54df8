import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires timers in due order and only when time reaches them', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('c'), 200);
    await clock.advance(150);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1150);
    await clock.advance(50);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('lets a sleeping loop run as it would in real time', async () => {
    const clock = new FakeClock(0);
    const wakes: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1000);
        wakes.push(clock.now());
      }
    })();
    await clock.advance(3000);
    await loop;
    expect(wakes).toEqual([1000, 2000, 3000]);
  });

  it('cancels a timer and aborts a sleep', async () => {
    const clock = new FakeClock(0);
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(h);
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await clock.advance(2000);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('runUntil stops at the condition and refuses to run forever', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const tick = () => {
      n++;
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    await clock.runUntil(() => n === 5);
    expect(clock.now()).toBe(500);
    await expect(clock.runUntil(() => false, 1000)).rejects.toThrow(/not reached/);
  });
});
