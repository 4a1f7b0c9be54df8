import { afterEach, describe, expect, it } from 'vitest';
import type { NodeRow } from '../db/schema';
import { FakeAgent, type FakeStep } from '../testing/fake-agent';
import { startFakeRedfish, type FakeBmc } from '../testing/fake-redfish';
import { createHarness, V, type Harness } from '../testing/harness';
import { ramdiskSession } from '../testing/ramdisk-session';

/**
 * The step loop cleaning and deploying share, checked once for each kind with the same
 * scenarios: a manual clean of `raid.delete_configuration` and a deploy with the user step
 * `raid.apply_configuration`, both with args, both sent to the agent.
 */
const MAC = '52:54:00:00:30:01';
let h: Harness;
let bmc: FakeBmc;
let agent: FakeAgent;

interface Kind {
  name: 'clean' | 'deploy';
  label: string;
  from: string;
  wait: string;
  failed: string;
  step: string;
  command: string;
  lister: string;
  start: () => Promise<number>;
  /** The agent's own definition of the step under test. */
  agentStep: () => FakeStep;
  running: (n: NodeRow) => unknown;
}

const ARGS = { x: 1 };

const KINDS: Kind[] = [
  {
    name: 'clean',
    label: 'Clean',
    from: 'manageable',
    wait: 'clean wait',
    failed: 'clean failed',
    step: 'delete_configuration',
    command: 'clean.execute_clean_step',
    lister: 'clean.get_clean_steps',
    start: () =>
      provision({
        target: 'clean',
        clean_steps: [{ interface: 'raid', step: 'delete_configuration', args: ARGS }],
      }),
    agentStep: () => agent.steps.find((s) => s.step === 'delete_configuration')!,
    running: (n) => n.cleanStep,
  },
  {
    name: 'deploy',
    label: 'Deploy',
    from: 'available',
    wait: 'wait call-back',
    failed: 'deploy failed',
    step: 'apply_configuration',
    command: 'deploy.execute_deploy_step',
    lister: 'deploy.get_deploy_steps',
    start: () =>
      provision({
        target: 'active',
        deploy_steps: [
          { interface: 'raid', step: 'apply_configuration', args: ARGS, priority: 90 },
        ],
      }),
    agentStep: () => agent.deploySteps.find((s) => s.step === 'apply_configuration')!,
    running: (n) => n.deployStep,
  },
];

afterEach(async () => {
  await h.close();
  await bmc.close();
  await agent.close();
});

async function setup(kind: Kind): Promise<void> {
  h = createHarness({ fastTrack: false });
  bmc = await startFakeRedfish('Off');
  agent = await new FakeAgent().start();
  agent.onPowerOff = () => (bmc.power = 'Off');
  const node = h.nodes.create({
    name: 'e1',
    driver: 'redfish',
    driver_info: {
      redfish_address: bmc.url,
      redfish_system_id: '/redfish/v1/Systems/1',
      redfish_username: 'admin',
      redfish_password: 'password',
    },
    instance_info: {
      image_source: 'http://images.test/disk.raw',
      image_checksum: 'a'.repeat(64),
      image_disk_format: 'raw',
    },
    ports: [{ address: MAC }],
  });
  h.nodes.update(node.uuid, 'test', { provisionState: kind.from, powerState: 'power off' });
}

async function provision(body: Record<string, unknown>): Promise<number> {
  const res = await h.api.inject({
    method: 'PUT',
    url: '/v1/nodes/e1/states/provision',
    headers: V('1.96'),
    payload: body,
  });
  await settle();
  return res.statusCode;
}

const node = (): NodeRow => h.nodes.get('e1');
const { agentBoots, heartbeat, settle } = ramdiskSession(() => ({ h, agent }), {
  node: 'e1',
  mac: MAC,
  moveClock: true,
  onBoot: () => (bmc.power = 'On'),
});
const sentSteps = (kind: Kind) =>
  agent.posts
    .filter((p) => p.name === kind.command)
    .map((p) => (p.params.step as { step: string }).step);
const finished = (kind: Kind) =>
  h.nodes
    .events('e1')
    .filter((e) => e.type === `${kind.name}.step_finished`)
    .map((e) => e.data.step);

/** Started, the ramdisk up, the step under test sent and running on the agent. */
async function stepRunning(kind: Kind): Promise<void> {
  await setup(kind);
  expect(await kind.start()).toBe(202);
  await agentBoots();
  expect(node().provisionState).toBe(kind.wait);
  expect(kind.running(node())).toMatchObject({ interface: 'raid', step: kind.step, args: ARGS });
  expect(sentSteps(kind)).toEqual([kind.step]);
}

