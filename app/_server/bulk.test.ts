import { describe, expect, it } from 'vitest';
import { genericMessage, settleWithLimit, summarise } from './bulk';

describe('settleWithLimit', () => {
  it('never runs more than the limit at once and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const results = await settleWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (n % 3 === 0) throw new Error(`bad ${n}`);
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).toEqual([10, 20, 'bad 3', 40, 50, 'bad 6', 70]);
  });

  it('handles nothing to do', async () => {
    expect(await settleWithLimit([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});

describe('summarise', () => {
  const a = { uuid: '11111111-aaaa', name: 'rack1-n1' };
  const b = { uuid: '22222222-bbbb', name: 'rack1-n2' };
  const c = { uuid: '33333333-cccc', name: 'rack1-n3' };

  it('blanks the machine in messages so the same cause groups once', () => {
    expect(genericMessage('rack1-n1 cannot abort from "manageable"', a)).toBe(
      '<machine> cannot abort from "manageable"',
    );
    expect(genericMessage('Node 11111111-aaaa is locked', a)).toBe('Node <machine> is locked');
    expect(genericMessage('rack1-n10 is fine', a)).toBe('rack1-n10 is fine');
  });

  it('lists successes and groups failures by cause, largest group first', () => {
    const result = summarise(
      [a, b, c],
      [
        { status: 'rejected', reason: new Error('Redfish on rack1-n1 answered 500') },
        { status: 'fulfilled', value: 1 },
        { status: 'rejected', reason: new Error('Redfish on rack1-n3 answered 500') },
      ],
    );
    expect(result).toEqual({
      total: 3,
      succeeded: [b],
      failed: [{ message: 'Redfish on <machine> answered 500', machines: [a, c] }],
    });
  });
});
