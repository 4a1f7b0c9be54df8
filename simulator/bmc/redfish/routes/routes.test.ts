import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../lib';
import type { Machine } from '../../../machine';
import { testMachine } from '../../../testing/machines';
import { createRedfishApp } from '../app';
import { FIRMWARE_UPDATE_MS } from './tasks';

const AUTH = `Basic ${Buffer.from('admin:secret-pw').toString('base64')}`;

function setup() {
  const clock = new FakeClock();
  const machines = new Map<string, Machine>();
  const vm = testMachine('small-vm', clock, { id: 'vm-1' });
  const stor = testMachine('storage-2u', clock, { id: 'stor-1' });
  machines.set(vm.id, vm).set(stor.id, stor);
  const app = createRedfishApp({
    directory: { get: (id) => machines.get(id), list: () => machines.values() },
    clock,
    sessionTimeoutS: 60,
  });
  return { app, clock, vm, stor };
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('Redfish sessions', () => {
  it('opens a session with X-Auth-Token and Location, uses it, and deletes it', async () => {
    const { app } = setup();
    cleanup.push(() => app.close());
    const root = (await app.inject({ method: 'GET', url: '/redfish/v1/' })).json<{
      Links: { Sessions: { '@odata.id': string } };
    }>();
    const create = await app.inject({
      method: 'POST',
      url: root.Links.Sessions['@odata.id'],
      payload: { UserName: 'admin', Password: 'secret-pw' },
    });
    expect(create.statusCode).toBe(201);
    const token = create.headers['x-auth-token'] as string;
    const location = create.headers.location as string;
    expect(token.length).toBeGreaterThan(20);
    expect(location).toMatch(/^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f-]{36}$/);
    expect(create.json()).toMatchObject({ UserName: 'admin' });
    const sys = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/vm-1',
      headers: { 'x-auth-token': token },
    });
    expect(sys.statusCode).toBe(200);
    const del = await app.inject({
      method: 'DELETE',
      url: location,
      headers: { 'x-auth-token': token },
    });
    expect(del.statusCode).toBe(204);
    const after = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/vm-1',
      headers: { 'x-auth-token': token },
    });
    expect(after.statusCode).toBe(401);
  });

  it('refuses a session for unknown credentials and expires idle sessions on the clock', async () => {
    const { app, clock } = setup();
    cleanup.push(() => app.close());
    const bad = await app.inject({
      method: 'POST',
      url: '/redfish/v1/SessionService/Sessions',
      payload: { UserName: 'admin', Password: 'x' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ error: { code: 'Base.1.8.NoValidSession' } });
    const missing = await app.inject({
      method: 'POST',
      url: '/redfish/v1/SessionService/Sessions',
      payload: { UserName: 'admin' },
    });
    expect(missing.statusCode).toBe(400);
    const ok = await app.inject({
      method: 'POST',
      url: '/redfish/v1/SessionService/Sessions',
      payload: { UserName: 'admin', Password: 'secret-pw' },
    });
    const token = ok.headers['x-auth-token'] as string;
    await clock.advance(59_000);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/redfish/v1/Systems',
          headers: { 'x-auth-token': token },
        })
      ).statusCode,
    ).toBe(200);
    await clock.advance(61_000);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/redfish/v1/Systems',
          headers: { 'x-auth-token': token },
        })
      ).statusCode,
    ).toBe(401);
  });
});

