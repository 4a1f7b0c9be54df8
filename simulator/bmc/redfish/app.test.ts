import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import type { Machine } from '../../machine';
import { testMachine } from '../../testing/machines';
import { createRedfishApp } from './app';

const AUTH = `Basic ${Buffer.from('admin:secret-pw').toString('base64')}`;
const WRONG = `Basic ${Buffer.from('admin:nope').toString('base64')}`;

function setup() {
  const clock = new FakeClock();
  const machines = new Map<string, Machine>();
  const a = testMachine('small-vm', clock, { id: 'node-a' });
  const b = testMachine('compute-nvme', clock, { id: 'node-b' });
  machines.set(a.id, a).set(b.id, b);
  const app = createRedfishApp({
    directory: { get: (id) => machines.get(id), list: () => machines.values() },
  });
  return { app, clock, a, b };
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('Redfish Systems', () => {
  it('serves the ServiceRoot without credentials and lists Systems with them', async () => {
    const { app } = setup();
    cleanup.push(() => app.close());
    const root = await app.inject({ method: 'GET', url: '/redfish/v1/' });
    expect(root.statusCode).toBe(200);
    expect(root.json()).toMatchObject({ Systems: { '@odata.id': '/redfish/v1/Systems' } });
    const list = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems',
      headers: { authorization: AUTH },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      'Members@odata.count': 2,
      Members: [
        { '@odata.id': '/redfish/v1/Systems/node-a' },
        { '@odata.id': '/redfish/v1/Systems/node-b' },
      ],
    });
  });

  it('answers a wrong password with 401 and a Redfish error body', async () => {
    const { app } = setup();
    cleanup.push(() => app.close());
    const res = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/node-a',
      headers: { authorization: WRONG },
    });
    expect(res.statusCode).toBe(401);
    const body = res.json<{
      error: { code: string; '@Message.ExtendedInfo': { MessageId: string }[] };
    }>();
    expect(body.error.code).toBe('Base.1.8.NoValidSession');
    expect(body.error['@Message.ExtendedInfo'][0]!.MessageId).toBe('Base.1.8.NoValidSession');
    const none = await app.inject({ method: 'GET', url: '/redfish/v1/Systems' });
    expect(none.statusCode).toBe(401);
  });

  it('describes the machine: identity, power, boot, processors, memory, actions, etag', async () => {
    const { app, b } = setup();
    cleanup.push(() => app.close());
    const res = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/node-b',
      headers: { authorization: AUTH },
    });
    expect(res.statusCode).toBe(200);
    const sys = res.json<Record<string, unknown>>();
    expect(sys).toMatchObject({
      '@odata.id': '/redfish/v1/Systems/node-b',
      '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
      Id: 'node-b',
      UUID: b.spec.system.uuid,
      Manufacturer: 'Supermicro',
      SerialNumber: b.spec.system.serialNumber,
      PowerState: 'Off',
      Boot: {
        BootSourceOverrideTarget: 'Pxe',
        BootSourceOverrideEnabled: 'Continuous',
        BootSourceOverrideMode: 'UEFI',
      },
      ProcessorSummary: { Count: 2, LogicalProcessorCount: 80 },
      MemorySummary: { TotalSystemMemoryGiB: 384 },
      Actions: {
        '#ComputerSystem.Reset': {
          target: '/redfish/v1/Systems/node-b/Actions/ComputerSystem.Reset',
        },
      },
    });
    expect(res.headers.etag).toBe(sys['@odata.etag']);
  });

  it('powers the model on and off through ComputerSystem.Reset', async () => {
    const { app, a } = setup();
    cleanup.push(
      () => app.close(),
      () => a.powerOff(),
    );
    const url = '/redfish/v1/Systems/node-a/Actions/ComputerSystem.Reset';
    const on = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: { ResetType: 'On' },
    });
    expect(on.statusCode).toBe(204);
    expect(a.phase).toBe('firmware');
    const get = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/node-a',
      headers: { authorization: AUTH },
    });
    expect(get.json()).toMatchObject({ PowerState: 'On' });
    const off = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: { ResetType: 'ForceOff' },
    });
    expect(off.statusCode).toBe(204);
    expect(a.phase).toBe('off');
  });

  it('rejects a bad ResetType with 400 and a Redfish error, changing nothing', async () => {
    const { app, a } = setup();
    cleanup.push(() => app.close());
    const url = '/redfish/v1/Systems/node-a/Actions/ComputerSystem.Reset';
    const bad = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: { ResetType: 'Explode' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'Base.1.8.ActionParameterValueNotInList' } });
    const missing = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'Base.1.8.ActionParameterMissing' } });
    const malformed = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      payload: '{"ResetType":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 'Base.1.8.MalformedJSON' } });
    expect(a.phase).toBe('off');
  });

  it('PATCHes the boot override with If-Match; a stale ETag gets 412', async () => {
    const { app, a } = setup();
    cleanup.push(() => app.close());
    const url = '/redfish/v1/Systems/node-a';
    const first = await app.inject({ method: 'GET', url, headers: { authorization: AUTH } });
    const etag = first.headers.etag as string;
    const patch = await app.inject({
      method: 'PATCH',
      url,
      headers: { authorization: AUTH, 'if-match': etag },
      payload: {
        Boot: {
          BootSourceOverrideTarget: 'Hdd',
          BootSourceOverrideEnabled: 'Once',
          BootSourceOverrideMode: 'Legacy',
        },
      },
    });
    expect(patch.statusCode).toBe(200);
    expect(a.bootOverride).toEqual({ target: 'Hdd', enabled: 'Once' });
    expect(a.bootMode).toBe('Legacy');
    expect(patch.headers.etag).not.toBe(etag);
    const stale = await app.inject({
      method: 'PATCH',
      url,
      headers: { authorization: AUTH, 'if-match': etag },
      payload: { Boot: { BootSourceOverrideTarget: 'Pxe' } },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ error: { code: 'Base.1.8.PreconditionFailed' } });
    expect(a.bootOverride.target).toBe('Hdd');
    const weak = await app.inject({
      method: 'PATCH',
      url,
      headers: { authorization: AUTH, 'if-match': `W/${patch.headers.etag as string}` },
      payload: { Boot: { BootSourceOverrideTarget: 'Pxe' } },
    });
    expect(weak.statusCode).toBe(200);
  });

  it('rejects unknown properties and values with 400, applying nothing', async () => {
    const { app, a } = setup();
    cleanup.push(() => app.close());
    const url = '/redfish/v1/Systems/node-a';
    const badValue = await app.inject({
      method: 'PATCH',
      url,
      headers: { authorization: AUTH },
      payload: { Boot: { BootSourceOverrideTarget: 'Floppy9', BootSourceOverrideMode: 'Legacy' } },
    });
    expect(badValue.statusCode).toBe(400);
    expect(badValue.json()).toMatchObject({ error: { code: 'Base.1.8.PropertyValueNotInList' } });
    expect(a.bootMode).toBe('UEFI');
    const unknown = await app.inject({
      method: 'PATCH',
      url,
      headers: { authorization: AUTH },
      payload: { Color: 'red' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: { code: 'Base.1.8.PropertyUnknown' } });
  });

  it('answers unknown resources with 404 in the Redfish shape', async () => {
    const { app } = setup();
    cleanup.push(() => app.close());
    const res = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/nope',
      headers: { authorization: AUTH },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'Base.1.8.ResourceMissingAtURI' } });
    const other = await app.inject({ method: 'GET', url: '/redfish/v1/Nothing' });
    expect(other.statusCode).toBe(404);
  });

  it('a BMC fault returns 500; an ignored power action answers 204 and changes nothing', async () => {
    const { app, a } = setup();
    cleanup.push(() => app.close());
    a.faults.bmcError = true;
    const res = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/node-a',
      headers: { authorization: AUTH },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ error: { code: 'Base.1.8.GeneralError' } });
    a.faults.bmcError = false;
    a.faults.powerActionIgnored = true;
    const on = await app.inject({
      method: 'POST',
      url: '/redfish/v1/Systems/node-a/Actions/ComputerSystem.Reset',
      headers: { authorization: AUTH },
      payload: { ResetType: 'On' },
    });
    expect(on.statusCode).toBe(204);
    expect(a.phase).toBe('off');
  });
});
