import { Agent as HttpAgent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib';
import { inventorySchema } from '../protocol';
import { Fleet } from './fleet';
import { cpuCount } from './machine';
import type { MachineSnapshot } from './snapshot';
import { startFakeIronic, waitFor } from './testing/fake-ironic';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function basic(user: string, password: string) {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('Fleet', () => {
  it('adds machines with unique MACs and stable enrolment data', async () => {
    const fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:1',
      clock: new FakeClock(),
      redfish: { port: 0 },
    });
    const a = fleet.addMachine({ profile: 'storage-2u', id: 'stor-1', name: 'stor-1' });
    const b = fleet.addMachine({ profile: 'compute-nvme', id: 'comp-1' });
    expect(() => fleet.addMachine({ profile: 'nope' })).toThrow(/unknown profile/);
    expect(() => fleet.addMachine({ profile: 'small-vm', id: 'stor-1' })).toThrow(/already exists/);
    const macs = [...a.macs, ...b.macs];
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) {
      const first = parseInt(mac.slice(0, 2), 16);
      expect(first & 0x02).toBe(0x02);
      expect(first & 0x01).toBe(0);
      expect(mac.startsWith('fa:')).toBe(false);
    }
    expect(a).toMatchObject({
      power: 'Off',
      bootDevice: 'Pxe',
      bootMode: 'UEFI',
      agent: 'off',
      cpus: 48,
      memoryMiB: 196608,
    });
    expect(a.disks).toHaveLength(14);
    const enrol = fleet.enrollment('stor-1');
    expect(enrol.driver_info.redfish_system_id).toBe('/redfish/v1/Systems/stor-1');
    expect(enrol.properties).toMatchObject({
      cpus: 48,
      memory_mb: 196608,
      local_gb: 11175,
      cpu_arch: 'x86_64',
    });
    expect(enrol.ports).toEqual([{ address: a.macs[0] }, { address: a.macs[1] }]);
    // Same id and secret, new fleet: same MACs and password (a restarted lab keeps its nodes valid).
    const again = new Fleet({ apiUrl: 'http://127.0.0.1:1', clock: new FakeClock() });
    expect(again.addMachine({ profile: 'storage-2u', id: 'stor-1' }).macs).toEqual(a.macs);
    expect(again.enrollment('stor-1').driver_info.redfish_password).toBe(
      enrol.driver_info.redfish_password,
    );
    await fleet.removeMachine('stor-1');
    expect(fleet.list().map((m) => m.id)).toEqual(['comp-1']);
  });

  it('PXE-boots the real agent, which inspects, looks up and heartbeats with the profile inventory', async () => {
    const clock = new FakeClock();
    const fleetProbe = new Fleet({ apiUrl: 'http://127.0.0.1:1', clock });
    const macs = fleetProbe.addMachine({ profile: 'compute-nvme', id: 'comp-1' }).macs;
    const ironic = await startFakeIronic([{ uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123', macs }]);
    cleanup.push(() => ironic.close());
    const fleet = new Fleet({ apiUrl: ironic.url, clock, redfish: { port: 0 } });
    await fleet.start();
    cleanup.push(() => fleet.stop());
    fleet.addMachine({ profile: 'compute-nvme', id: 'comp-1' });
    const changes: MachineSnapshot[] = [];
    fleet.onChange((m) => changes.push(m));
    const { driver_info: info } = fleet.enrollment('comp-1');

    const on = await fleet.redfishApp.inject({
      method: 'POST',
      url: `${info.redfish_system_id}/Actions/ComputerSystem.Reset`,
      headers: { authorization: basic(info.redfish_username, info.redfish_password) },
      payload: { ResetType: 'On' },
    });
    expect(on.statusCode).toBe(204);
    await waitFor(clock, () => ironic.heartbeats.length > 0);

    const machine = fleet.machine('comp-1')!;
    const inventory = inventorySchema.parse(ironic.inspections[0]!.inventory);
    expect(inventory.cpu.count).toBe(cpuCount(machine.spec.cpu));
    expect(inventory.memory.physical_mb).toBe(machine.spec.memoryMiB);
    expect(inventory.disks.map((d) => [d.name, d.size])).toEqual(
      machine.spec.disks.map((d) => [`/dev/${d.name}`, d.sizeBytes]),
    );
    expect(inventory.interfaces.map((i) => i.mac_address)).toEqual(macs);
    expect(inventory.boot.pxe_interface).toBe(`01-${macs[0]!.replace(/:/g, '-')}`);
    // Each BMC has its own management address, not the shared emulator's.
    expect(inventory.bmc_address).toBe(machine.spec.bmc.ipv4);
    expect(inventory.bmc_address).toMatch(/^172\.31\.\d+\.\d+$/);
    expect(ironic.lookups).toEqual(['1be26c0b-03f2-4d2e-ae87-c02d7f33c123']);
    // Ironic 1.88 lets the agent use auto TLS, so it advertises https with a self-signed cert.
    expect(ironic.heartbeats[0]!.callback_url).toMatch(/^https?:\/\/127\.0\.0\.1:\d+$/);
    expect(fleet.get('comp-1')).toMatchObject({ power: 'On', agent: 'running' });
    expect(changes.map((c) => c.agent)).toContain('looking-up');
    const serial = fleet.serial('comp-1').tail();
    expect(serial).toContain('Booting from PXE over ens1f0');
    expect(serial).toContain('lookup succeeded');
    expect(serial).toContain('heartbeat sent');
    expect(serial).not.toContain('t'.repeat(43));

    // The agent's API answers until the plug is pulled, and not after.
    const callback = ironic.heartbeats[0]!.callback_url;
    const insecure = new HttpAgent({ connect: { rejectUnauthorized: false } });
    cleanup.push(() => insecure.close());
    const status = await undiciFetch(`${callback}/v1/status`, { dispatcher: insecure });
    expect(status.status).toBe(200);
    await fleet.powerOff('comp-1');
    expect(fleet.get('comp-1')).toMatchObject({ power: 'Off', agent: 'off' });
    await expect(undiciFetch(`${callback}/v1/status`, { dispatcher: insecure })).rejects.toThrow();
  });

  it('adds its kernel parameters to every network boot, like kernel_append_params in Ironic', async () => {
    const clock = new FakeClock();
    const cmdlines: string[] = [];
    const fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:1',
      clock,
      kernelParams: { 'ipa-http-request-timeout': '600' },
      agentFactory: async (host) => {
        cmdlines.push(await host.readFile('/proc/cmdline'));
        return { start: async () => {}, stop: async () => {}, on: () => () => {} };
      },
    });
    fleet.addMachine({ profile: 'small-vm', id: 'vm-1', powerOn: true });
    await waitFor(clock, () => cmdlines.length > 0);
    expect(cmdlines[0]).toMatch(
      / ipa-api-url=http:\/\/127\.0\.0\.1:1 .* ipa-http-request-timeout=600 /,
    );
    await fleet.stop();
  });

  it('serves its Redfish service on a real socket and stops cleanly', async () => {
    const fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:1',
      clock: new FakeClock(),
      redfish: { port: 0 },
    });
    await fleet.start();
    fleet.addMachine({ profile: 'small-vm', id: 'vm-1' });
    const { driver_info: info } = fleet.enrollment('vm-1');
    expect(info.redfish_address).toBe(fleet.redfishUrl);
    const res = await fetch(`${fleet.redfishUrl}${info.redfish_system_id}`, {
      headers: { authorization: basic(info.redfish_username, info.redfish_password) },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { PowerState: string }).PowerState).toBe('Off');
    await fleet.stop();
    await expect(fetch(`${fleet.redfishUrl}/redfish/v1/`)).rejects.toThrow();
  });
});

