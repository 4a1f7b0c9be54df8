import { afterEach, describe, expect, it } from 'vitest';
import type { NodeRow } from '../db/schema';
import { FakeAgent } from '../testing/fake-agent';
import { startFakeRedfish, type FakeBmc } from '../testing/fake-redfish';
import { createHarness, faultOf, silentLogger, V, type Harness } from '../testing/harness';
import { ramdiskSession } from '../testing/ramdisk-session';
import { ProvisionTimeouts } from './provision-timeouts';

const MAC = '52:54:00:00:30:01';
let h: Harness;
let bmc: FakeBmc;
let agent: FakeAgent;

afterEach(async () => {
  await h.close();
  await bmc.close();
  await agent.close();
});

/** An `active` node whose instance runs (powered on, booting from disk). */
async function setup(opts: { state?: string } = {}): Promise<NodeRow> {
  h = createHarness({ fastTrack: false });
  bmc = await startFakeRedfish('On');
  agent = await new FakeAgent().start();
  agent.onPowerOff = () => (bmc.power = 'Off');
  const node = h.nodes.create({
    name: 's1',
    driver: 'redfish',
    driver_info: {
      redfish_address: bmc.url,
      redfish_system_id: '/redfish/v1/Systems/1',
      redfish_username: 'admin',
      redfish_password: 'password',
    },
    properties: { cpu_arch: 'x86_64' },
    instance_info: { image_source: 'http://images.test/os.raw', image_checksum: 'a'.repeat(64) },
    ports: [{ address: MAC }],
  });
  return h.nodes.update(node.uuid, 'test', {
    provisionState: opts.state ?? 'active',
    powerState: 'power on',
  });
}

const provision = (body: Record<string, unknown>, version = '1.96') =>
  h.api.inject({
    method: 'PUT',
    url: '/v1/nodes/s1/states/provision',
    headers: V(version),
    payload: body,
  });

const node = (): NodeRow => h.nodes.get('s1');
const { agentBoots, heartbeat, settle, transitions } = ramdiskSession(() => ({ h, agent }), {
  node: 's1',
  mac: MAC,
  moveClock: true,
});
const posted = () => agent.posts.map((p) => p.name);
const BURNIN = [{ interface: 'deploy', step: 'burnin_cpu', args: { duration: 60 } }];

