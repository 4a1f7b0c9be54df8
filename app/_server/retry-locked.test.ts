import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib';
import { LOCK_RETRIES, retryWhileLocked } from './retry-locked';

const locked = Object.assign(new Error('Node x is locked by host power-sync'), {
  code: 'NodeLocked',
});

describe('retryWhileLocked', () => {
  it('retries a locked node after the interval and returns once it is free', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = retryWhileLocked(clock, () => {
      calls++;
      if (calls < 3) throw locked;
      return 'done';
    });
    await clock.advance(0);
    expect(calls).toBe(1);
    await clock.advance(1_000);
    expect(calls).toBe(2);
    await clock.advance(1_000);
    await expect(result).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the lock error', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = retryWhileLocked(clock, () => {
      calls++;
      throw locked;
    });
    const settled = result.catch((e: unknown) => e);
    await clock.advance(10_000);
    expect(await settled).toBe(locked);
    expect(calls).toBe(LOCK_RETRIES);
  });

  it('does not retry other errors', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await expect(
      retryWhileLocked(clock, () => {
        calls++;
        throw new Error('BMC answered 500');
      }),
    ).rejects.toThrow('BMC answered 500');
    expect(calls).toBe(1);
  });
});
