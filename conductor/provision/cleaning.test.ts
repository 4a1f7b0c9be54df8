import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRedfish, deadBmcUrl, type FakeBmc } from '../testing/fake-redfish';
import { FakeAgent } from '../testing/fake-agent';
import { createHarness, faultOf, V, type Harness } from '../testing/harness';
import { ramdiskSession } from '../testing/ramdisk-session';
import type { NodeRow } from '../db/schema';
import type { EraseSettings } from './erase-settings';

const MAC = '52:54:00:00:10:01';
let h: Harness;
let bmc: FakeBmc;
let agent: FakeAgent;

afterEach(async () => {
  await h.close();
  await bmc.close();
  await agent.close();
});

async function setup(
  opts: {
    fastTrack?: boolean;
    state?: string;
    automatedClean?: boolean;
    erase?: Partial<EraseSettings>;
  } = {},
) {
  h = createHarness({
    fastTrack: opts.fastTrack ?? false,
    automatedClean: opts.automatedClean,
    erase: opts.erase,
  });
  bmc = await startFakeRedfish('On');
  agent = await new FakeAgent().start();
  const node = h.nodes.create({
    name: 'c1',
    driver: 'redfish',
    driver_info: {
      redfish_address: bmc.url,
      redfish_system_id: '/redfish/v1/Systems/1',
      redfish_username: 'admin',
      redfish_password: 'password',
    },
    ports: [{ address: MAC }],
  });
  return h.nodes.update(node.uuid, 'test', {
    provisionState: opts.state ?? 'manageable',
    powerState: 'power on',
  });
}

const provision = (body: Record<string, unknown>, version = '1.96') =>
  h.api.inject({
    method: 'PUT',
    url: '/v1/nodes/c1/states/provision',
    headers: V(version),
    payload: body,
  });

const node = (): NodeRow => h.nodes.get('c1');
const { agentBoots, heartbeat, transitions } = ramdiskSession(() => ({ h, agent }), {
  node: 'c1',
  mac: MAC,
});

