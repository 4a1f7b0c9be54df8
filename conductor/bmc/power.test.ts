import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, faultOf, silentLogger, type Harness } from '../testing/harness';
import { deadBmcUrl, startFakeRedfish, type FakeBmc } from '../testing/fake-redfish';
import { PowerSync, SYNC_ERROR_PREFIX } from './power-sync';
import { RedfishClient } from './redfish-client';

let h: Harness;
let bmc: FakeBmc;
beforeEach(async () => {
  h = createHarness();
  bmc = await startFakeRedfish('Off');
});
afterEach(async () => {
  await h.close();
  await bmc.close();
});

function redfishNode(address = bmc.url, extra: Record<string, unknown> = {}) {
  return h.nodes.create({
    name: 'r1',
    driver: 'redfish',
    driver_info: {
      redfish_address: address,
      redfish_username: 'admin',
      redfish_password: 'password',
      ...extra,
    },
  });
}

/** Drives fake time until the promise settles; loopback I/O gets a few real ms per step. */
async function drive<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  void promise.finally(() => (settled = true)).catch(() => undefined);
  for (let i = 0; i < 200 && !settled; i++) {
    await h.clock.advance(500);
    await new Promise((r) => setTimeout(r, 2));
  }
  return promise;
}

describe('redfish client', () => {
  it('finds the only system, reads power, resets and patches the boot override', async () => {
    const client = new RedfishClient(
      { address: bmc.url, username: 'admin', password: 'password', verifyCa: true },
      h.dispatchers.verifying,
    );
    expect(await client.getPowerState()).toBe('Off');
    await client.reset('On');
    expect(bmc.resets).toEqual(['On']);
    expect(await client.getPowerState()).toBe('On');
    await client.setBootOverride({ target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
    expect(bmc.patches).toEqual([
      {
        Boot: {
          BootSourceOverrideTarget: 'Pxe',
          BootSourceOverrideEnabled: 'Once',
          BootSourceOverrideMode: 'UEFI',
        },
      },
    ]);
  });

  it('reports refused credentials with the BMC message', async () => {
    const client = new RedfishClient(
      {
        address: bmc.url,
        systemId: '/redfish/v1/Systems/1',
        username: 'admin',
        password: 'nope',
        verifyCa: true,
      },
      h.dispatchers.verifying,
    );
    await expect(client.getPowerState()).rejects.toThrow(/answered 401: bad credentials/);
  });
});

describe('power service', () => {
  it('powers on through Reset On and waits for the BMC to confirm', async () => {
    const node = redfishNode();
    bmc.lag = 3;
    const { accepted, done } = h.power.request(node.uuid, 'power on');
    expect(accepted.targetPowerState).toBe('power on');
    expect(h.locks.isLocked(node.uuid)).toBe(true);
    const outcome = await drive(done);
    expect(outcome.error).toBeUndefined();
    expect(outcome.node.powerState).toBe('power on');
    expect(outcome.node.targetPowerState).toBeNull();
    expect(bmc.resets).toEqual(['On']);
    expect(h.locks.isLocked(node.uuid)).toBe(false);
    expect(h.nodes.events(node.uuid).map((e) => e.type)).toEqual([
      'node.created',
      'power.requested',
      'power.changed',
    ]);
  });

  it('reboots as ForceOff then On and wipes the agent token', async () => {
    const node = redfishNode();
    bmc.power = 'On';
    h.nodes.update(node.uuid, 'test', {
      powerState: 'power on',
      driverInternalInfo: { agent_secret_token: 't', agent_url: 'http://a:9999', keep: 1 },
    });
    const outcome = await drive(h.power.request(node.uuid, 'rebooting').done);
    expect(bmc.resets).toEqual(['ForceOff', 'On']);
    expect(outcome.node.powerState).toBe('power on');
    expect(outcome.node.driverInternalInfo).toMatchObject({ keep: 1 });
    expect(outcome.node.driverInternalInfo.agent_secret_token).toBeUndefined();
    expect(outcome.node.driverInternalInfo.agent_url).toBeUndefined();
  });

  it('does not send a reset when the node is already in the target state', async () => {
    const node = redfishNode();
    const outcome = await drive(h.power.request(node.uuid, 'power off').done);
    expect(outcome.node.powerState).toBe('power off');
    expect(bmc.resets).toEqual([]);
  });

  it('sets last_error when the BMC is down, and never throws', async () => {
    const node = redfishNode(await deadBmcUrl());
    const outcome = await drive(h.power.request(node.uuid, 'power on').done);
    expect(outcome.error).toMatch(/^Failed to change power state to 'power on'/);
    expect(outcome.node.lastError).toBe(outcome.error);
    expect(outcome.node.targetPowerState).toBeNull();
    expect(h.locks.isLocked(node.uuid)).toBe(false);
  });

  it('refuses a second change while one runs (409) and bad targets (400)', async () => {
    const node = redfishNode();
    bmc.lag = 2;
    const first = h.power.request(node.uuid, 'power on');
    const res = await h.api.inject({
      method: 'PUT',
      url: `/v1/nodes/${node.uuid}/states/power`,
      payload: { target: 'power off' },
    });
    expect(res.statusCode).toBe(409);
    expect(faultOf(res.body).faultstring).toContain('is locked by host');
    await drive(first.done);
    const bad = await h.api.inject({
      method: 'PUT',
      url: `/v1/nodes/${node.uuid}/states/power`,
      payload: { target: 'sideways' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('PUT states/power answers 202 and the change lands', async () => {
    const node = redfishNode();
    const res = await h.api.inject({
      method: 'PUT',
      url: `/v1/nodes/r1/states/power`,
      payload: { target: 'power on' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toMatch(new RegExp(`/v1/nodes/${node.uuid}/states$`));
    await drive(h.power.idle());
    expect(h.nodes.get(node.uuid).powerState).toBe('power on');
  });

  it('rejects a redfish node without redfish_address', async () => {
    h.nodes.create({ name: 'bare', driver: 'redfish' });
    const res = await h.api.inject({
      method: 'PUT',
      url: '/v1/nodes/bare/states/power',
      payload: { target: 'power on' },
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('redfish_address');
  });
});

describe('power sync', () => {
  it('runs on the clock, adopts the BMC state, and records an unreachable BMC', async () => {
    const node = redfishNode();
    const dead = h.nodes.create({
      name: 'dead',
      driver: 'redfish',
      driver_info: {
        redfish_address: await deadBmcUrl(),
        redfish_system_id: '/redfish/v1/Systems/1',
      },
    });
    bmc.power = 'On';
    const sync = new PowerSync(h.nodes, h.power, h.clock, silentLogger(), {
      intervalMs: 120_000,
      force: false,
    });
    sync.start();
    await h.clock.advance(119_000);
    expect(bmc.requests).toBe(0);
    await drive(
      new Promise<void>((resolve) => {
        const check = () => (h.nodes.get(dead.uuid).lastError ? resolve() : setTimeout(check, 2));
        check();
      }),
    );
    expect(h.nodes.get(node.uuid).powerState).toBe('power on');
    expect(h.nodes.get(dead.uuid).lastError).toMatch(
      new RegExp(`^${SYNC_ERROR_PREFIX} ${dead.uuid}`),
    );
    expect(h.nodes.events(node.uuid).map((e) => e.type)).toContain('power.synced');

    // The BMC changes behind our back; without forcing, the next pass follows it.
    h.nodes.update(node.uuid, 'test', { provisionState: 'manageable' });
    bmc.power = 'Off';
    await sync.runOnce();
    expect(h.nodes.get(node.uuid).powerState).toBe('power off');
    await sync.stop();
    expect(h.clock.pending).toBe(0);
  });

  it('clears its own error once the BMC answers again, and skips locked nodes', async () => {
    const node = redfishNode();
    h.nodes.update(node.uuid, 'test', { lastError: `${SYNC_ERROR_PREFIX} ${node.uuid}. Error: x` });
    const sync = new PowerSync(h.nodes, h.power, h.clock, silentLogger(), 120_000);
    const release = h.locks.tryAcquire(node.uuid, 'test')!;
    await sync.runOnce();
    expect(bmc.requests).toBe(0);
    release();
    await sync.runOnce();
    expect(h.nodes.get(node.uuid).lastError).toBeNull();
    expect(h.nodes.get(node.uuid).powerState).toBe('power off');
  });
});

describe('power sync with force_power_state_during_sync (the default)', () => {
  function syncedNode() {
    const node = redfishNode();
    bmc.power = 'On';
    return h.nodes.update(node.uuid, 'test', {
      provisionState: 'manageable',
      powerState: 'power on',
    });
  }
  const sync = () => new PowerSync(h.nodes, h.power, h.clock, silentLogger(), 120_000);

  it('powers the machine back to the database state', async () => {
    const node = syncedNode();
    bmc.power = 'Off';
    await drive(sync().runOnce());
    expect(bmc.resets).toEqual(['On']);
    expect(bmc.power).toBe('On');
    const after = h.nodes.get(node.uuid);
    expect(after.powerState).toBe('power on');
    expect(after.maintenance).toBe(false);
    expect(h.nodes.events(node.uuid).map((e) => e.type)).toContain('power.sync_forced');
  });

  it('gives up after power_state_sync_max_retries: DB follows the BMC, maintenance, power failure', async () => {
    const node = syncedNode();
    bmc.power = 'Off';
    bmc.ignoreResets = true;
    const s = sync();
    for (let pass = 1; pass <= 3; pass++) {
      await drive(s.runOnce());
      expect(bmc.resets).toHaveLength(pass);
      expect(h.nodes.get(node.uuid).maintenance).toBe(false);
    }
    await drive(s.runOnce());
    expect(bmc.resets).toHaveLength(3);
    const n = h.nodes.get(node.uuid);
    expect(n.powerState).toBe('power off');
    expect(n.maintenance).toBe(true);
    expect(n.fault).toBe('power failure');
    expect(n.lastError).toBe(
      `During sync_power_state, max retries exceeded for node ${node.uuid}, node state power off does not match expected state 'power on'. Updating DB state to 'power off' Switching node to maintenance mode.`,
    );
    expect(n.maintenanceReason).toBe(n.lastError);
  });

  it('a BMC that stays unreachable ends in maintenance, lifted once it answers again', async () => {
    const node = syncedNode();
    h.nodes.update(node.uuid, 'test', {
      driverInfo: { ...h.nodes.get(node.uuid).driverInfo, redfish_password: 'wrong' },
    });
    const s = sync();
    for (let pass = 1; pass <= 3; pass++) await s.runOnce();
    expect(h.nodes.get(node.uuid).maintenance).toBe(false);
    expect(h.nodes.get(node.uuid).lastError).toMatch(new RegExp(`^${SYNC_ERROR_PREFIX}`));
    await s.runOnce();
    expect(h.nodes.get(node.uuid)).toMatchObject({
      maintenance: true,
      fault: 'power failure',
      powerState: null,
    });
    h.nodes.update(node.uuid, 'test', {
      driverInfo: { ...h.nodes.get(node.uuid).driverInfo, redfish_password: 'password' },
    });
    await s.runOnce();
    expect(h.nodes.get(node.uuid)).toMatchObject({
      maintenance: false,
      fault: null,
      lastError: null,
      powerState: 'power on',
    });
    expect(bmc.resets).toEqual([]);
  });

  it('leaves nodes alone in states where the agent owns power, and a correct node resets the count', async () => {
    const node = syncedNode();
    h.nodes.update(node.uuid, 'test', { provisionState: 'clean wait' });
    bmc.power = 'Off';
    await sync().runOnce();
    expect(bmc.resets).toEqual([]);
    expect(h.nodes.get(node.uuid).powerState).toBe('power on');

    h.nodes.update(node.uuid, 'test', { provisionState: 'manageable' });
    bmc.ignoreResets = true;
    const s = sync();
    await drive(s.runOnce());
    await drive(s.runOnce());
    bmc.power = 'On'; // the machine came back by itself
    await s.runOnce();
    bmc.power = 'Off';
    for (let pass = 1; pass <= 3; pass++) await drive(s.runOnce());
    expect(h.nodes.get(node.uuid).maintenance).toBe(false);
  });
});
