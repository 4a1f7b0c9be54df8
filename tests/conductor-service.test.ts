import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployLab } from './support/deploy-lab';

// Servicing (Ironic 2023.2+) with the real agent on a simulated machine: the conductor boots the
// ramdisk on a deployed machine, fetches the agent's service steps, runs the chosen one through
// `service.execute_service_step`, then boots the installed OS again — its disk untouched.
let lab: DeployLab;
beforeAll(async () => {
  lab = await DeployLab.start('conductor-service');
});
afterAll(async () => {
  await lab?.stop();
});

describe('service through the real agent', { timeout: 90_000 }, () => {
  it('active → servicing → service wait → active, the instance still on its disk', async () => {
    const node = lab.addNode('service-0', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    expect(await lab.deploy(node)).toMatchObject({ provision_state: 'active', last_error: null });
    await lab.waitForSerial(node, /login: $/);
    const disk = lab.fleet.machine(node.machineId)!.disks[0]!.data;
    const head = Buffer.from(disk.read(0, 1024 * 1024));

    const before = node.serial().length;
    lab.conductor.setProvisionState(node.uuid, 'service', {
      service_steps: [{ interface: 'raid', step: 'delete_configuration', args: {} }],
    });
    const served = await lab.waitFor(
      node,
      (n) => n.provision_state === 'active' || n.provision_state === 'service failed',
    );
    expect(served).toMatchObject({ provision_state: 'active', last_error: null });
    const events = lab.conductor.eventsFor(node.uuid, { limit: 1000 });
    const service = events.filter((e) => e.type.startsWith('service.'));
    expect(service.map((e) => e.type)).toEqual([
      'service.started',
      'service.steps',
      'service.step_started',
      'service.step_finished',
      'service.finished',
    ]);
    expect(service[3]!.data).toMatchObject({ step: 'raid.delete_configuration' });
    expect(Buffer.from(disk.read(0, 1024 * 1024)).equals(head)).toBe(true);
    // Booted the agent for the step, then the installed OS again.
    const deadline = Date.now() + 30_000;
    while (
      !/ironic-python-agent[\s\S]*Welcome to LabOS[\s\S]*login: $/.test(node.serial().slice(before))
    ) {
      if (Date.now() > deadline)
        throw new Error(`no ramdisk then LabOS:\n${node.serial().slice(before)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