describe('automated cleaning (provide)', () => {
  it('boots the ramdisk, runs the steps one at a time by priority and ends available', async () => {
    await setup();
    const res = await provision({ target: 'provide' });
    expect(res.statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('clean wait');
    expect(node().targetProvisionState).toBe('available');
    expect(bmc.patches).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
    ]);
    expect(bmc.resets).toEqual(['ForceOff', 'On']);

    await agentBoots();
    // The lookup handed the fresh agent its token: 32 random bytes, base64url.
    expect(agent.token).toHaveLength(43);
    // Steps fetched on the first heartbeat; the priority-99 step runs first; priority 0 never.
    expect(agent.posts.map((p) => p.name)).toEqual([
      'clean.get_clean_steps',
      'clean.execute_clean_step',
    ]);
    expect(agent.posts[0]!.params.node).toMatchObject({ uuid: node().uuid });
    expect((agent.posts[0]!.params.ports as unknown[]).length).toBe(1);
    expect(node().provisionState).toBe('clean wait');
    expect(node().cleanStep).toMatchObject({ interface: 'deploy', step: 'erase_devices_metadata' });
    expect(node().driverInternalInfo.clean_steps).toHaveLength(2);

    // Still running: a heartbeat only polls.
    await heartbeat();
    expect(agent.posts).toHaveLength(2);
    expect(node().provisionState).toBe('clean wait');

    agent.finish();
    await heartbeat();
    expect(agent.posts.at(-1)!.params.step).toMatchObject({ step: 'erase_devices', args: {} });
    expect(agent.posts.at(-1)!.params.clean_version).toEqual({ generic_hardware_manager: '1.2' });
    expect(node().cleanStep).toMatchObject({ step: 'erase_devices' });

    agent.finish();
    await heartbeat();
    const done = node();
    expect(done.provisionState).toBe('available');
    expect(done.targetProvisionState).toBeNull();
    expect(done.cleanStep).toBeNull();
    expect(done.driverInternalInfo.clean_steps).toBeUndefined();
    expect(done.powerState).toBe('power off'); // torn down without fast track
    expect(transitions()).toEqual([
      'manageable -provide-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -done-> available',
    ]);
    const types = h.nodes.events('c1').map((e) => e.type);
    expect(types.filter((t) => t === 'clean.step_finished')).toHaveLength(2);
  });

  it("hands the agent Ironic's erase options in driver_internal_info", async () => {
    await setup({ erase: { diskErasureConcurrency: 4, shredFinalOverwriteWithZeros: false } });
    await provision({ target: 'provide' });
    await h.idle();
    await agentBoots();
    const sent = (agent.posts[1]!.params.node as { driver_internal_info: Record<string, unknown> })
      .driver_internal_info;
    expect(sent).toMatchObject({
      agent_erase_devices_iterations: 1,
      agent_erase_devices_zeroize: false,
      agent_continue_if_secure_erase_failed: false,
      agent_continue_if_ata_erase_failed: false,
      agent_enable_nvme_secure_erase: true,
      agent_enable_ata_secure_erase: true,
      disk_erasure_concurrency: 4,
      agent_erase_skip_read_only: false,
    });
  });

  it('fails to clean failed with last_error, maintenance and a wiped token when a step fails', async () => {
    await setup();
    await provision({ target: 'provide' });
    await h.idle();
    await agentBoots();
    agent.finish('FAILED');
    await heartbeat();
    const n = node();
    expect(n.provisionState).toBe('clean failed');
    expect(n.targetProvisionState).toBe('available');
    expect(n.lastError).toBe(
      `Clean step deploy.erase_devices_metadata failed on node ${n.uuid}. disk on fire`,
    );
    expect(n.maintenance).toBe(true);
    expect(n.fault).toBe('clean failure');
    expect(n.cleanStep).toBeNull();
    expect(n.driverInternalInfo.agent_secret_token).toBeUndefined();
    expect(n.driverInternalInfo.agent_url).toBeUndefined();
    // The only way out is manage.
    expect((await provision({ target: 'provide' })).statusCode).toBe(400);
    expect((await provision({ target: 'manage' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('manageable');
  });

  it('honours 409 busy: waits and sends the step again on the next heartbeat', async () => {
    await setup();
    await provision({ target: 'provide' });
    await h.idle();
    agent.busyOnce = 'clean.execute_clean_step';
    await agentBoots();
    expect(agent.posts.map((p) => p.name)).toEqual([
      'clean.get_clean_steps',
      'clean.execute_clean_step',
    ]);
    expect(agent.commands.map((c) => c.command_name)).toEqual(['get_clean_steps']);
    expect(node().provisionState).toBe('clean wait');
    expect(node().driverInternalInfo.clean_step_send_pending).toBe(true);
    expect(h.nodes.events('c1').map((e) => e.type)).toContain('clean.agent_busy');
    await heartbeat();
    expect(agent.posts.at(-1)!.name).toBe('clean.execute_clean_step');
    expect(agent.commands.at(-1)).toMatchObject({
      command_name: 'execute_clean_step',
      command_status: 'RUNNING',
    });
    expect(node().driverInternalInfo.clean_step_send_pending).toBeUndefined();
    expect(node().cleanStep).toMatchObject({ step: 'erase_devices_metadata' });
  });

  it('reboots after a reboot_requested step and continues once the new agent heartbeats', async () => {
    await setup();
    agent.steps = [
      { interface: 'deploy', step: 'first', priority: 50, reboot_requested: true },
      { interface: 'deploy', step: 'second', priority: 40 },
    ];
    await provision({ target: 'provide' });
    await h.idle();
    await agentBoots();
    const resetsBefore = bmc.resets.length;
    agent.finish();
    await heartbeat();
    expect(bmc.resets.slice(resetsBefore)).toEqual(['ForceOff', 'On']);
    expect(node().provisionState).toBe('clean wait');
    expect(node().driverInternalInfo.cleaning_reboot).toBe(true);
    expect(node().driverInternalInfo.agent_secret_token).toBeUndefined();
    await agentBoots();
    expect(node().cleanStep).toMatchObject({ step: 'second' });
    expect(node().driverInternalInfo.cleaning_reboot).toBeUndefined();
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('available');
  });

  it('with fast track and a live agent, skips the reboot and keeps the agent afterwards', async () => {
    await setup({ fastTrack: true });
    await agentBoots(); // record-only heartbeat in manageable
    expect(node().driverInternalInfo.agent_url).toBe(agent.url);
    await provision({ target: 'provide' });
    await h.idle();
    expect(bmc.resets).toEqual([]);
    expect(node().provisionState).toBe('clean wait');
    expect(agent.posts.map((p) => p.name)).toEqual([
      'clean.get_clean_steps',
      'clean.execute_clean_step',
    ]);
    agent.finish();
    await heartbeat();
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('available');
    expect(node().powerState).toBe('power on');
    expect(node().driverInternalInfo.agent_url).toBe(agent.url);
  });

  it('goes straight to available when automated cleaning is off', async () => {
    await setup({ automatedClean: false });
    await provision({ target: 'provide' });
    await h.idle();
    expect(node().provisionState).toBe('available');
    expect(bmc.resets).toEqual([]);
  });

  it('fails cleaning when the ramdisk stays silent past clean_callback_timeout', async () => {
    await setup();
    await provision({ target: 'provide' });
    await h.idle();
    const { ProvisionTimeouts } = await import('./provision-timeouts');
    const { silentLogger } = await import('../testing/harness');
    const t = new ProvisionTimeouts(h.nodes, h.cleaning, h.clock, silentLogger());
    t.start();
    await h.clock.advance(1_800_000);
    expect(node().provisionState).toBe('clean wait');
    await h.clock.advance(60_000);
    expect(node().provisionState).toBe('clean failed');
    expect(node().lastError).toBe(
      'Timeout reached while cleaning the node. Please check if the ramdisk responsible for the cleaning is running on the node. Failed on step none.',
    );
    t.stop();
    expect(h.clock.pending).toBe(0);
  });
});

describe('manual cleaning and abort', () => {
  it('runs the requested steps in order and returns to manageable', async () => {
    await setup();
    const res = await provision({
      target: 'clean',
      clean_steps: [{ interface: 'raid', step: 'delete_configuration', args: { x: 1 } }],
    });
    expect(res.statusCode).toBe(202);
    await h.idle();
    expect(node().targetProvisionState).toBe('manageable');
    await agentBoots();
    expect(node().cleanStep).toMatchObject({
      interface: 'raid',
      step: 'delete_configuration',
      args: { x: 1 },
    });
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('manageable');
    expect(transitions().at(-1)).toBe('cleaning -manage-> manageable');
  });

  it('fails without maintenance when a requested step is unknown to the agent', async () => {
    await setup();
    await provision({ target: 'clean', clean_steps: [{ interface: 'deploy', step: 'nope' }] });
    await h.idle();
    await agentBoots();
    expect(node().provisionState).toBe('clean failed');
    expect(node().targetProvisionState).toBe('manageable');
    expect(node().maintenance).toBe(false);
    expect(node().lastError).toBe(
      'The following clean steps are not supported by this node: deploy.nope',
    );
  });

  it('aborts a non-abortable step only after it completes', async () => {
    await setup();
    agent.steps = [{ interface: 'deploy', step: 'slow', priority: 10, abortable: false }];
    await provision({ target: 'provide' });
    await h.idle();
    await agentBoots();
    expect((await provision({ target: 'abort' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('clean wait');
    expect(node().cleanStep).toMatchObject({ abort_after: true });
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('clean failed');
    expect(node().lastError).toBe(
      'By request, the clean operation was aborted during or after the completion of step "deploy.slow"',
    );
  });

  it('aborts an abortable step at once', async () => {
    await setup();
    await provision({ target: 'provide' });
    await h.idle();
    await agentBoots();
    await provision({ target: 'abort' });
    await h.idle();
    expect(node().provisionState).toBe('clean failed');
    expect(node().maintenance).toBe(false);
    expect(transitions().at(-1)).toBe('clean wait -abort-> clean failed');
  });
});

describe('provision API', () => {
  it('refuses unknown verbs, refused transitions, missing clean_steps, old versions and locks', async () => {
    await setup({ state: 'enroll' });
    let res = await provision({ target: 'fly' });
    expect(res.statusCode).toBe(400);
    res = await provision({ target: 'provide' });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      `The requested action "provide" can not be performed on node "${node().uuid}" while it is in state "enroll".`,
    );
    h.nodes.update(node().uuid, 'test', { provisionState: 'manageable' });
    res = await provision({ target: 'clean' });
    expect(res.statusCode).toBe(400);
    res = await provision({ target: 'clean', clean_steps: [{ interface: 'nope', step: 'x' }] });
    expect(res.statusCode).toBe(400);
    res = await provision({ target: 'provide', clean_steps: [] });
    expect(res.statusCode).toBe(400);
    res = await provision(
      { target: 'clean', clean_steps: [{ interface: 'deploy', step: 'x' }] },
      '1.14',
    );
    expect(res.statusCode).toBe(406);
    const release = h.locks.tryAcquire(node().uuid, 'test')!;
    res = await provision({ target: 'provide' });
    expect(res.statusCode).toBe(409);
    release();
    h.nodes.update(node().uuid, 'test', { provisionState: 'active' });
    res = await provision({ target: 'service', service_steps: [] });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      '"service_steps" is required when setting target provision state to service',
    );
  });

  it('manage verifies power through the BMC: enroll → verifying → manageable', async () => {
    await setup({ state: 'enroll' });
    h.nodes.update(node().uuid, 'test', { powerState: null });
    const res = await provision({ target: 'manage' });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toMatch(/\/states$/);
    await h.idle();
    expect(node().provisionState).toBe('manageable');
    expect(node().powerState).toBe('power on');
    expect(transitions()).toEqual(['enroll -manage-> verifying', 'verifying -done-> manageable']);
  });

  it('manage with an unreachable BMC falls back to enroll with last_error', async () => {
    await setup({ state: 'enroll' });
    const patched = await h.api.inject({
      method: 'PATCH',
      url: '/v1/nodes/c1',
      payload: [{ op: 'replace', path: '/driver_info/redfish_address', value: await deadBmcUrl() }],
    });
    expect(patched.statusCode).toBe(200);
    await provision({ target: 'manage' });
    await h.idle();
    expect(node().provisionState).toBe('enroll');
    expect(node().lastError).toMatch(/^Failed to get power state for node/);
  });

  it('inspect boots the ramdisk, waits, and the inspection data finishes it; abort fails it', async () => {
    await setup();
    await provision({ target: 'inspect' });
    await h.idle();
    expect(node().provisionState).toBe('inspect wait');
    expect(node().inspectionStartedAt).not.toBeNull();
    const { sampleInventory } = await import('../testing/harness');
    const res = await h.api.inject({
      method: 'POST',
      url: '/v1/continue_inspection',
      payload: { inventory: sampleInventory([MAC]) },
    });
    expect(res.statusCode).toBe(202);
    expect(node().provisionState).toBe('manageable');
    await provision({ target: 'inspect' });
    await h.idle();
    await provision({ target: 'abort' });
    await h.idle();
    expect(node().provisionState).toBe('inspect failed');
    expect(node().lastError).toBe('Inspection was aborted by request.');
  });
});

describe('fast track fallback', () => {
  it('reboots into a fresh ramdisk when the agent thought alive does not answer', async () => {
    await setup({ fastTrack: true });
    await agentBoots();
    await agent.close();
    await provision({ target: 'provide' });
    await h.idle();
    expect(bmc.resets).toEqual(['ForceOff', 'On']);
    expect(node().provisionState).toBe('clean wait');
    expect(node().cleanStep).toBeNull();
    expect(node().driverInternalInfo.agent_url).toBeUndefined();
    agent = await new FakeAgent().start();
    await agentBoots();
    expect(node().cleanStep).toMatchObject({ step: 'erase_devices_metadata' });
  });
});

describe('reserved steps', () => {
  const kinds = () => h.nodes.events('c1').map((e) => e.type);

  it('runs power steps, holds until unhold, waits on the clock, then the agent step on a fresh ramdisk', async () => {
    await setup();
    await provision({
      target: 'clean',
      clean_steps: [
        { interface: 'power', step: 'power_off' },
        { interface: 'power', step: 'power_on' },
        { interface: 'deploy', step: 'hold' },
        { interface: 'deploy', step: 'wait', args: { seconds: 10 } },
        { interface: 'raid', step: 'delete_configuration' },
      ],
    });
    await h.idle();
    await agentBoots();
    // Reserved steps are not validated against (nor sent to) the agent.
    expect(agent.posts.map((p) => p.name)).toEqual(['clean.get_clean_steps']);
    expect(bmc.resets).toEqual(['ForceOff', 'On', 'ForceOff', 'On']);
    expect(bmc.patches).toHaveLength(2); // ramdisk boot, then power_on back into it
    expect(node().provisionState).toBe('clean hold');
    expect(node().targetProvisionState).toBe('manageable');
    expect(node().cleanStep).toMatchObject({ step: 'hold', abortable: true });
    expect(node().driverInternalInfo.agent_url).toBeUndefined(); // power_off took the agent

    expect((await provision({ target: 'unhold' })).statusCode).toBe(202);
    await h.clock.advance(0);
    expect(node().provisionState).toBe('clean wait');
    expect(node().cleanStep).toMatchObject({ step: 'wait' });
    await h.clock.advance(9_000);
    expect(node().cleanStep).toMatchObject({ step: 'wait' });
    await h.clock.advance(1_000);
    await h.idle();
    // The agent step waits for the fresh ramdisk, which gets it on its first heartbeat.
    expect(node().cleanStep).toMatchObject({ step: 'delete_configuration' });
    expect(node().driverInternalInfo.clean_step_send_pending).toBe(true);
    await agentBoots();
    expect(agent.posts.at(-1)).toMatchObject({ name: 'clean.execute_clean_step' });
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('manageable');
    expect(transitions()).toEqual([
      'manageable -clean-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -hold-> clean hold',
      'clean hold -unhold-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -manage-> manageable',
    ]);
    expect(kinds().filter((k) => k === 'clean.step_finished')).toHaveLength(5);
  });

  it('caps wait seconds at max_conductor_wait_step_seconds and resumes by heartbeat without seconds', async () => {
    await setup();
    await provision({
      target: 'clean',
      clean_steps: [
        { interface: 'deploy', step: 'wait', args: { seconds: 3600 } },
        { interface: 'deploy', step: 'wait' },
      ],
    });
    await h.idle();
    // The first heartbeat starts the capped wait, which holds its worker for 30 s of clock time.
    agent.restart();
    const lookup = await h.api.inject({
      method: 'GET',
      url: `/v1/lookup?addresses=${MAC}`,
      headers: V('1.68'),
    });
    agent.token = lookup.json<{ config: { agent_token: string } }>().config.agent_token;
    const beat = await h.api.inject({
      method: 'POST',
      url: '/v1/heartbeat/c1',
      headers: V('1.68'),
      payload: { callback_url: agent.url, agent_token: agent.token, agent_version: '10.1.0' },
    });
    expect(beat.statusCode).toBe(202);
    for (let i = 0; i < 20 && !kinds().includes('clean.wait_capped'); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(kinds()).toContain('clean.wait_capped');
    expect(node().provisionState).toBe('clean wait');
    await h.clock.advance(29_000);
    expect(node().driverInternalInfo.clean_step_index).toBe(0);
    await h.clock.advance(1_000);
    await h.idle();
    expect(node().provisionState).toBe('clean wait');
    expect(node().driverInternalInfo.clean_step_index).toBe(1);
    await heartbeat();
    expect(node().provisionState).toBe('manageable');
  });

  it('with disable_ramdisk boots nothing, holds, and abort ends the hold at once', async () => {
    await setup();
    const res = await provision({
      target: 'clean',
      disable_ramdisk: true,
      clean_steps: [{ interface: 'deploy', step: 'hold' }],
    });
    expect(res.statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('clean hold');
    expect(bmc.resets).toEqual([]);
    expect(bmc.patches).toEqual([]);
    await provision({ target: 'abort' });
    await h.idle();
    expect(node().provisionState).toBe('clean failed');
    expect(node().maintenance).toBe(false);
    expect(transitions().at(-1)).toBe('clean hold -abort-> clean failed');
  });

  it('with disable_ramdisk refuses agent steps, and the field needs API 1.70', async () => {
    await setup();
    const steps = [{ interface: 'raid', step: 'delete_configuration' }];
    let res = await provision(
      { target: 'clean', disable_ramdisk: true, clean_steps: steps },
      '1.69',
    );
    expect(res.statusCode).toBe(406);
    res = await provision({ target: 'clean', disable_ramdisk: true, clean_steps: steps });
    expect(res.statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('clean failed');
    expect(node().lastError).toBe(
      'The following clean steps require booting a ramdisk, which was disabled: raid.delete_configuration',
    );
    expect(bmc.resets).toEqual([]);
  });
});