describe('Redfish virtual media', () => {
  it('inserts an ISO into the Cd, the machine boots it, eject empties the slot', async () => {
    const { app, clock, vm } = setup();
    cleanup.push(
      () => app.close(),
      () => vm.powerOff(),
    );
    const system = (
      await app.inject({
        method: 'GET',
        url: '/redfish/v1/Systems/vm-1',
        headers: { authorization: AUTH },
      })
    ).json<{ VirtualMedia: { '@odata.id': string } }>();
    const list = await app.inject({
      method: 'GET',
      url: system.VirtualMedia['@odata.id'],
      headers: { authorization: AUTH },
    });
    expect(list.json()).toMatchObject({
      Members: [
        { '@odata.id': '/redfish/v1/Systems/vm-1/VirtualMedia/Cd' },
        { '@odata.id': '/redfish/v1/Systems/vm-1/VirtualMedia/Usb' },
      ],
    });
    const cd = (
      await app.inject({
        method: 'GET',
        url: '/redfish/v1/Managers/vm-1/VirtualMedia/Cd',
        headers: { authorization: AUTH },
      })
    ).json<{
      Inserted: boolean;
      MediaTypes: string[];
      Actions: Record<string, { target: string }>;
    }>();
    expect(cd).toMatchObject({ Inserted: false, MediaTypes: ['CD', 'DVD'] });
    const insert = await app.inject({
      method: 'POST',
      url: cd.Actions['#VirtualMedia.InsertMedia']!.target,
      headers: { authorization: AUTH },
      payload: {
        Image: 'http://10.0.0.1/ipa.iso',
        Inserted: true,
        WriteProtected: true,
        TransferProtocolType: 'HTTP',
      },
    });
    expect(insert.statusCode).toBe(204);
    expect(vm.mediaSlot('Cd')).toEqual({
      image: 'http://10.0.0.1/ipa.iso',
      inserted: true,
      writeProtected: true,
    });
    const boot = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/vm-1',
      headers: { authorization: AUTH },
      payload: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once' } },
    });
    expect(boot.statusCode).toBe(200);
    vm.launcher = async (b) => {
      b.report('looking-up');
      await Promise.resolve();
      return { stop: () => Promise.resolve() };
    };
    vm.powerOn();
    await clock.runUntil(() => vm.runningOs !== null);
    expect(vm.runningOs).toBe('agent');
    expect(vm.serial.tail()).toContain('Booting from virtual CD (http://10.0.0.1/ipa.iso)');
    const eject = await app.inject({
      method: 'POST',
      url: cd.Actions['#VirtualMedia.EjectMedia']!.target,
      headers: { authorization: AUTH },
      payload: {},
    });
    expect(eject.statusCode).toBe(204);
    expect(vm.mediaSlot('Cd').inserted).toBe(false);
  });

  it('rejects an insert without Image or with a bad URL, and PATCH can insert and eject', async () => {
    const { app, vm } = setup();
    cleanup.push(() => app.close());
    const url = '/redfish/v1/Managers/vm-1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia';
    const missing = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: { Inserted: true },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'Base.1.8.ActionParameterMissing' } });
    const bad = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH },
      payload: { Image: 'not a url' },
    });
    expect(bad.statusCode).toBe(400);
    const patch = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Managers/vm-1/VirtualMedia/Usb',
      headers: { authorization: AUTH },
      payload: { Image: 'https://x/cfg.img', Inserted: true },
    });
    expect(patch.statusCode).toBe(200);
    expect(vm.mediaSlot('Usb').image).toBe('https://x/cfg.img');
    await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Managers/vm-1/VirtualMedia/Usb',
      headers: { authorization: AUTH },
      payload: { Image: null },
    });
    expect(vm.mediaSlot('Usb').inserted).toBe(false);
    // The same drives under the System, as newer sushy and sushy-tools address them.
    const viaSystem = await app.inject({
      method: 'POST',
      url: '/redfish/v1/Systems/vm-1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia',
      headers: { authorization: AUTH },
      payload: { Image: 'http://x/y.iso' },
    });
    expect(viaSystem.statusCode).toBe(204);
    const cd = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Managers/vm-1/VirtualMedia/Cd',
      headers: { authorization: AUTH },
    });
    expect(cd.json()).toMatchObject({
      Image: 'http://x/y.iso',
      Inserted: true,
      '@odata.id': '/redfish/v1/Managers/vm-1/VirtualMedia/Cd',
    });
    const sysCd = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/vm-1/VirtualMedia/Cd',
      headers: { authorization: AUTH },
    });
    expect(sysCd.json()).toMatchObject({ '@odata.id': '/redfish/v1/Systems/vm-1/VirtualMedia/Cd' });
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/redfish/v1/Managers/vm-1/VirtualMedia/Floppy',
          headers: { authorization: AUTH },
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('Redfish managers, chassis, inventory resources', () => {
  it('links System, Manager and Chassis to each other', async () => {
    const { app } = setup();
    cleanup.push(() => app.close());
    const manager = (
      await app.inject({
        method: 'GET',
        url: '/redfish/v1/Managers/stor-1',
        headers: { authorization: AUTH },
      })
    ).json<Record<string, unknown>>();
    expect(manager).toMatchObject({
      ManagerType: 'BMC',
      Links: { ManagerForServers: [{ '@odata.id': '/redfish/v1/Systems/stor-1' }] },
    });
    const chassis = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Chassis/stor-1',
      headers: { authorization: AUTH },
    });
    expect(chassis.json()).toMatchObject({
      ChassisType: 'RackMount',
      Manufacturer: 'Dell Inc.',
      PowerState: 'Off',
    });
    const thermal = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Chassis/stor-1/Thermal',
      headers: { authorization: AUTH },
    });
    expect(thermal.json<{ Temperatures: unknown[] }>().Temperatures).toHaveLength(3);
    const managers = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Managers',
      headers: { authorization: AUTH },
    });
    expect(managers.json()).toMatchObject({ 'Members@odata.count': 2 });
  });

  it('lists NICs, processors and drives as Ironic redfish inspection reads them', async () => {
    const { app, stor } = setup();
    cleanup.push(() => app.close());
    const get = async (url: string) =>
      (await app.inject({ method: 'GET', url, headers: { authorization: AUTH } })).json<
        Record<string, unknown>
      >();
    const nics = await get('/redfish/v1/Systems/stor-1/EthernetInterfaces');
    expect(nics['Members@odata.count']).toBe(4);
    expect(await get('/redfish/v1/Systems/stor-1/EthernetInterfaces/eno1')).toMatchObject({
      MACAddress: stor.spec.nics[0]!.mac,
      LinkStatus: 'LinkUp',
      SpeedMbps: 10000,
    });
    expect(await get('/redfish/v1/Systems/stor-1/EthernetInterfaces/eno3')).toMatchObject({
      LinkStatus: 'LinkDown',
    });
    expect(await get('/redfish/v1/Systems/stor-1/Processors/CPU2')).toMatchObject({
      TotalCores: 12,
      TotalThreads: 24,
    });
    const storage = await get('/redfish/v1/Systems/stor-1/Storage');
    expect(storage.Members).toEqual([
      { '@odata.id': '/redfish/v1/Systems/stor-1/Storage/AHCI' },
      { '@odata.id': '/redfish/v1/Systems/stor-1/Storage/HBA' },
    ]);
    const hba = await get('/redfish/v1/Systems/stor-1/Storage/HBA');
    expect(hba['Drives@odata.count']).toBe(12);
    expect(await get('/redfish/v1/Systems/stor-1/Storage/HBA/Drives/sdc')).toMatchObject({
      CapacityBytes: 12_000_138_625_024,
      MediaType: 'HDD',
      Protocol: 'SAS',
    });
    const simple = await get('/redfish/v1/Systems/stor-1/SimpleStorage/AHCI');
    expect((simple.Devices as unknown[]).length).toBe(2);
  });

  it('toggles secure boot and refuses it in Legacy mode', async () => {
    const { app, vm } = setup();
    cleanup.push(() => app.close());
    const on = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/vm-1/SecureBoot',
      headers: { authorization: AUTH },
      payload: { SecureBootEnable: true },
    });
    expect(on.statusCode).toBe(200);
    expect(vm.secureBoot).toBe(true);
    vm.setSecureBoot(false);
    vm.setBootMode('Legacy');
    const refused = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/vm-1/SecureBoot',
      headers: { authorization: AUTH },
      payload: { SecureBootEnable: true },
    });
    expect(refused.statusCode).toBe(409);
    const wrongType = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/vm-1/SecureBoot',
      headers: { authorization: AUTH },
      payload: { SecureBootEnable: 'yes' },
    });
    expect(wrongType.statusCode).toBe(400);
  });
});

