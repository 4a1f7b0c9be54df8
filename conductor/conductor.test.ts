import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib';
import { Conductor, type NodeChange } from './index';
import { silentLogger, tempDir } from './testing/harness';
import { startFakeRedfish } from './testing/fake-redfish';

let tmp: ReturnType<typeof tempDir>;
let clock: FakeClock;
const running: Conductor[] = [];

beforeEach(() => {
  tmp = tempDir();
  clock = new FakeClock();
});
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
  tmp.remove();
});

async function start(extra: Partial<ConstructorParameters<typeof Conductor>[0]> = {}) {
  const c = new Conductor({
    dataDir: `${tmp.dir}/data`,
    listen: { port: 0 },
    clock,
    logger: silentLogger(),
    ...extra,
  });
  await c.start();
  running.push(c);
  return c;
}

describe('Conductor', () => {
  it('serves the Ironic API on its bound address', async () => {
    const c = await start();
    expect(c.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${c.apiUrl}/`);
    const body = (await res.json()) as { default_version: { links: { href: string }[] } };
    expect(body.default_version.links[0]!.href).toBe(`${c.apiUrl}/v1/`);
  });

  it('uses publicUrl for links when given', async () => {
    const c = await start({ publicUrl: 'http://ironic.example:6385/' });
    const node = c.createNode({ driver: 'fake-hardware', name: 'x' });
    expect(node.links[0]!.href).toBe(`http://ironic.example:6385/v1/nodes/${node.uuid}`);
  });

  it('keeps nodes, ports, inventory and events across a restart on the same dataDir', async () => {
    let c = await start();
    const node = c.createNode({
      name: 'keep',
      driver: 'redfish',
      driver_info: { redfish_address: 'http://bmc', redfish_password: 'pw' },
      ports: [{ address: '52:54:00:00:00:aa' }],
      provision_state: 'manageable',
    });
    await c.stop();
    running.length = 0;
    c = await start();
    const again = c.getNode('keep');
    expect(again?.uuid).toBe(node.uuid);
    expect(again?.provision_state).toBe('manageable');
    expect(again?.driver_info.redfish_password).toBe('******');
    expect(c.listNodes()).toHaveLength(1);
    expect(c.eventsFor('keep').map((e) => e.type)).toEqual(['node.created']);
    const res = await fetch(`${c.apiUrl}/v1/nodes/keep/ports`);
    expect(((await res.json()) as { ports: { address: string }[] }).ports[0]!.address).toBe(
      '52:54:00:00:00:aa',
    );
  });

  it('notifies onChange after each write, in order, and stops after unsubscribe', async () => {
    const c = await start();
    const seen: NodeChange[] = [];
    const off = c.onChange((ch) => seen.push(ch));
    const node = c.createNode({ driver: 'fake-hardware', name: 'live' });
    const res = await fetch(`${c.apiUrl}/v1/nodes/live`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'add', path: '/extra/a', value: 1 }]),
    });
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.reason)).toEqual(['node.created', 'node.updated']);
    expect(seen.map((s) => s.seq)).toEqual([seen[0]!.seq, seen[0]!.seq + 1]);
    expect(seen[1]!.node?.extra).toEqual({ a: 1 });
    // The listener sees the state already persisted.
    expect(c.getNode(node.uuid)?.extra).toEqual({ a: 1 });
    await fetch(`${c.apiUrl}/v1/nodes/live`, { method: 'DELETE' });
    expect(seen.at(-1)).toMatchObject({ reason: 'node.deleted', uuid: node.uuid, node: null });
    off();
    c.createNode({ driver: 'fake-hardware', name: 'quiet' });
    expect(seen.at(-1)!.reason).toBe('node.deleted');
  });

  it('changes power through a Redfish BMC and reports failures by rejecting', async () => {
    const bmc = await startFakeRedfish('Off');
    try {
      const c = await start({ powerSyncIntervalMs: 60_000 });
      const node = c.createNode({
        name: 'pw',
        provision_state: 'manageable',
        driver: 'redfish',
        driver_info: {
          redfish_address: bmc.url,
          redfish_system_id: '/redfish/v1/Systems/1',
          redfish_username: 'admin',
          redfish_password: 'password',
        },
      });
      const on = await c.setPowerState('pw', 'power on');
      expect(on.power_state).toBe('power on');
      expect(c.eventsFor(node.uuid, { afterId: 1 }).map((e) => e.type)).toEqual([
        'power.requested',
        'power.changed',
      ]);
      expect(c.eventsFor(node.uuid, { limit: 1 })).toHaveLength(1);
      c.createNode({
        name: 'bad',
        driver: 'redfish',
        driver_info: { redfish_address: 'http://127.0.0.1:1', redfish_system_id: '/x' },
      });
      await expect(c.setPowerState('bad', 'power on')).rejects.toThrow(
        /Failed to change power state/,
      );
      // The periodic sync runs on the injected clock and, as Ironic's default
      // force_power_state_during_sync, powers the machine back to the recorded state.
      bmc.power = 'Off';
      await clock.advance(60_000);
      const forced = () =>
        c.eventsFor(node.uuid).some((e) => e.type === 'power.changed' && e.id > 3);
      for (let i = 0; i < 200 && !forced(); i++) await new Promise((r) => setTimeout(r, 2));
      expect(bmc.power).toBe('On');
      expect(bmc.resets).toEqual(['On', 'On']);
      expect(c.getNode('pw')?.power_state).toBe('power on');
      expect(c.eventsFor(node.uuid).map((e) => e.type)).toContain('power.sync_forced');
    } finally {
      for (const c of running.splice(0)) await c.stop();
      await bmc.close();
    }
  });

  it('refuses calls before start and leaves no timers after stop', async () => {
    const c = new Conductor({
      dataDir: tmp.dir,
      clock,
      logger: silentLogger(),
      listen: { port: 0 },
    });
    expect(() => c.listNodes()).toThrow(/not started/);
    await c.start();
    expect(clock.pending).toBe(2); // power sync and provision timeouts
    await c.stop();
    expect(clock.pending).toBe(0);
  });

  it('runs provision verbs and fails operations a restart interrupted', async () => {
    let c = await start();
    c.createNode({ name: 'v', driver: 'fake-hardware' });
    const verifying = c.setProvisionState('v', 'manage');
    expect(['verifying', 'manageable']).toContain(verifying.provision_state);
    await c.idle();
    expect(c.getNode('v')?.provision_state).toBe('manageable');
    expect(() => c.setProvisionState('v', 'deploy')).toThrow(/can not be performed/);
    c.setProvisionState('v', 'provide');
    await c.idle();
    // fake-hardware "boots" instantly; the node now waits for its ramdisk.
    expect(c.getNode('v')?.provision_state).toBe('clean wait');
    await c.stop();
    running.length = 0;

    c = await start();
    expect(c.getNode('v')?.provision_state).toBe('clean wait'); // wait states survive
    await c.stop();
    running.length = 0;

    // A node caught mid-transition (cleaning) cannot be resumed: it is failed on start.
    const { openDatabase } = await import('./db/database');
    const { NodeStore } = await import('./db/node-store');
    const db = openDatabase(`${tmp.dir}/data`);
    const store = new NodeStore(db.db);
    store.updateNode(store.getNodeByName('v')!.uuid, {
      provisionState: 'cleaning',
    });
    db.close();
    c = await start();
    const failed = c.getNode('v');
    expect(failed?.provision_state).toBe('clean failed');
    expect(failed?.last_error).toMatch(/conductor restarted/);
  });
});
