import { afterEach, describe, expect, it } from 'vitest';
import {
  BASE_URL,
  createHarness,
  faultOf,
  sampleInventory,
  V,
  type Harness,
} from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const MAC = '52:54:00:12:34:56';

function seed(state = 'clean wait', extra: Record<string, unknown> = {}) {
  const node = h.nodes.create({
    name: 'n1',
    driver: 'redfish',
    driver_info: { redfish_address: 'http://bmc', redfish_password: 'pw' },
    instance_info: { configdrive: 'secret-drive', image_source: 'http://img' },
    ports: [{ address: MAC }],
    ...extra,
  });
  return h.nodes.update(node.uuid, 'test', { provisionState: state });
}

const lookup = (query: string, version = '1.68') =>
  h.api.inject({ method: 'GET', url: `/v1/lookup?${query}`, headers: V(version) });

const heartbeat = (ident: string, body: Record<string, unknown>, version = '1.68') =>
  h.api.inject({
    method: 'POST',
    url: `/v1/heartbeat/${ident}`,
    headers: V(version),
    payload: body,
  });

type LookupBody = {
  node: Record<string, unknown>;
  config: { agent_token: string; heartbeat_timeout: number; agent_token_required: boolean };
};

describe('lookup', () => {
  it('needs a valid MAC or node uuid', async () => {
    h = createHarness();
    seed();
    for (const q of ['', 'addresses=not-a-mac', 'addresses=']) {
      const res = await lookup(q);
      expect(res.statusCode, q).toBe(400);
      expect(faultOf(res.body).faultstring).toBe(
        "At least one of 'addresses' and 'node_uuid' parameters is required",
      );
    }
    expect((await lookup('node_uuid=nope')).statusCode).toBe(400);
  });

  it('hands the token out once, then ******, with only the agent-facing node fields', async () => {
    h = createHarness();
    const node = seed();
    const first = await lookup(`addresses=${MAC.toUpperCase()},zz`);
    expect(first.statusCode).toBe(200);
    const body = first.json<LookupBody>();
    expect(Object.keys(body.node).sort()).toEqual(
      ['driver_internal_info', 'instance_info', 'links', 'properties', 'uuid'].sort(),
    );
    expect(body.node.uuid).toBe(node.uuid);
    expect(body.node.links).toEqual([
      { href: `${BASE_URL}/v1/nodes/${node.uuid}`, rel: 'self' },
      { href: `${BASE_URL}/nodes/${node.uuid}`, rel: 'bookmark' },
    ]);
    expect(body.config.agent_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.config.heartbeat_timeout).toBe(300);
    expect(body.config.agent_token_required).toBe(true);
    expect((body.node.instance_info as Record<string, unknown>).configdrive).toBe('******');
    expect((body.node.driver_internal_info as Record<string, unknown>).agent_secret_token).toBe(
      '******',
    );
    expect(h.nodes.get(node.uuid).driverInternalInfo.agent_secret_token).toBe(
      body.config.agent_token,
    );

    const second = await lookup(`node_uuid=${node.uuid}`);
    expect(second.json<LookupBody>().config.agent_token).toBe('******');
    expect(h.nodes.get(node.uuid).driverInternalInfo.agent_secret_token).toBe(
      body.config.agent_token,
    );
    expect(h.nodes.events(node.uuid).filter((e) => e.type === 'agent.token_issued')).toHaveLength(
      1,
    );
  });

  it('answers 404 alike for unknown nodes and for states that do not allow lookup', async () => {
    h = createHarness({ fastTrack: false });
    seed('enroll');
    const wrongState = await lookup(`addresses=${MAC}`);
    expect(wrongState.statusCode).toBe(404);
    const unknown = await lookup('addresses=52:54:00:00:00:01');
    expect(unknown.statusCode).toBe(404);
    expect(faultOf(wrongState.body)).toEqual(faultOf(unknown.body));
  });

  it('allows enroll/manageable/available with fast track, and not below API 1.22', async () => {
    h = createHarness({ fastTrack: true });
    seed('manageable');
    expect((await lookup(`addresses=${MAC}`)).statusCode).toBe(200);
    expect((await lookup(`addresses=${MAC}`, '1.21')).statusCode).toBe(404);
  });

  it('refuses to issue a token while the node is locked', async () => {
    h = createHarness();
    const node = seed();
    const release = h.locks.tryAcquire(node.uuid, 'test')!;
    expect((await lookup(`addresses=${MAC}`)).statusCode).toBe(409);
    release();
    expect((await lookup(`addresses=${MAC}`)).statusCode).toBe(200);
  });
});