describe('Redfish TaskService', () => {
  it('runs a firmware update as a task the monitor reports until it completes', async () => {
    const { app, clock } = setup();
    cleanup.push(() => app.close());
    const start = await app.inject({
      method: 'POST',
      url: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate',
      headers: { authorization: AUTH },
      payload: {
        ImageURI: 'http://10.0.0.1/bmc-5.10.00.00.bin',
        Targets: ['/redfish/v1/Systems/vm-1'],
      },
    });
    expect(start.statusCode).toBe(202);
    const monitor = start.headers.location as string;
    await clock.advance(FIRMWARE_UPDATE_MS / 2);
    const running = await app.inject({
      method: 'GET',
      url: monitor,
      headers: { authorization: AUTH },
    });
    expect(running.statusCode).toBe(202);
    expect(running.json()).toMatchObject({ TaskState: 'Running', PercentComplete: 50 });
    await clock.advance(FIRMWARE_UPDATE_MS / 2);
    const done = await app.inject({
      method: 'GET',
      url: monitor,
      headers: { authorization: AUTH },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      TaskState: 'Completed',
      PercentComplete: 100,
      TaskStatus: 'OK',
    });
    const manager = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Managers/vm-1',
      headers: { authorization: AUTH },
    });
    expect(manager.json()).toMatchObject({ FirmwareVersion: '5.10.00.00' });
    const tasks = await app.inject({
      method: 'GET',
      url: '/redfish/v1/TaskService/Tasks',
      headers: { authorization: AUTH },
    });
    expect(tasks.json()).toMatchObject({ 'Members@odata.count': 1 });
    const ambiguous = await app.inject({
      method: 'POST',
      url: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate',
      headers: { authorization: AUTH },
      payload: { ImageURI: 'http://10.0.0.1/x.bin' },
    });
    expect(ambiguous.statusCode).toBe(400);
  });
});

