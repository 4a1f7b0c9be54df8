import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployLab } from './support/deploy-lab';

// Rescue with the real agent on a simulated machine: the conductor boots the ramdisk on a
// deployed machine, the agent accepts `rescue.finalize_rescue` with the hashed password and stops
// serving its API; unrescue boots the installed OS again.
let lab: DeployLab;
beforeAll(async () => {
  lab = await DeployLab.start('conductor-rescue');
});
afterAll(async () => {
  await lab?.stop();
});

describe('rescue through the real agent', { timeout: 90_000 }, () => {
  it('active → rescue (the agent takes the password and stops its API) → unrescue → active', async () => {
    const node = lab.addNode('rescue-0', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    expect(await lab.deploy(node)).toMatchObject({ provision_state: 'active', last_error: null });
    await lab.waitForSerial(node, /login: $/);

    lab.conductor.setProvisionState(node.uuid, 'rescue', { rescue_password: 'open sesame' });
    const rescued = await lab.waitFor(
      node,
      (n) => n.provision_state === 'rescue' || n.provision_state === 'rescue failed',
    );
    expect(rescued).toMatchObject({
      provision_state: 'rescue',
      target_provision_state: null,
      last_error: null,
    });
    // Handed to the agent, then forgotten as Ironic's rescue clean-up does.
    expect(rescued.instance_info.rescue_password).toBeUndefined();
    const events = lab.conductor.eventsFor(node.uuid, { limit: 1000 }).map((e) => e.type);
    expect(events).toContain('rescue.finalized');
    // The agent answered finalize_rescue, then its API went away for good.
    const agentUrl = String(rescued.driver_internal_info.agent_url);
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      await expect(undiciFetch(`${agentUrl}/v1/status`, { dispatcher: insecure })).rejects.toThrow(
        /fetch failed/,
      );
    } finally {
      await insecure.close();
    }
    expect(lab.fleet.get(node.machineId)).toMatchObject({ power: 'On', os: 'agent' });

    const before = node.serial().length;
    lab.conductor.setProvisionState(node.uuid, 'unrescue');
    const back = await lab.waitFor(
      node,
      (n) => n.provision_state === 'active' || n.provision_state === 'unrescue failed',
    );
    expect(back).toMatchObject({ provision_state: 'active', last_error: null });
    expect(back.instance_info.rescue_password).toBeUndefined();
    expect(back.instance_info.hashed_rescue_password).toBeUndefined();
    // The installed OS boots again from its disk.
    const deadline = Date.now() + 30_000;
    while (!/Welcome to LabOS[\s\S]*login: $/.test(node.serial().slice(before))) {
      if (Date.now() > deadline)
        throw new Error(`LabOS did not boot:\n${node.serial().slice(before)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lab.fleet.get(node.machineId)).toMatchObject({ power: 'On', os: 'disk' });
  });
});
