import { describe, expect, it } from 'vitest';
import { ChangeRing } from './change-ring';

function ringWith(count: number, capacity = 5): ChangeRing<string> {
  const ring = new ChangeRing<string>('ep1', capacity);
  for (let i = 1; i <= count; i++) ring.push(`change ${i}`);
  return ring;
}

describe('ChangeRing', () => {
  it('numbers events in order with the epoch in the id', () => {
    const ring = new ChangeRing<string>('abc', 3);
    expect(ring.push('a')).toEqual({ id: 'abc-1', seq: 1, payload: 'a' });
    expect(ring.push('b').id).toBe('abc-2');
    expect(ring.latestId).toBe('abc-2');
  });

  it('asks a client without an id for a snapshot tagged with the latest event', () => {
    const ring = ringWith(3);
    for (const id of [undefined, null, '']) {
      expect(ring.plan(id)).toEqual({ kind: 'snapshot', reason: 'fresh', id: 'ep1-3', seq: 3 });
    }
  });

  it('replays exactly the events after the last one seen', () => {
    const plan = ringWith(4).plan('ep1-2');
    expect(plan.kind).toBe('replay');
    if (plan.kind !== 'replay') return;
    expect(plan.afterSeq).toBe(2);
    expect(plan.events.map((e) => e.payload)).toEqual(['change 3', 'change 4']);
  });

  it('replays nothing to a client that is up to date', () => {
    expect(ringWith(4).plan('ep1-4')).toEqual({ kind: 'replay', afterSeq: 4, events: [] });
  });

  it('keeps only the most recent events and resumes from the oldest boundary', () => {
    const ring = ringWith(8, 5); // keeps 4..8
    expect(ring.size).toBe(5);
    const plan = ring.plan('ep1-3');
    expect(plan.kind === 'replay' && plan.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
  });

  it('sends a snapshot when the events a client missed were evicted', () => {
    expect(ringWith(8, 5).plan('ep1-2')).toMatchObject({
      kind: 'snapshot',
      reason: 'too-old',
      seq: 8,
    });
  });

  it('sends a snapshot for an id from an earlier server run', () => {
    expect(ringWith(3).plan('old9-2')).toMatchObject({ kind: 'snapshot', reason: 'other-epoch' });
  });

  it('sends a snapshot for an id ahead of the server', () => {
    expect(ringWith(3).plan('ep1-7')).toMatchObject({ kind: 'snapshot', reason: 'ahead' });
  });

  it('sends a snapshot for an id it cannot read', () => {
    for (const id of ['garbage', 'ep1-', 'ep1-x', '-3', 'ep1-3-4']) {
      expect(ringWith(3).plan(id)).toMatchObject({ kind: 'snapshot', reason: 'unknown-id' });
    }
  });

  it('resumes an empty ring from seq 0', () => {
    const ring = new ChangeRing<string>('e', 2);
    expect(ring.plan('e-0')).toEqual({ kind: 'replay', afterSeq: 0, events: [] });
    expect(ring.plan(undefined)).toMatchObject({ kind: 'snapshot', id: 'e-0', seq: 0 });
  });

  it('rejects a bad epoch or capacity', () => {
    expect(() => new ChangeRing('a-b', 2)).toThrow(/epoch/);
    expect(() => new ChangeRing('a', 0)).toThrow(/capacity/);
  });
});
