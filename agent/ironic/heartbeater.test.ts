import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { SteppingClock } from '../testing/stepping-clock';
import { type HeartbeatOutcome, Heartbeater } from './heartbeater';

const silent = createLogger({ name: 'test', level: 'silent' });

function setup(random: () => number, fail: (n: number) => boolean = () => false) {
  const clock = new SteppingClock();
  const t0 = clock.now();
  const beats: number[] = [];
  const outcomes: HeartbeatOutcome[] = [];
  const hb = new Heartbeater({
    clock,
    random,
    logger: silent,
    heartbeatTimeoutS: 300,
    beat: () => {
      beats.push(clock.now() - t0);
      return fail(beats.length) ? Promise.reject(new Error('Error 500: boom')) : Promise.resolve();
    },
    onBeat: (o) => outcomes.push(o),
  });
  const step = async () => {
    const due = clock.nextDue();
    if (due === undefined) throw new Error('no timer pending');
    await clock.advance(due - clock.now());
  };
  return { clock, hb, beats, outcomes, step, t0 };
}

describe('Heartbeater', () => {
  it('beats at once, then every heartbeat_timeout × U(0.3, 0.6)', async () => {
    for (const [r, interval] of [
      [0, 90_000],
      [0.5, 135_000],
      [0.999999, 179_999.91],
    ] as const) {
      const { hb, beats, step, clock } = setup(() => r);
      hb.start();
      await clock.advance(0);
      expect(beats).toEqual([0]);
      await step();
      await step();
      expect(beats).toHaveLength(3);
      expect(beats[0]).toBe(0);
      expect(beats[1]).toBeCloseTo(interval, 1);
      expect(beats[2]).toBeCloseTo(2 * interval, 1);
      await hb.stop();
    }
  });

  it('retries after 5 × U(1, 2) s when a beat fails, then returns to the long interval', async () => {
    const { hb, beats, outcomes, step, clock } = setup(
      () => 0.5,
      (n) => n <= 2,
    );
    hb.start();
    await clock.advance(0);
    await step();
    await step();
    await step();
    expect(beats).toEqual([0, 7_500, 15_000, 150_000]);
    expect(outcomes.map((o) => [o.ok, o.nextInMs])).toEqual([
      [false, 7_500],
      [false, 7_500],
      [true, 135_000],
      [true, 135_000],
    ]);
    expect(outcomes[0]!.error).toBe('Error 500: boom');
    await hb.stop();
  });

  it('sends a forced beat no sooner than 5 s after the previous one', async () => {
    const { hb, beats, outcomes, step, clock } = setup(() => 0.5);
    hb.start();
    await clock.advance(1_000); // beat at 0, now t=1s
    hb.force();
    await clock.advance(0);
    await step();
    expect(beats).toEqual([0, 5_000]);
    expect(outcomes[1]!.forced).toBe(true);
    await clock.advance(20_000); // t = 25 s, next scheduled at 140 s
    hb.force();
    await clock.advance(0);
    expect(beats).toEqual([0, 5_000, 25_000]);
    await step();
    expect(beats).toEqual([0, 5_000, 25_000, 160_000]);
    await hb.stop();
  });

  it('leaves no timer behind when stopped', async () => {
    const { hb, clock } = setup(() => 0.5);
    hb.start();
    await clock.advance(10);
    expect(clock.pending).toBe(1);
    await hb.stop();
    expect(clock.pending).toBe(0);
    await hb.stop(); // idempotent
  });
});
