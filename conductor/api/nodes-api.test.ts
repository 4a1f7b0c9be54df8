import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BASE_URL,
  createHarness,
  faultOf,
  sampleInventory,
  V,
  type Harness,
} from '../testing/harness';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

const createNode = async (body: Record<string, unknown>) => {
  const res = await h.api.inject({ method: 'POST', url: '/v1/nodes', payload: body });
  return { res, node: res.json<Record<string, unknown>>() };
};

describe('version documents and microversions', () => {
  it('serves the root document with the default version', async () => {
    const res = await h.api.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ default_version: Record<string, unknown>; versions: unknown[] }>();
    expect(body.default_version).toEqual({
      id: 'v1',
      version: '1.96',
      min_version: '1.1',
      status: 'CURRENT',
      links: [{ href: `${BASE_URL}/v1/`, rel: 'self' }],
    });
    expect(body.versions).toHaveLength(1);
  });

  it('serves /v1 and /v1/ with min/max headers and the minimum as default', async () => {
    for (const url of ['/v1', '/v1/']) {
      const res = await h.api.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-openstack-ironic-api-minimum-version']).toBe('1.1');
      expect(res.headers['x-openstack-ironic-api-maximum-version']).toBe('1.96');
      expect(res.headers['x-openstack-ironic-api-version']).toBe('1.1');
      expect(res.json<{ id: string }>().id).toBe('v1');
    }
  });

  it('negotiates latest, an explicit version and the standard header', async () => {
    let res = await h.api.inject({ method: 'GET', url: '/v1/nodes', headers: V('latest') });
    expect(res.headers['x-openstack-ironic-api-version']).toBe('1.96');
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes', headers: V('1.62') });
    expect(res.headers['x-openstack-ironic-api-version']).toBe('1.62');
    res = await h.api.inject({
      method: 'GET',
      url: '/v1/nodes',
      headers: { 'openstack-api-version': 'baremetal 1.70' },
    });
    expect(res.headers['x-openstack-ironic-api-version']).toBe('1.70');
  });

  it('answers 406 outside the range or for garbage, in Ironic error shape', async () => {
    for (const v of ['1.97', '1.0', '2.1', 'abc']) {
      const res = await h.api.inject({ method: 'GET', url: '/v1/nodes', headers: V(v) });
      expect(res.statusCode, v).toBe(406);
      expect(res.headers['x-openstack-ironic-api-maximum-version']).toBe('1.96');
      const fault = faultOf(res.body);
      expect(fault.faultcode).toBe('Client');
      expect(fault.debuginfo).toBeNull();
    }
    const res = await h.api.inject({ method: 'GET', url: '/v1/nodes', headers: V('1.200') });
    expect(faultOf(res.body).faultstring).toBe(
      'Version 1.200 was requested but the minor version is not supported by this service. The supported version range is: [1.1, 1.96].',
    );
  });

  it('answers unknown routes with a 404 Ironic fault', async () => {
    const res = await h.api.inject({ method: 'GET', url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toHaveProperty('error_message');
    expect(typeof (JSON.parse(res.body) as { error_message: unknown }).error_message).toBe(
      'string',
    );
    expect(faultOf(res.body).faultstring).toBe('The resource could not be found.');
  });
});

describe('nodes', () => {
  it('creates in enroll, masks passwords, and is found by uuid or name', async () => {
    const { res, node } = await createNode({
      name: 'node-1',
      driver: 'redfish',
      driver_info: {
        redfish_address: 'http://bmc',
        redfish_password: 'hunter2',
        redfish_username: 'u',
      },
      properties: { cpus: 4 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`${BASE_URL}/v1/nodes/${String(node.uuid)}`);
    expect(node.provision_state).toBe('enroll');
    expect(node.driver_info).toEqual({
      redfish_address: 'http://bmc',
      redfish_password: '******',
      redfish_username: 'u',
    });
    expect(res.body).not.toContain('hunter2');
    for (const ident of [String(node.uuid), 'node-1']) {
      const got = await h.api.inject({ method: 'GET', url: `/v1/nodes/${ident}` });
      expect(got.statusCode).toBe(200);
      expect(got.json<{ uuid: string }>().uuid).toBe(node.uuid);
    }
    // The stored password is the real one: only the view is masked.
    expect(h.nodes.get('node-1').driverInfo.redfish_password).toBe('hunter2');
  });

  it('refuses bad input with Ironic faults', async () => {
    let r = await createNode({ driver: 'nope' });
    expect(r.res.statusCode).toBe(400);
    expect(faultOf(r.res.body).faultstring).toContain('supports driver nope');
    r = await createNode({ name: 'x' });
    expect(r.res.statusCode).toBe(400);
    r = await createNode({ driver: 'redfish', bogus: 1 });
    expect(r.res.statusCode).toBe(400);
    expect(faultOf(r.res.body).faultstring).toContain("'bogus'");
    r = await createNode({ driver: 'redfish', provision_state: 'active' });
    expect(r.res.statusCode).toBe(400);
    await createNode({ driver: 'redfish', name: 'dup' });
    r = await createNode({ driver: 'redfish', name: 'dup' });
    expect(r.res.statusCode).toBe(409);
    const bad = await h.api.inject({
      method: 'POST',
      url: '/v1/nodes',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(bad.statusCode).toBe(400);
    expect(faultOf(bad.body).faultcode).toBe('Client');
    const missing = await h.api.inject({ method: 'GET', url: '/v1/nodes/ghost' });
    expect(missing.statusCode).toBe(404);
    expect(faultOf(missing.body).faultstring).toBe('Node ghost could not be found.');
  });

  it('lists with default fields, detail, fields and filters', async () => {
    await createNode({ name: 'a', driver: 'redfish' });
    await createNode({ name: 'b', driver: 'fake-hardware' });
    let res = await h.api.inject({ method: 'GET', url: '/v1/nodes' });
    const list = res.json<{ nodes: Record<string, unknown>[] }>().nodes;
    expect(list).toHaveLength(2);
    expect(Object.keys(list[0]!).sort()).toEqual(
      [
        'instance_uuid',
        'links',
        'maintenance',
        'name',
        'power_state',
        'provision_state',
        'uuid',
      ].sort(),
    );
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?detail=true' });
    expect(res.json<{ nodes: Record<string, unknown>[] }>().nodes[0]).toHaveProperty('driver_info');
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes/detail' });
    expect(res.json<{ nodes: Record<string, unknown>[] }>().nodes[1]).toHaveProperty(
      'driver',
      'fake-hardware',
    );
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?fields=name,driver' });
    expect(res.json<{ nodes: unknown[] }>().nodes[0]).toEqual({
      name: 'a',
      driver: 'redfish',
      links: expect.any(Array) as unknown,
    });
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?fields=nope' });
    expect(res.statusCode).toBe(400);
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?fields=name&detail=true' });
    expect(res.statusCode).toBe(400);
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?driver=fake-hardware' });
    expect(res.json<{ nodes: { name: string }[] }>().nodes.map((n) => n.name)).toEqual(['b']);
    res = await h.api.inject({
      method: 'GET',
      url: '/v1/nodes?provision_state=enroll&maintenance=false',
    });
    expect(res.json<{ nodes: unknown[] }>().nodes).toHaveLength(2);
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?provision_state=available' });
    expect(res.json<{ nodes: unknown[] }>().nodes).toHaveLength(0);
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes?maintenance=maybe' });
    expect(res.statusCode).toBe(400);
  });

  it('patches with add, replace and remove and refuses internal attributes', async () => {
    const { node } = await createNode({ name: 'p', driver: 'redfish', driver_info: { a: 1 } });
    const url = `/v1/nodes/${String(node.uuid)}`;
    let res = await h.api.inject({
      method: 'PATCH',
      url,
      payload: [
        { op: 'add', path: '/driver_info/redfish_address', value: 'http://x' },
        { op: 'replace', path: '/name', value: 'q' },
        { op: 'remove', path: '/driver_info/a' },
        { op: 'add', path: '/extra/k~1v', value: true },
      ],
    });
    expect(res.statusCode).toBe(200);
    const patched = res.json<Record<string, unknown>>();
    expect(patched.name).toBe('q');
    expect(patched.driver_info).toEqual({ redfish_address: 'http://x' });
    expect(patched.extra).toEqual({ 'k/v': true });
    res = await h.api.inject({
      method: 'PATCH',
      url,
      payload: [{ op: 'replace', path: '/provision_state', value: 'active' }],
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      "'/provision_state' is an internal attribute and can not be updated",
    );
    res = await h.api.inject({
      method: 'PATCH',
      url,
      payload: [{ op: 'remove', path: '/extra/none' }],
    });
    expect(res.statusCode).toBe(400);
    res = await h.api.inject({ method: 'PATCH', url, payload: { op: 'add' } });
    expect(res.statusCode).toBe(400);
    res = await h.api.inject({
      method: 'PATCH',
      url,
      payload: [{ op: 'replace', path: '/driver', value: 'bad' }],
    });
    expect(res.statusCode).toBe(400);
    expect(h.nodes.get(String(node.uuid)).driver).toBe('redfish');
  });

  it('deletes nodes in deletable states only', async () => {
    const { node } = await createNode({ name: 'd', driver: 'redfish' });
    const res = await h.api.inject({ method: 'DELETE', url: '/v1/nodes/d' });
    expect(res.statusCode).toBe(204);
    expect(h.nodes.find(String(node.uuid))).toBeUndefined();
    const busy = h.nodes.create({ driver: 'redfish', name: 'busy' });
    h.nodes.update(busy.uuid, 'test', { provisionState: 'clean wait' });
    const refused = await h.api.inject({ method: 'DELETE', url: '/v1/nodes/busy' });
    expect(refused.statusCode).toBe(409);
    h.nodes.update(busy.uuid, 'test', { maintenance: true });
    expect((await h.api.inject({ method: 'DELETE', url: '/v1/nodes/busy' })).statusCode).toBe(204);
  });

  it('serves the inventory from 1.81 on', async () => {
    const n = h.nodes.create({ driver: 'redfish', name: 'inv' });
    let res = await h.api.inject({
      method: 'GET',
      url: '/v1/nodes/inv/inventory',
      headers: V('1.81'),
    });
    expect(res.statusCode).toBe(404);
    h.nodes.store.putInventory({
      nodeUuid: n.uuid,
      inventory: sampleInventory(),
      pluginData: { x: 1 },
      createdAt: h.nodes.now(),
    });
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes/inv/inventory', headers: V('1.81') });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ inventory: { hostname: string }; plugin_data: unknown }>()).toEqual({
      inventory: sampleInventory(),
      plugin_data: { x: 1 },
    });
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes/inv/inventory', headers: V('1.80') });
    expect(res.statusCode).toBe(404);
  });
});

describe('maintenance, validate and lenient bodies', () => {
  it('sets and clears maintenance with a reason; clearing drops the fault', async () => {
    const n = h.nodes.create({ driver: 'fake-hardware', name: 'm' });
    h.nodes.update(n.uuid, 'test', { fault: 'clean failure' });
    let res = await h.api.inject({
      method: 'PUT',
      url: '/v1/nodes/m/maintenance',
      payload: { reason: 'rack move' },
    });
    expect(res.statusCode).toBe(202);
    expect(h.nodes.get('m')).toMatchObject({ maintenance: true, maintenanceReason: 'rack move' });
    res = await h.api.inject({ method: 'DELETE', url: '/v1/nodes/m/maintenance' });
    expect(res.statusCode).toBe(202);
    expect(h.nodes.get('m')).toMatchObject({
      maintenance: false,
      maintenanceReason: null,
      fault: null,
    });
    expect(h.nodes.events('m').map((e) => e.type)).toEqual([
      'node.created',
      'maintenance.set',
      'maintenance.unset',
    ]);
  });

  it("refuses a boot device the node cannot set, with Ironic's error shapes", async () => {
    h.nodes.create({ driver: 'fake-hardware', name: 'bd' });
    let res = await h.api.inject({
      method: 'PUT',
      url: '/v1/nodes/bd/management/boot_device',
      payload: { boot_device: 'floppy' },
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('Invalid boot device floppy');
    res = await h.api.inject({
      method: 'PUT',
      url: '/v1/nodes/bd/management/boot_device',
      payload: { boot_device: 'pxe', persistent: 'yes' },
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('"persistent" must be a boolean');
    res = await h.api.inject({
      method: 'PUT',
      url: '/v1/nodes/bd/management/boot_device',
      payload: { boot_device: 'pxe' },
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('cannot set the boot device');
    res = await h.api.inject({
      method: 'GET',
      url: '/v1/nodes/bd/management/boot_device/supported',
    });
    expect(res.json()).toEqual({ supported_boot_devices: [] });
  });

  it('validates the power interface from driver_info', async () => {
    h.nodes.create({ driver: 'redfish', name: 'v' });
    const res = await h.api.inject({ method: 'GET', url: '/v1/nodes/v/validate' });
    const body = res.json<{ power: { result: boolean; reason: string } }>();
    expect(body.power.result).toBe(false);
    expect(body.power.reason).toContain('redfish_address');
  });

  it('accepts bodies whatever their content type says, and empty ones', async () => {
    h.nodes.create({ driver: 'fake-hardware', name: 'del' });
    let res = await h.api.inject({
      method: 'DELETE',
      url: '/v1/nodes/del',
      headers: { 'content-type': 'application/octet-stream' },
      payload: '',
    });
    expect(res.statusCode).toBe(204);
    res = await h.api.inject({
      method: 'POST',
      url: '/v1/nodes',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ driver: 'fake-hardware', name: 'txt' }),
    });
    expect(res.statusCode).toBe(201);
  });
});

describe('ports', () => {
  it('creates, lists and refuses duplicates or bad MACs', async () => {
    const { node } = await createNode({ name: 'pn', driver: 'redfish' });
    let res = await h.api.inject({
      method: 'POST',
      url: '/v1/ports',
      payload: { address: '52:54:00:AA:BB:CC', node_uuid: node.uuid },
    });
    expect(res.statusCode).toBe(201);
    const port = res.json<Record<string, unknown>>();
    expect(port.address).toBe('52:54:00:aa:bb:cc');
    expect(port.node_uuid).toBe(node.uuid);
    res = await h.api.inject({
      method: 'POST',
      url: '/v1/ports',
      payload: { address: '52-54-00-aa-bb-cc', node_uuid: node.uuid },
    });
    expect(res.statusCode).toBe(409);
    res = await h.api.inject({
      method: 'POST',
      url: '/v1/ports',
      payload: { address: 'zz', node_uuid: node.uuid },
    });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe('Expected a MAC address but received zz.');
    res = await h.api.inject({ method: 'GET', url: '/v1/ports' });
    expect(res.json<{ ports: unknown[] }>().ports).toEqual([
      { uuid: port.uuid, address: '52:54:00:aa:bb:cc', links: expect.any(Array) as unknown },
    ]);
    res = await h.api.inject({ method: 'GET', url: '/v1/nodes/pn/ports?detail=true' });
    expect(res.json<{ ports: { node_uuid: string }[] }>().ports[0]!.node_uuid).toBe(node.uuid);
    res = await h.api.inject({ method: 'GET', url: `/v1/ports/${String(port.uuid)}` });
    expect(res.json<{ pxe_enabled: boolean }>().pxe_enabled).toBe(true);
  });
});
