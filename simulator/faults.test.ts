import { createHash } from 'node:crypto';
import { Agent as HttpClient, fetch } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loopbackServer, serveBytes } from '../agent/image/testing/loopback-server';
import { testDiskImage } from '../agent/image/testing/test-images';
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
    expect(await res.json()).toMatchObject({
      error: {
        code: 'Base.1.8.GeneralError',
        '@Message.ExtendedInfo': [{ MessageId: 'Base.1.8.GeneralError' }],
      },
    });
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
    const { fleet, ironic } = await agentFleet(clock);
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

  it("a corrupted image download fails prepare_image with IPA's checksum error; cleared, the image is written", async () => {
    const clock = new FakeClock();
    const { fleet, ironic } = await agentFleet(clock);
    const image = testDiskImage();
    const server = await loopbackServer(serveBytes(image));
    cleanup.push(() => server.close());
    const agentUrl = ironic.heartbeats.at(-1)!.callback_url;
    const imageInfo = {
      id: 'img-1',
      urls: [`${server.url}/img-1.raw`],
      disk_format: 'raw',
      os_hash_algo: 'sha256',
      os_hash_value: createHash('sha256').update(image).digest('hex'),
    };
    fleet.injectFault('v1', { kind: 'image-corrupt' });
    expect(fleet.faults('v1')).toEqual([{ kind: 'image-corrupt' }]);
    const failed = await agentCommand(clock, agentUrl, 'standby.prepare_image', {
      image_info: imageInfo,
    });
    expect(failed.command_status).toBe('FAILED');
    expect(failed.command_error).toMatchObject({ type: 'ImageChecksumError' });
    expect(JSON.stringify(failed.command_error)).toContain(
      `Image failed to verify against checksum. location: ${server.url}/img-1.raw; image ID: img-1; image checksum: ${imageInfo.os_hash_value}; verification checksum: `,
    );
    // The agent's talk with Ironic is untouched: heartbeats go on while downloads are damaged.
    const seen = ironic.heartbeats.length;
    await waitFor(clock, () => ironic.heartbeats.length > seen, { stepMs: 5_000 });

    fleet.clearFault('v1', { kind: 'image-corrupt' });
    const written = await agentCommand(clock, agentUrl, 'standby.prepare_image', {
      image_info: imageInfo,
    });
    expect(written.command_status).toBe('SUCCEEDED');
    const disk = await new FakeOs({ machine: fleet.machine('v1')!, clock }).openBlockDevice(
      '/dev/sda',
      'r',
    );
    // Past the partition table (which the agent fixes up): the file systems arrived intact.
    const MiB = 1024 * 1024;
    let onDisk: Uint8Array | undefined;
    const reading = disk.read(MiB, 8 * MiB).then((bytes) => (onDisk = bytes));
    await clock.runUntil(() => onDisk !== undefined);
    await reading;
    expect(Buffer.from(onDisk!).equals(image.subarray(MiB, 9 * MiB))).toBe(true);
  });

  it('a crashed agent answers nothing and sends no heartbeat until a reboot boots a new one', async () => {
    const clock = new FakeClock();
    const { fleet, ironic } = await agentFleet(clock);
    const firstUrl = ironic.heartbeats.at(-1)!.callback_url;
    expect((await agentFetch(`${firstUrl}/v1/status`)).status).toBe(200);
    fleet.injectFault('v1', { kind: 'agent-crash' });
    expect(fleet.faults('v1')).toEqual([{ kind: 'agent-crash' }]);
    expect(fleet.get('v1')).toMatchObject({ power: 'On', agent: 'failed' });
    await clock.advance(0);
    const seen = ironic.heartbeats.length;
    // Ten minutes of simulated time: far past several heartbeat intervals.
    for (let i = 0; i < 120; i++) {
      await clock.advance(5_000);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(ironic.heartbeats.length).toBe(seen);
    await expect(agentFetch(`${firstUrl}/v1/status`)).rejects.toThrow();
    expect(fleet.get('v1')?.agent).toBe('failed');
    expect(() => fleet.injectFault('v1', { kind: 'agent-crash' })).toThrow(/no agent is running/);

    await fleet.machine('v1')!.reset();
    expect(fleet.faults('v1')).toEqual([]);
    await waitFor(clock, () => ironic.heartbeats.length > seen);
    expect(fleet.get('v1')?.agent).toBe('running');
    const secondUrl = ironic.heartbeats.at(-1)!.callback_url;
    expect((await agentFetch(`${secondUrl}/v1/status`)).status).toBe(200);
  });
});

const NODE_UUID = '0b1c7ad5-5e45-4be2-9b43-6d7cb1c2a001';

/**
 * The agent serves auto-TLS with a certificate dated by the fake clock (long expired in wall
 * time); Ironic pins it, these tests only need to reach the API.
 */
const agentClient = new HttpClient({ connect: { rejectUnauthorized: false } });
const agentFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, dispatcher: agentClient });
afterAll(() => agentClient.close());

/** A small-vm machine `v1` running the real agent against a stand-in Ironic, heartbeating. */
async function agentFleet(clock: FakeClock) {
  const probe = new Fleet({ apiUrl: 'http://127.0.0.1:9', clock });
  const macs = probe.addMachine({ profile: 'small-vm', id: 'v1' }).macs;
  const ironic = await startFakeIronic([{ uuid: NODE_UUID, macs }]);
  cleanup.push(() => ironic.close());
  const fleet = await runningFleet(clock, undefined, ironic.url);
  fleet.addMachine({ profile: 'small-vm', id: 'v1', powerOn: true });
  await waitFor(clock, () => ironic.heartbeats.length >= 1);
  return { fleet, ironic };
}

interface CommandStatus {
  command_name: string;
  command_status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  command_error: unknown;
  command_result: unknown;
}

/** Runs an agent command as Ironic does (token, then polling), moving the fake clock along. */
async function agentCommand(
  clock: FakeClock,
  agentUrl: string,
  name: string,
  params: Record<string, unknown>,
): Promise<CommandStatus> {
  const token = `?agent_token=${'t'.repeat(43)}`;
  const started = await agentFetch(`${agentUrl}/v1/commands/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, params }),
  });
  expect(started.status).toBe(200);
  let last = (await started.json()) as CommandStatus;
  for (let i = 0; i < 600 && last.command_status === 'RUNNING'; i++) {
    await clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 2));
    const res = await agentFetch(`${agentUrl}/v1/commands/${token}`);
    const { commands } = (await res.json()) as { commands: CommandStatus[] };
    last = commands.at(-1)!;
  }
  return last;
}