describe('Fleet.stop', () => {
  it('leaves no timer, agent or socket behind, whatever phase the machines are in', async () => {
    const clock = new FakeClock();
    const ironic = await startFakeIronic([], { anyMac: true });
    cleanup.push(() => ironic.close());
    const fleet = new Fleet({
      apiUrl: ironic.url,
      clock,
      redfish: { port: 0 },
      ipmi: { basePort: 0 },
    });
    await fleet.start();
    for (const [id, profile] of [
      ['a', 'small-vm'],
      ['b', 'small-vm'],
      ['c', 'compute-nvme'],
      ['d', 'storage-2u'],
    ] as const) {
      fleet.addMachine({ profile, id });
    }
    await fleet.powerOn('a');
    await waitFor(clock, () => ironic.heartbeats.length > 0); // a: agent running
    await fleet.powerOn('b');
    await clock.advance(fleet.machine('b')!.spec.timings.postMs); // b: netbooting
    await fleet.powerOn('c'); // c: in POST
    fleet.machine('a')!.gracefulShutdown(); // a: shutting down
    const heartbeats = ironic.heartbeats.length;
    await fleet.stop();
    expect(fleet.list().every((m) => m.power === 'Off' && m.agent === 'off')).toBe(true);
    expect(clock.pending).toBe(0);
    await expect(fetch(`${fleet.redfishUrl}/redfish/v1/`)).rejects.toThrow();
    await clock.advance(3_600_000);
    expect(ironic.heartbeats.length).toBe(heartbeats);
  });
});
