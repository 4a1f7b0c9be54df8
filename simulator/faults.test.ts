import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../lib';
import type { AgentFactory, SimAgent, SimAgentState } from './boot';
import { FakeOs } from './fake-os';
import { Fleet } from './fleet';
import { startFakeIronic, waitFor } from './testing/fake-ironic';

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function basic(user: string, password: string) {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A stand-in agent that only reports states, for faults that are about the machine. */
function stubAgents() {
  const stops: string[] = [];
  const factory: AgentFactory = (host) => {
    const listeners = new Set<(e: { state: SimAgentState; previous: SimAgentState }) => void>();
    const agent = {
      start: () => {
        for (const l of listeners) l({ state: 'running', previous: 'starting' });
        return Promise.resolve();
      },
      stop: async () => {
        stops.push((await host.readFile('/proc/sys/kernel/hostname')).trim());
      },
      on: (
        event: string,
        listener: (e: { state: SimAgentState; previous: SimAgentState }) => void,
      ) => {
        if (event === 'state') listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
    };
    // Only 'state' is ever subscribed by a stub's observers that matter here.
    return Promise.resolve(agent as unknown as SimAgent);
  };
  return { factory, stops };
}

async function runningFleet(
  clock: FakeClock,
  agentFactory?: AgentFactory,
  apiUrl = 'http://127.0.0.1:9',
) {
  const fleet = new Fleet({
    apiUrl,
    clock,
    redfish: { port: 0 },
    ...(agentFactory ? { agentFactory } : {}),
  });
  await fleet.start();
  cleanup.push(() => fleet.stop());
  return fleet;
}

describe('fault injection', () => {
  it('a failed disk answers EIO, logs on the console, and shows Critical in Redfish; clearing heals it', async () => {
    const clock = new FakeClock();
    const fleet = await runningFleet(clock);
    fleet.addMachine({ profile: 'storage-2u', id: 's1', name: 's1' });
    const machine = fleet.machine('s1')!;
    machine.powerOn();
    const os = new FakeOs({ machine, clock });
    const disk = await os.openBlockDevice('/dev/sdd', 'rw');
    fleet.injectFault('s1', { kind: 'disk-failure', disk: 'sdd' });
    expect(fleet.faults('s1')).toEqual([{ kind: 'disk-failure', disk: 'sdd' }]);
    await expect(disk.write(4096, new Uint8Array(512).fill(1))).rejects.toMatchObject({
      code: 'EIO',
    });
    expect(machine.serial.tail()).toContain('I/O error, dev sdd, sector 8');
    const { driver_info: info } = fleet.enrollment('s1');
    const drive = await fleet.redfishApp.inject({
      method: 'GET',
      url: '/redfish/v1/Systems/s1/Storage/HBA/Drives/sdd',
      headers: { authorization: basic(info.redfish_username, info.redfish_password) },
    });
    expect(drive.json()).toMatchObject({ Status: { Health: 'Critical' } });
    fleet.clearFault('s1', { kind: 'disk-failure', disk: 'sdd' });
    await disk.write(4096, new Uint8Array(512).fill(1));
    expect((await disk.read(4096, 1))[0]).toBe(1);
    expect(() => fleet.injectFault('s1', { kind: 'disk-failure', disk: 'sdz' })).toThrow(
      /no disk "sdz"/,
    );
  });

  it('a slow disk takes factor times longer in simulated time', async () => {
    const clock = new FakeClock();
    const fleet = await runningFleet(clock);
    fleet.addMachine({ profile: 'small-vm', id: 'v1' });
    const machine = fleet.machine('v1')!;
    machine.powerOn();
    const disk = await new FakeOs({ machine, clock }).openBlockDevice('/dev/sda', 'rw');
    const tenMb = new Uint8Array(10_000_000);
    const timeWrite = async () => {
      let done = false;
      const started = clock.now();
      const write = disk.write(0, tenMb).then(() => (done = true));
      await clock.runUntil(() => done);
      await write;
      return clock.now() - started;
    };
    expect(await timeWrite()).toBe(10); // 10 MB at 1 GB/s
    fleet.injectFault('v1', { kind: 'slow-disk', disk: 'sda', factor: 25 });
    expect(await timeWrite()).toBe(250);
    expect(() => fleet.injectFault('v1', { kind: 'slow-disk', disk: 'sda', factor: 0.5 })).toThrow(
      /factor/,
    );
  });

  it('an unreachable BMC drops Redfish connections and leaves the collection; a BMC error answers 500', async () => {
    const clock = new FakeClock();
    const fleet = await runningFleet(clock);
    fleet.addMachine({ profile: 'small-vm', id: 'v1', bmcPassword: 'pw' });
    fleet.addMachine({ profile: 'small-vm', id: 'v2', bmcPassword: 'pw' });
    const auth = { authorization: basic('admin', 'pw') };
    fleet.injectFault('v1', { kind: 'bmc-unreachable' });
    await expect(
      fetch(`${fleet.redfishUrl}/redfish/v1/Systems/v1`, { headers: auth }),
    ).rejects.toThrow();
    const list = await fetch(`${fleet.redfishUrl}/redfish/v1/Systems`, { headers: auth });
    expect(((await list.json()) as { Members: unknown[] }).Members).toEqual([
      { '@odata.id': '/redfish/v1/Systems/v2' },
    ]);
    fleet.clearFault('v1', { kind: 'bmc-unreachable' });
    fleet.injectFault('v1', { kind: 'bmc-error' });
    const res = await fetch(`${fleet.redfishUrl}/redfish/v1/Systems/v1`, { headers: auth });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'Base.1.8.GeneralError' } });
  });

  it('an ignored power action leaves the machine as it was, whoever asks', async () => {
    const clock = new FakeClock();
    const fleet = await runningFleet(clock);
    fleet.addMachine({ profile: 'small-vm', id: 'v1' });
    fleet.injectFault('v1', { kind: 'power-ignored' });
    await fleet.powerOn('v1');
    expect(fleet.get('v1')?.power).toBe('Off');
    fleet.clearFault('v1', { kind: 'power-ignored' });
    await fleet.powerOn('v1');
    expect(fleet.get('v1')?.power).toBe('On');
  });

  it('an agent crash stops the agent, keeps the power on, and a reboot brings a new agent', async () => {
    const clock = new FakeClock();
    const { factory, stops } = stubAgents();
    const fleet = await runningFleet(clock, factory);
    fleet.addMachine({ profile: 'small-vm', id: 'v1', name: 'v1', powerOn: true });
    await clock.runUntil(() => fleet.get('v1')?.agent === 'running');
    expect(await fleet.crashAgent('v1')).toBe(true);
    expect(stops).toEqual(['v1']);
    expect(fleet.get('v1')).toMatchObject({ power: 'On', agent: 'failed' });
    expect(fleet.serial('v1').tail()).toContain('Main process exited, code=killed');
    expect(await fleet.crashAgent('v1')).toBe(false);
    await fleet.machine('v1')!.reset();
    await clock.runUntil(() => fleet.get('v1')?.agent === 'running');
    await fleet.powerOff('v1');
    expect(stops).toEqual(['v1', 'v1']);
  });

  it('a link down cuts the real agent off Ironic: heartbeats fail until the link returns', async () => {
    const clock = new FakeClock();
    const probe = new Fleet({ apiUrl: 'http://127.0.0.1:9', clock });
    const macs = probe.addMachine({ profile: 'small-vm', id: 'v1' }).macs;
    const ironic = await startFakeIronic([{ uuid: '0b1c7ad5-5e45-4be2-9b43-6d7cb1c2a001', macs }]);
    cleanup.push(() => ironic.close());
    const fleet = await runningFleet(clock, undefined, ironic.url);
    fleet.addMachine({ profile: 'small-vm', id: 'v1', powerOn: true });
    await waitFor(clock, () => ironic.heartbeats.length >= 1);
    fleet.injectFault('v1', { kind: 'link-down', nic: 'enp1s0' });
    const machine = fleet.machine('v1')!;
    const os = new FakeOs({ machine, clock });
    expect(await os.readFile('/sys/class/net/enp1s0/carrier')).toBe('0\n');
    const seen = ironic.heartbeats.length;
    await waitFor(clock, () => fleet.serial('v1').tail().includes('heartbeat failed'), {
      stepMs: 5_000,
    });
    expect(ironic.heartbeats.length).toBe(seen);
    expect(fleet.serial('v1').tail()).toContain('NIC Link is Down');
    fleet.clearFault('v1', { kind: 'link-down', nic: 'enp1s0' });
    await waitFor(clock, () => ironic.heartbeats.length > seen, { stepMs: 5_000 });
    expect(fleet.get('v1')?.agent).toBe('running');
  });
});
