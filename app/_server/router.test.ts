import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isTrackedEnvelope, TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, FakeClock } from '../../lib';
import { Lab } from './lab';
import type { LiveMessage } from './machine-feed';
import { createCaller } from './router';

// The router against the real lab (conductor + simulated fleet on loopback ports), with a fake
// clock so boots and timers move only when the test says so.
let lab: Lab;
let dataDir: string;
const clock = new FakeClock(Date.UTC(2026, 0, 1));
const caller = () => createCaller({ lab });

/** Runs `work` while moving the lab clock, so BMC and boot timers fire without real waiting. */
async function withTime<T>(work: Promise<T>, stepMs = 500, limitMs = 120_000): Promise<T> {
  let done = false;
  const guarded = work.finally(() => (done = true));
  for (let spent = 0; !done && spent < limitMs; spent += stepMs) await clock.advance(stepMs);
  return guarded;
}

async function rejection(work: Promise<unknown>): Promise<TRPCError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'console-router-'));
  lab = new Lab(
    {
      HOST: '127.0.0.1',
      IRONIC_PORT: 0,
      REDFISH_PORT: 0,
      DATA_DIR: dataDir,
      DEMO_MACHINES: 2,
      SIM_SPEED: 1,
      HEARTBEAT_TIMEOUT_S: 30,
    },
    { logger: createLogger({ name: 'router-test', level: 'silent' }), clock },
  );
  await lab.start();
  await withTime(lab.poweringOn);
});

afterAll(async () => {
  await lab?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('machines.list', () => {
  it('returns one row per enrolled node, joined with its simulated machine', async () => {
    const rows = await caller().machines.list();
    expect(rows.map((r) => r.name)).toEqual(['demo-01', 'demo-02']);
    const [first, second] = rows;
    expect(first).toMatchObject({
      driver: 'redfish',
      provisionState: expect.any(String) as string,
      simulated: { id: 'demo-01', profile: 'storage-2u' },
      bmc: { address: expect.stringContaining('127.0.0.1') as string },
    });
    expect(first?.powerState).toBe('power on');
    expect(second?.simulated?.profile).toBe('compute-nvme');
    expect(second?.powerState).not.toBe('power on');
  });
});

describe('lab.info', () => {
  it('reports where the parts listen and a sample of the lab clock', async () => {
    const info = await caller().lab.info();
    expect(info.ironicApiUrl).toBe(lab.conductor.apiUrl);
    expect(info.redfishUrl).toBe(lab.fleet.redfishUrl);
    expect(info.clock).toEqual({ now: clock.now(), speed: 1 });
    expect(info.demoMachines).toBe(2);
  });
});

describe('machines.setPower', () => {
  it('rejects bad input with a readable message naming each field', async () => {
    const error = await rejection(
      caller().machines.setPower({ ident: ' ', target: 'explode' as 'power on' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Invalid input: /);
    expect(error.message).toContain('ident: a machine name or UUID is required');
    expect(error.message).toContain(
      "target: target must be 'power on', 'power off' or 'rebooting'",
    );
  });

  it('says which machine it could not find', async () => {
    const error = await rejection(
      caller().machines.setPower({ ident: 'no-such-node', target: 'power on' }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('no-such-node');
  });

  it('powers a machine on through the conductor and its BMC', async () => {
    const row = await withTime(
      caller().machines.setPower({ ident: 'demo-02', target: 'power on' }),
    );
    expect(row.powerState).toBe('power on');
    expect(lab.fleet.get('demo-02')).toBeDefined();
    const listed = await caller().machines.list();
    expect(listed.find((r) => r.name === 'demo-02')?.powerState).toBe('power on');
  });
});

describe('machines.live', () => {
  type Item = { id: string; message: LiveMessage };

  async function open(lastEventId?: string) {
    const iterable = await caller().machines.live(lastEventId ? { lastEventId } : undefined);
    const iterator = iterable[Symbol.asyncIterator]();
    return {
      async next(): Promise<Item> {
        const result = await iterator.next();
        if (result.done) throw new Error('stream ended');
        // In-process callers receive the tracked envelope itself; HTTP clients get { id, data }.
        const value: unknown = result.value;
        if (!isTrackedEnvelope<LiveMessage>(value)) throw new Error('untracked event');
        return { id: value[0], message: value[1] };
      },
      close: async () => {
        await iterator.return?.();
      },
    };
  }

  it('starts with a snapshot, then streams changes, and resumes from the last id', async () => {
    const stream = await open();
    const snapshot = await stream.next();
    expect(snapshot.message.type).toBe('snapshot');
    if (snapshot.message.type !== 'snapshot') return;
    expect(snapshot.message.rows.map((r) => r.name)).toEqual(['demo-01', 'demo-02']);

    const changed = withTime(caller().machines.setPower({ ident: 'demo-01', target: 'power off' }));
    let update: Item;
    do update = await stream.next();
    while (update.message.type !== 'upsert' || update.message.row.powerState !== 'power off');
    await changed;
    await stream.close();
    expect(update.message.type === 'upsert' && update.message.row.name).toBe('demo-01');

    // A client that saw only the snapshot gets exactly what followed it, ending with that change.
    const resumed = await open(snapshot.id);
    const replay: Item[] = [];
    for (;;) {
      const item = await resumed.next();
      expect(item.message.type).toBe('upsert');
      replay.push(item);
      if (item.id === update.id) break;
    }
    await resumed.close();
    expect(replay.at(-1)?.message).toEqual(update.message);
  });

  it('sends a fresh snapshot to a client holding an id from another server run', async () => {
    const stream = await open('0ldrun-12');
    const first = await stream.next();
    await stream.close();
    expect(first.message.type).toBe('snapshot');
    expect(first.id).toBe(lab.feed.latestId);
  });

  it('rejects a malformed resume id', async () => {
    const error = await rejection(caller().machines.live({ lastEventId: 'x'.repeat(65) }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('lastEventId');
  });
});