describe('heartbeat', () => {
  async function tokenFor(): Promise<string> {
    return (await lookup(`addresses=${MAC}`)).json<LookupBody>().config.agent_token;
  }

  it('records agent_url, version, last heartbeat and verify_ca; answers 202', async () => {
    h = createHarness();
    const node = seed('clean wait');
    const token = await tokenFor();
    h.changes.length = 0;
    const res = await heartbeat('n1', {
      callback_url: 'http://192.0.2.10:9999',
      agent_token: token,
      agent_version: '10.0.0',
      agent_verify_ca: 'PEM',
    });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    const dii = h.nodes.get(node.uuid).driverInternalInfo;
    expect(dii).toMatchObject({
      agent_url: 'http://192.0.2.10:9999',
      agent_version: '10.0.0',
      agent_verify_ca: 'PEM',
      agent_last_heartbeat: h.nodes.now(),
    });
    expect(h.changes.map((c) => c.reason)).toContain('agent.heartbeat');
    expect(h.changes.at(-1)!.node!.driver_internal_info.agent_secret_token).toBe('******');
  });

  it('refuses a missing token, a wrong token, a missing version and a changed callback_url', async () => {
    h = createHarness();
    seed('clean wait');
    const token = await tokenFor();
    const base = { callback_url: 'http://192.0.2.10:9999', agent_version: '10.0.0' };
    let res = await heartbeat('n1', base);
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe('Agent token is required for heartbeat processing.');
    res = await heartbeat('n1', { ...base, agent_token: 'x'.repeat(43) });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe('Invalid or missing agent token received.');
    res = await heartbeat('n1', { callback_url: base.callback_url, agent_token: token });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe('Agent did not transmit a version');
    expect((await heartbeat('n1', { ...base, agent_token: token })).statusCode).toBe(202);
    res = await heartbeat('n1', {
      ...base,
      callback_url: 'http://192.0.2.99:9999',
      agent_token: token,
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      'Detected change in ramdisk provided "callback_url"',
    );
    res = await heartbeat('n1', { ...base, callback_url: 'ftp://x', agent_token: token });
    expect(res.statusCode).toBe(400);
  });

  it('answers 404 for an unknown node and gates fields by version', async () => {
    h = createHarness();
    seed('clean wait');
    const token = await tokenFor();
    const body = { callback_url: 'http://a:9999', agent_token: token, agent_version: '1' };
    expect((await heartbeat('ghost', body)).statusCode).toBe(404);
    expect((await heartbeat('n1', body, '1.35')).statusCode).toBe(400);
    expect((await heartbeat('n1', { ...body, agent_verify_ca: 'x' }, '1.67')).statusCode).toBe(400);
  });

  it('ignores heartbeats in states that take none (without fast track)', async () => {
    h = createHarness({ fastTrack: false });
    const node = seed('clean wait');
    const token = await tokenFor();
    h.nodes.update(node.uuid, 'test', { provisionState: 'manageable' });
    const res = await heartbeat('n1', {
      callback_url: 'http://a:9999',
      agent_token: token,
      agent_version: '1',
    });
    expect(res.statusCode).toBe(202);
    expect(h.nodes.get(node.uuid).driverInternalInfo.agent_url).toBeUndefined();
  });

  it('answers 409 when a node without agent_url is locked', async () => {
    h = createHarness();
    const node = seed('clean wait');
    const token = await tokenFor();
    const release = h.locks.tryAcquire(node.uuid, 'test')!;
    const res = await heartbeat('n1', {
      callback_url: 'http://a:9999',
      agent_token: token,
      agent_version: '1',
    });
    expect(res.statusCode).toBe(409);
    release();
  });
});

describe('continue_inspection', () => {
  const post = (body: unknown, query = '', headers: Record<string, string> = {}) =>
    h.api.inject({
      method: 'POST',
      url: `/v1/continue_inspection${query}`,
      payload: body as object,
      headers,
    });

  it('stores the inventory of a node in inspect wait and finishes inspection', async () => {
    h = createHarness();
    const node = seed('inspect wait');
    const res = await post({ inventory: sampleInventory([MAC, '52:54:00:12:34:57']), error: null });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ uuid: node.uuid });
    const after = h.nodes.get(node.uuid);
    expect(after.provisionState).toBe('manageable');
    expect(after.targetProvisionState).toBeNull();
    expect(after.inspectionFinishedAt).toBe(h.nodes.now());
    expect(after.properties).toMatchObject({
      cpus: 16,
      memory_mb: 65536,
      cpu_arch: 'x86_64',
      local_gb: 479,
    });
    expect(h.nodes.store.getInventory(node.uuid)?.inventory).toEqual(
      sampleInventory([MAC, '52:54:00:12:34:57']),
    );
    expect(
      h.nodes.store
        .listPorts(node.uuid)
        .map((p) => p.address)
        .sort(),
    ).toEqual([MAC, '52:54:00:12:34:57']);
  });

  it('rejects inventories that do not match the schema', async () => {
    h = createHarness();
    seed('inspect wait');
    const res = await post({ inventory: { interfaces: [] } });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toMatch(/^Invalid inspection data/);
  });

  it('records inventory for enroll/manageable/available nodes with fast track', async () => {
    h = createHarness({ fastTrack: true });
    const node = seed('enroll');
    const res = await post({ inventory: sampleInventory() });
    expect(res.statusCode).toBe(202);
    expect(h.nodes.get(node.uuid).provisionState).toBe('enroll');
    expect(h.nodes.store.getInventory(node.uuid)).toBeDefined();
    expect(h.nodes.events(node.uuid).map((e) => e.type)).toContain('inspection.recorded');
  });

  it('is 404 for an unknown machine without auto-discovery, and enrols it with', async () => {
    h = createHarness({ autoDiscovery: false });
    expect((await post({ inventory: sampleInventory() })).statusCode).toBe(404);
    await h.close();
    h = createHarness({ autoDiscovery: true });
    const res = await post({ inventory: sampleInventory() });
    expect(res.statusCode).toBe(202);
    const uuid = res.json<{ uuid: string }>().uuid;
    const node = h.nodes.get(uuid);
    expect(node.provisionState).toBe('enroll');
    expect(node.extra).toEqual({ auto_discovered: true });
    expect(h.nodes.store.listPorts(uuid).map((p) => p.address)).toEqual([MAC]);
  });

  it('answers in the lookup shape with a token from API 1.84 on', async () => {
    h = createHarness();
    const node = seed('inspect wait');
    const res = await post({ inventory: sampleInventory() }, `?node_uuid=${node.uuid}`, V('1.84'));
    expect(res.statusCode).toBe(202);
    const body = res.json<LookupBody>();
    expect(body.node.uuid).toBe(node.uuid);
    expect(body.config.agent_token).toHaveLength(43);
    expect((await post({ inventory: sampleInventory() }, '', V('1.50'))).statusCode).toBe(404);
  });
});