describe.each(KINDS)('the shared step engine: $name', (kind) => {
  it('takes a finished command as this step only when its args match', async () => {
    await stepRunning(kind);
    // An earlier run of the same step with other args: not this one, keep waiting.
    const last = agent.commands.at(-1)!;
    last.command_status = 'SUCCEEDED';
    last.command_result = {
      [`${kind.name}_step`]: { interface: 'raid', step: kind.step, args: { x: 2 } },
    };
    await heartbeat();
    expect(node().provisionState).toBe(kind.wait);
    expect(kind.running(node())).toMatchObject({ step: kind.step });
    expect(finished(kind)).not.toContain(`raid.${kind.step}`);
    last.command_result = {
      [`${kind.name}_step`]: { interface: 'raid', step: kind.step, args: { x: 1 } },
    };
    await heartbeat();
    expect(finished(kind)).toContain(`raid.${kind.step}`);
    expect(kind.running(node())).not.toMatchObject({ step: kind.step });
  });

  it('honours 409 busy by sending the step again on a later heartbeat', async () => {
    await setup(kind);
    agent.busyOnce = kind.command;
    await kind.start();
    await agentBoots();
    expect(node().provisionState).toBe(kind.wait);
    expect(node().driverInternalInfo[`${kind.name}_step_send_pending`]).toBe(true);
    expect(h.nodes.events('e1').some((e) => e.type === `${kind.name}.agent_busy`)).toBe(true);
    await heartbeat();
    expect(node().driverInternalInfo[`${kind.name}_step_send_pending`]).toBeUndefined();
    // Refused once, accepted the second time: one command runs.
    expect(sentSteps(kind)).toEqual([kind.step, kind.step]);
    expect(agent.commands.filter((c) => c.command_name === kind.command.split('.')[1])).toEqual([
      expect.objectContaining({ command_status: 'RUNNING' }),
    ]);
  });

  it('fails the step with a readable last_error naming it', async () => {
    await stepRunning(kind);
    agent.finish('FAILED');
    await heartbeat();
    expect(node().provisionState).toBe(kind.failed);
    expect(node().lastError).toBe(
      `${kind.label} step raid.${kind.step} failed on node ${node().uuid}. disk on fire`,
    );
    expect(kind.running(node())).toBeNull();
  });

  it('re-fetches the steps after a version mismatch and runs the step again', async () => {
    await stepRunning(kind);
    agent.finish('CLEAN_VERSION_MISMATCH');
    const before = agent.posts.filter((p) => p.name === kind.lister).length;
    await heartbeat();
    expect(agent.posts.filter((p) => p.name === kind.lister)).toHaveLength(before + 1);
    expect(sentSteps(kind)).toEqual([kind.step, kind.step]);
    expect(node().provisionState).toBe(kind.wait);
  });

  it('reboots into a fresh ramdisk when the step asks, then goes on', async () => {
    await setup(kind);
    kind.agentStep().reboot_requested = true;
    await kind.start();
    await agentBoots();
    const resets = bmc.resets.length;
    agent.finish();
    await heartbeat();
    expect(bmc.resets.length).toBeGreaterThan(resets);
    expect(
      node().driverInternalInfo[kind.name === 'clean' ? 'cleaning_reboot' : 'deployment_reboot'],
    ).toBe(true);
    expect(node().provisionState).toBe(kind.wait);
    await agentBoots();
    expect(finished(kind)).toContain(`raid.${kind.step}`);
    expect(kind.running(node())).not.toMatchObject({ step: kind.step });
  });

  it('aborts a non-abortable step only once it has finished', async () => {
    await stepRunning(kind);
    expect(await provision({ target: 'abort' })).toBe(202);
    expect(node().provisionState).toBe(kind.wait);
    expect(kind.running(node())).toMatchObject({ abort_after: true });
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe(kind.failed);
    expect(node().lastError).toBe(
      `By request, the ${kind.name} operation was aborted during or after the completion of step "raid.${kind.step}"`,
    );
  });

  it('aborts an abortable step at once', async () => {
    await setup(kind);
    kind.agentStep().abortable = true;
    await kind.start();
    await agentBoots();
    expect(await provision({ target: 'abort' })).toBe(202);
    expect(node().provisionState).toBe(kind.failed);
    expect(node().lastError).toMatch(/^By request, the (clean|deploy) operation was aborted/);
  });
});