describe('Redfish BIOS settings', () => {
  it('stages attributes on the settings object and applies them on the next reset', async () => {
    const { app, clock, vm } = setup();
    cleanup.push(
      () => app.close(),
      () => vm.powerOff(),
    );
    const get = async (url: string) =>
      (await app.inject({ method: 'GET', url, headers: { authorization: AUTH } })).json<
        Record<string, unknown>
      >();
    const bios = await get('/redfish/v1/Systems/vm-1/Bios');
    expect(bios).toMatchObject({ Attributes: { BootMode: 'Uefi', ProcVirtualization: 'Enabled' } });
    const settingsUrl = (bios['@Redfish.Settings'] as { SettingsObject: { '@odata.id': string } })
      .SettingsObject['@odata.id'];
    const patch = await app.inject({
      method: 'PATCH',
      url: settingsUrl,
      headers: { authorization: AUTH },
      payload: { Attributes: { ProcVirtualization: 'Disabled', BootMode: 'Bios' } },
    });
    expect(patch.statusCode).toBe(202);
    expect(await get(settingsUrl)).toMatchObject({
      Attributes: { ProcVirtualization: 'Disabled', BootMode: 'Bios' },
    });
    expect(await get('/redfish/v1/Systems/vm-1/Bios')).toMatchObject({
      Attributes: { ProcVirtualization: 'Enabled' },
    });
    vm.powerOn();
    await clock.advance(1);
    expect(await get('/redfish/v1/Systems/vm-1/Bios')).toMatchObject({
      Attributes: { ProcVirtualization: 'Disabled', BootMode: 'Bios' },
    });
    expect(vm.bootMode).toBe('Legacy');
    expect(vm.serial.tail()).toContain('Applying 2 pending BIOS setting(s)');
    const bad = await app.inject({
      method: 'PATCH',
      url: settingsUrl,
      headers: { authorization: AUTH },
      payload: { Attributes: { ProcVirtualization: 'Maybe' } },
    });
    expect(bad.statusCode).toBe(400);
    const readOnly = await app.inject({
      method: 'PATCH',
      url: settingsUrl,
      headers: { authorization: AUTH },
      payload: { Attributes: { SystemServiceTag: 'X' } },
    });
    expect(readOnly.statusCode).toBe(400);
    const reset = await app.inject({
      method: 'POST',
      url: '/redfish/v1/Systems/vm-1/Bios/Actions/Bios.ResetBios',
      headers: { authorization: AUTH },
      payload: {},
    });
    expect(reset.statusCode).toBe(204);
    await vm.reset();
    expect(await get('/redfish/v1/Systems/vm-1/Bios')).toMatchObject({
      Attributes: { ProcVirtualization: 'Enabled', BootMode: 'Uefi' },
    });
  });
});

describe('Redfish identify LED and asset tag', () => {
  it('stores IndicatorLED and AssetTag, shows the LED on the chassis, and refuses bad values', async () => {
    const { app, stor } = setup();
    cleanup.push(() => app.close());
    const patch = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/stor-1',
      headers: { authorization: AUTH },
      payload: { IndicatorLED: 'Blinking', AssetTag: 'rack12-u30' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ IndicatorLED: 'Blinking', AssetTag: 'rack12-u30' });
    expect(stor.indicatorLed).toBe('Blinking');
    const chassis = await app.inject({
      method: 'GET',
      url: '/redfish/v1/Chassis/stor-1',
      headers: { authorization: AUTH },
    });
    expect(chassis.json()).toMatchObject({ IndicatorLED: 'Blinking' });
    const bad = await app.inject({
      method: 'PATCH',
      url: '/redfish/v1/Systems/stor-1',
      headers: { authorization: AUTH },
      payload: { IndicatorLED: 'Strobe', AssetTag: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(stor.assetTag).toBe('rack12-u30');
  });
});
