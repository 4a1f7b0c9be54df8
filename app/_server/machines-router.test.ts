import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrackedEnvelope } from '@trpc/server';
import type { LiveMessage } from './machine-feed';
import type { Lab } from './lab';
import { rejection, startTestLab, type TestLab } from './testing/test-lab';

// The machines router against the real lab (conductor + simulated fleet), on a fake clock.
let t: TestLab;
let lab: Lab;
const caller = () => t.caller();
const withTime = <T>(work: Promise<T>, stepMs?: number) => t.withTime(work, stepMs);
const clock = { now: () => t.clock.now() };
const advanceUntil = (done: () => boolean, stepMs?: number) => t.advanceUntil(done, stepMs);

beforeAll(async () => {
  t = await startTestLab();
  lab = t.lab;
});

afterAll(async () => {
  await t?.stop();
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

describe('machines.setProvision', () => {
  it('refuses a verb the state does not allow, saying what is allowed', async () => {
    const error = await rejection(
      caller().machines.setProvision({ ident: 'demo-02', verb: 'abort' }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('demo-02 cannot abort from "manageable"; it can provide, inspect');
  });

  it('rejects an unknown verb', async () => {
    const error = await rejection(
      caller().machines.setProvision({ ident: 'demo-02', verb: 'explode' as 'inspect' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('verb must be one of manage, provide, inspect, abort, unhold');
  });
});

describe('machines.page', () => {
  it('filters, sorts and windows the fleet on the server', async () => {
    const all = await caller().machines.page({ sort: 'name', dir: 'desc' });
    expect(all.rows.map((r) => r.name)).toEqual(['demo-02', 'demo-01']);
    expect(all).toMatchObject({ total: 2, fleetTotal: 2, offset: 0, errors: [] });
    expect(Object.values(all.states).reduce((a, b) => a + b, 0)).toBe(2);

    const storage = await caller().machines.page({ q: 'profile:storage-2u' });
    expect(storage.rows.map((r) => r.name)).toEqual(['demo-01']);
    expect(storage.total).toBe(1);

    const second = await caller().machines.page({ offset: 1, limit: 1 });
    expect(second.rows.map((r) => r.name)).toEqual(['demo-02']);
    expect(second.total).toBe(2);
  });

  it('reports search terms it did not understand and applies the rest', async () => {
    const page = await caller().machines.page({ q: 'colour:red demo-01' });
    expect(page.rows.map((r) => r.name)).toEqual(['demo-01']);
    expect(page.errors).toEqual([expect.stringContaining('unknown field "colour"')]);
  });

  it('refuses a window larger than the limit', async () => {
    const error = await rejection(caller().machines.page({ limit: 100_000 }));
    expect(error.message).toMatch(/^Invalid input: limit:/);
  });
});

describe('machine detail', () => {
  it('serves the inspected inventory once the agent has reported it', async () => {
    await advanceUntil(() => lab.feed.row('demo-01')?.inventory !== null);
    const { inventory } = await caller().machines.inventory({ ident: 'demo-01' });
    expect(inventory?.cpu.count).toBe(lab.fleet.get('demo-01')?.cpus);
    expect(inventory?.disks.length).toBe(lab.fleet.get('demo-01')?.disks.length);
    const error = await rejection(caller().machines.inventory({ ident: 'nope' }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('lists the node history oldest first, from after an id', async () => {
    const events = await caller().machines.events({ ident: 'demo-01' });
    expect(events.length).toBeGreaterThan(0);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const later = await caller().machines.events({ ident: 'demo-01', afterId: ids[0] });
    expect(later.map((e) => e.id)).toEqual(ids.slice(1));
    const latest = await caller().machines.events({ ident: 'demo-01', limit: 2 });
    expect(latest.map((e) => e.id)).toEqual(ids.slice(-2));
  });

  it('streams the serial console: recent output first, then new lines', async () => {
    const iterable = await caller().machines.serial({ ident: 'demo-01' });
    const iterator = iterable[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: 'reset' });
    const tail = (first.value as { text: string }).text;
    expect(tail).toBe(lab.fleet.serial('demo-01').tail());
    // Then who holds the keyboard: nobody yet.
    expect((await iterator.next()).value).toEqual({ type: 'writer', writer: null });
    const next = iterator.next();
    let settled = false;
    void next.then(() => (settled = true));
    await advanceUntil(() => settled, 2000);
    const more = await next;
    expect(more.value).toMatchObject({ type: 'data', text: expect.stringMatching(/\S/) as string });
    await iterator.return?.();
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

  it('tells a paging client to resync instead of sending every row', async () => {
    const iterable = await caller().machines.live({ snapshot: false });
    const iterator = iterable[Symbol.asyncIterator]();
    const first = await iterator.next();
    await iterator.return?.();
    expect(isTrackedEnvelope(first.value) && first.value[1]).toEqual({ type: 'resync' });
  });

  it('rejects a malformed resume id', async () => {
    const error = await rejection(caller().machines.live({ lastEventId: 'x'.repeat(65) }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('lastEventId');
  });
});

describe('machines.setProvision, accepted', () => {
  it('starts inspection through the conductor and the row follows', async () => {
    const row = await caller().machines.setProvision({ ident: 'demo-02', verb: 'inspect' });
    expect(['inspecting', 'inspect wait']).toContain(row.provisionState);
    expect(row.actions).not.toContain('inspect');
    const events = await caller().machines.events({ ident: 'demo-02' });
    expect(events.map((e) => JSON.stringify(e))).toContainEqual(expect.stringContaining('inspect'));
  });
});

describe('machines.bulk', () => {
  it('refuses to act on a search it cannot fully read', async () => {
    const error = await rejection(
      caller().machines.bulk({ selection: { q: 'stat:manageable' }, action: 'power off' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Fix the search first: unknown field "stat"/);
  });

  it('groups the machines a verb does not apply to under one cause', async () => {
    for (const name of ['bulk-a', 'bulk-b']) {
      lab.conductor.createNode({ name, driver: 'fake-hardware', provision_state: 'manageable' });
    }
    const manageable = await caller().machines.page({ q: 'state:manageable' });
    expect(manageable.total).toBeGreaterThanOrEqual(2);
    const result = await caller().machines.bulk({
      selection: { q: 'state:manageable' },
      action: 'abort',
    });
    expect(result.total).toBe(manageable.total);
    expect(result.succeeded).toEqual([]);
    expect(result.failed).toEqual([
      {
        message: 'cannot abort from "manageable"',
        machines: manageable.rows.map((r) => ({ uuid: r.uuid, name: r.name })),
      },
    ]);
  });

  it('powers a chosen set of machines through the conductor', async () => {
    const node = lab.conductor.getNode('demo-01');
    expect(node).toBeDefined();
    const result = await withTime(
      caller().machines.bulk({ selection: { uuids: [node!.uuid] }, action: 'power on' }),
    );
    expect(result).toEqual({
      total: 1,
      succeeded: [{ uuid: node!.uuid, name: 'demo-01' }],
      failed: [],
    });
    expect(lab.feed.row('demo-01')?.powerState).toBe('power on');
  });
});
