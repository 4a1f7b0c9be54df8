import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib';
import { SerialWriters, serialWritersFor, WRITER_LEASE_MS } from './serial-writers';

describe('SerialWriters', () => {
  it('gives the keyboard to one session and refuses the others until it is released', () => {
    const writers = new SerialWriters(new FakeClock(1_000), 10_000);
    const seen: (string | null)[] = [];
    writers.watch('m1', (w) => seen.push(w?.label ?? null));
    expect(writers.claim('m1', 'tab-a', 'alice').ok).toBe(true);
    const refused = writers.claim('m1', 'tab-b', 'bob');
    expect(refused).toMatchObject({ ok: false, writer: { label: 'alice', session: 'tab-a' } });
    // Another machine's console is independent.
    expect(writers.claim('m2', 'tab-b', 'bob').ok).toBe(true);
    writers.release('m1', 'tab-b');
    expect(writers.writer('m1')?.label).toBe('alice');
    writers.release('m1', 'tab-a');
    expect(writers.writer('m1')).toBeNull();
    expect(writers.claim('m1', 'tab-b', 'bob').ok).toBe(true);
    expect(seen).toEqual(['alice', null, 'bob']);
  });

  it('lets a watcher take over explicitly', () => {
    const writers = new SerialWriters(new FakeClock(0), 10_000);
    writers.claim('m1', 'tab-a', 'alice');
    const taken = writers.claim('m1', 'tab-b', 'bob', true);
    expect(taken).toMatchObject({ ok: true, writer: { label: 'bob' } });
    expect(writers.renew('m1', 'tab-a')).toBe(false);
    expect(writers.renew('m1', 'tab-b')).toBe(true);
  });

  it('frees the keyboard when the lease runs out, and tells the watchers', async () => {
    const clock = new FakeClock(0);
    const writers = new SerialWriters(clock, 10_000);
    const seen: (string | null)[] = [];
    writers.watch('m1', (w) => seen.push(w?.label ?? null));
    writers.claim('m1', 'tab-a', 'alice');
    await clock.advance(6_000);
    expect(writers.renew('m1', 'tab-a')).toBe(true);
    await clock.advance(6_000);
    expect(writers.writer('m1')?.label).toBe('alice');
    await clock.advance(4_001);
    expect(seen).toEqual(['alice', null]);
    expect(writers.claim('m1', 'tab-b', 'bob').ok).toBe(true);
  });

  it('stretches the lease to people time on a fast lab clock', () => {
    const clock = new FakeClock(0);
    const lab = { clock, info: () => ({ simSpeed: 10 }) };
    const writers = serialWritersFor(lab);
    expect(serialWritersFor(lab)).toBe(writers);
    expect(writers.claim('m1', 'tab-a', 'alice').writer.expiresAt).toBe(WRITER_LEASE_MS * 10);
  });
});