describe('service (API 1.87): steps on an active node through the agent', () => {
  it('boots the ramdisk, runs the steps, boots the instance again and is active', async () => {
    await setup();
    const res = await provision({ target: 'service', service_steps: BURNIN });
    expect(res.statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('service wait');
    expect(node().targetProvisionState).toBe('active');
    expect(bmc.patches.at(-1)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' },
    });

    await agentBoots();
    expect(posted()).toEqual(['service.get_service_steps', 'service.execute_service_step']);
    expect(agent.posts[1]!.params).toMatchObject({
      step: {
        interface: 'deploy',
        step: 'burnin_cpu',
        args: { duration: 60 },
        priority: 0,
        abortable: true,
      },
      service_version: { generic_hardware_manager: '1.2' },
    });
    expect(node().provisionState).toBe('service wait');
    expect(node().serviceStep).toMatchObject({ step: 'burnin_cpu' });
    const shown = await h.api.inject({ method: 'GET', url: '/v1/nodes/s1', headers: V('1.96') });
    expect(shown.json<{ service_step: unknown }>().service_step).toMatchObject({
      step: 'burnin_cpu',
    });

    await heartbeat(); // still running: only polled
    expect(agent.posts).toHaveLength(2);
    agent.finish();
    await heartbeat();
    const done = node();
    expect(done.provisionState).toBe('active');
    expect(done.targetProvisionState).toBeNull();
    expect(done.serviceStep).toBeNull();
    expect(done.powerState).toBe('power on');
    // Ironic wipes the agent's token and URL at the end of every servicing.
    expect(done.driverInternalInfo.agent_url).toBeUndefined();
    expect(done.driverInternalInfo.agent_secret_token).toBeUndefined();
    expect(done.driverInternalInfo.service_steps).toBeUndefined();
    // tear_down_inband_service: power off, boot from disk for good, power on.
    expect(bmc.resets.slice(-2)).toEqual(['ForceOff', 'On']);
    expect(bmc.patches.at(-1)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' },
    });
    expect(transitions()).toEqual([
      'active -service-> servicing',
      'servicing -wait-> service wait',
      'service wait -resume-> servicing',
      'servicing -wait-> service wait',
      'service wait -resume-> servicing',
      'servicing -done-> active',
    ]);
  });

  it('a failed step ends in service failed with maintenance; abort returns to active', async () => {
    await setup();
    await provision({ target: 'service', service_steps: BURNIN });
    await settle();
    await agentBoots();
    expect(posted()).toEqual(['service.get_service_steps', 'service.execute_service_step']);
    agent.finish('FAILED');
    await heartbeat();
    let n = node();
    expect(n.provisionState).toBe('service failed');
    expect(n.lastError).toBe(
      `Service step deploy.burnin_cpu failed on node ${n.uuid}. disk on fire`,
    );
    expect(n).toMatchObject({ maintenance: true, fault: 'service failure', serviceStep: null });
    expect((await provision({ target: 'abort' })).statusCode).toBe(202);
    await settle();
    n = node();
    expect(n.provisionState).toBe('active');
    expect(transitions().at(-1)).toBe('service failed -abort-> active');
  });

  it('a step the agent does not offer fails once the agent lists its steps', async () => {
    await setup();
    await provision({ target: 'service', service_steps: [{ interface: 'bios', step: 'x' }] });
    await settle();
    await agentBoots();
    expect(node().provisionState).toBe('service failed');
    expect(node().lastError).toBe(
      'The following service steps are not supported by this node: bios.x',
    );
    expect(node().maintenance).toBe(false);
  });

  it('abort in service wait: an abortable step stops at once', async () => {
    await setup();
    await provision({ target: 'service', service_steps: BURNIN });
    await settle();
    await agentBoots();
    expect(node().serviceStep).toMatchObject({ step: 'burnin_cpu', abortable: true });
    expect((await provision({ target: 'abort' })).statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('service failed');
    expect(node().lastError).toBe(
      'By request, the service operation was aborted during or after the completion of step "deploy.burnin_cpu"',
    );
  });

  it('reserved steps only: hold parks the node in service hold, unhold finishes, no ramdisk', async () => {
    await setup();
    await provision({
      target: 'service',
      service_steps: [
        { interface: 'deploy', step: 'hold' },
        { interface: 'deploy', step: 'wait', args: { seconds: 5 } },
      ],
    });
    await settle();
    expect(node().provisionState).toBe('service hold');
    expect((await provision({ target: 'unhold' })).statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('active');
    expect(bmc.resets).toEqual([]);
    expect(agent.posts).toEqual([]);
    expect(transitions()).toEqual([
      'active -service-> servicing',
      'servicing -hold-> service hold',
      'service hold -unhold-> service wait',
      'service wait -resume-> servicing',
      'servicing -wait-> service wait',
      'service wait -resume-> servicing',
      'servicing -done-> active',
    ]);
  });

  it('fails when the ramdisk never calls back (service callback timeout)', async () => {
    await setup();
    await provision({ target: 'service', service_steps: BURNIN });
    await settle();
    const t = new ProvisionTimeouts(
      h.nodes,
      h.cleaning,
      h.clock,
      silentLogger(),
      {},
      h.deploying,
      h.rescuing,
      h.servicing,
    );
    t.start();
    await h.clock.advance(1_860_000);
    expect(node().provisionState).toBe('service failed');
    expect(node().lastError).toBe(
      'Timeout reached while servicing the node. Please check if the ramdisk responsible for the servicing is running on the node. Failed on step none.',
    );
    t.stop();
  });

  it('refuses what Ironic refuses', async () => {
    await setup();
    const old = await provision({ target: 'service', service_steps: BURNIN }, '1.86');
    expect(old.statusCode).toBe(406);
    let res = await provision({ target: 'service' });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      '"service_steps" is required when setting target provision state to service',
    );
    res = await provision({ target: 'rebuild', service_steps: BURNIN });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toBe(
      '"service_steps" is only valid when setting target provision state to service',
    );
    res = await provision({ target: 'service', service_steps: [{ interface: 'x', step: 'y' }] });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('Invalid service_steps');
    h.nodes.update(node().uuid, 't', { provisionState: 'available' });
    res = await provision({ target: 'service', service_steps: BURNIN });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain('while it is in state "available"');
    expect(node().provisionState).toBe('available');
  });
});
