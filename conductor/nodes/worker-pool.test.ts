import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, faultOf, V, type Harness } from '../testing/harness';
import { WorkerPool } from './worker-pool';

describe('WorkerPool', () => {
  it('keeps the reserve for callers allowed to use it, and counts refusals', () => {
    const pool = new WorkerPool({ size: 20 }); // 5 % → 1 reserved
    const held = Array.from({ length: 19 }, () => pool.tryAcquire(false));
    expect(held.every(Boolean)).toBe(true);
    expect(pool.tryAcquire(false)).toBeNull();
    const reserved = pool.tryAcquire(true);
    expect(reserved).not.toBeNull();
    expect(pool.tryAcquire(true)).toBeNull();
    expect(() => pool.acquire(true)).toThrow(/lack of free conductor workers/);
    reserved!();
    reserved!(); // releasing twice frees one slot only
    expect(pool.stats()).toMatchObject({ size: 20, reserved: 1, busy: 19, peak: 20, refused: 3 });
  });
});

describe('a full worker pool', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('answers heartbeats 503 (nothing recorded) while API actions may still use the reserve', async () => {
    h = createHarness({ workersPoolSize: 20 });
    const node = h.nodes.create({
      name: 'p1',
      driver: 'fake-hardware',
      ports: [{ address: '52:54:00:00:30:01' }],
      provision_state: 'manageable',
    });
    const lookup = await h.api.inject({
      method: 'GET',
      url: '/v1/lookup?addresses=52:54:00:00:30:01',
      headers: V('1.68'),
    });
    const token = lookup.json<{ config: { agent_token: string } }>().config.agent_token;
    const beat = () =>
      h.api.inject({
        method: 'POST',
        url: `/v1/heartbeat/${node.uuid}`,
        headers: V('1.68'),
        payload: { callback_url: 'http://127.0.0.1:9999', agent_token: token, agent_version: '1' },
      });
    const held = Array.from({ length: 19 }, () => h.pool.tryAcquire(false)!);

    const refused = await beat();
    expect(refused.statusCode).toBe(503);
    expect(faultOf(refused.body)).toEqual({
      faultstring: 'Requested action cannot be performed due to lack of free conductor workers.',
      faultcode: 'Server',
      debuginfo: null,
    });
    expect(h.nodes.get(node.uuid).driverInternalInfo.agent_last_heartbeat).toBeUndefined();

    // The reserve serves the operator: a power change is accepted; with the reserve taken too,
    // the API refuses.
    const on = await h.api.inject({
      method: 'PUT',
      url: `/v1/nodes/${node.uuid}/states/power`,
      headers: V('1.96'),
      payload: { target: 'power on' },
    });
    expect(on.statusCode).toBe(202);
    await h.idle();
    const reserve = h.pool.tryAcquire(true)!;
    const second = h.nodes.create({ name: 'p2', driver: 'fake-hardware' });
    const off = await h.api.inject({
      method: 'PUT',
      url: `/v1/nodes/${second.uuid}/states/power`,
      headers: V('1.96'),
      payload: { target: 'power off' },
    });
    expect(off.statusCode).toBe(503);
    expect(h.locks.isLocked(second.uuid)).toBe(false);
    await h.idle();

    reserve();
    for (const release of held) release();
    expect((await beat()).statusCode).toBe(202);
    expect(h.nodes.get(node.uuid).driverInternalInfo.agent_last_heartbeat).toEqual(
      expect.any(String),
    );
    expect(h.pool.stats().busy).toBe(0);
  });
});

describe('concurrent action limits', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('refuses provide beyond max_concurrent_clean and deploy beyond max_concurrent_deploy', async () => {
    h = createHarness({ maxConcurrentClean: 1, maxConcurrentDeploy: 1, fastTrack: false });
    const make = (name: string, state: 'manageable' | 'available') =>
      h.nodes.create({
        name,
        driver: 'fake-hardware',
        provision_state: state,
        instance_info: { image_source: 'http://img/x.raw', image_checksum: 'a'.repeat(64) },
      });
    make('a', 'manageable');
    make('b', 'manageable');
    make('c', 'available');
    make('d', 'available');
    const put = (name: string, target: string) =>
      h.api.inject({
        method: 'PUT',
        url: `/v1/nodes/${name}/states/provision`,
        headers: V('1.96'),
        payload: { target },
      });
    expect((await put('a', 'provide')).statusCode).toBe(202);
    await h.idle();
    expect(h.nodes.get('a').provisionState).toBe('clean wait');
    const refused = await put('b', 'provide');
    expect(refused.statusCode).toBe(503);
    expect(faultOf(refused.body).faultstring).toBe(
      'Unable to complete the requested action because the conductor is at maximum capacity for cleaning. Please retry later.',
    );
    expect(h.nodes.get('b').provisionState).toBe('manageable');
    expect((await put('c', 'active')).statusCode).toBe(202);
    await h.idle();
    expect(h.nodes.get('c').provisionState).toBe('wait call-back');
    expect((await put('d', 'active')).statusCode).toBe(503);
  });
});
