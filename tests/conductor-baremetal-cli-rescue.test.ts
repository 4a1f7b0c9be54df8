import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baremetalCli } from './support/baremetal-cli';
import { DeployLab } from './support/deploy-lab';

// Debian's `baremetal` client (python3-ironicclient) drives adopt, rescue and unrescue on the
// embedded conductor, with the real agent on simulated machines.
let lab: DeployLab;

beforeAll(async () => {
  lab = await DeployLab.start('conductor-cli-rescue');
});
afterAll(async () => {
  await lab?.stop();
});

const { run: baremetal, ok } = baremetalCli(() => lab.conductor.apiUrl, 60_000);

async function state(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(
    await ok('node', 'show', name, '-f', 'json', '-c', 'provision_state', '-c', 'last_error'),
  ) as Record<string, unknown>;
}

describe('baremetal CLI: adopt, rescue, unrescue', { timeout: 120_000 }, () => {
  it('rescue --rescue-password and unrescue a deployed node', async () => {
    const node = lab.addNode('cli-rescue', { ...lab.images.instanceInfo('labos-1.0-disk.raw') });
    expect(await lab.deploy(node)).toMatchObject({ provision_state: 'active' });

    const refused = await baremetal('node', 'unrescue', 'cli-rescue');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('while it is in state "active"');
    expect(refused.stderr).toContain('(HTTP 400)');

    // Without --wait (it polls every 2 s): the conductor's own view is watched instead.
    await ok('node', 'rescue', 'cli-rescue', '--rescue-password', 'open sesame');
    await lab.waitFor(
      node,
      (n) => n.provision_state === 'rescue' || n.provision_state === 'rescue failed',
    );
    expect(await state('cli-rescue')).toEqual({ provision_state: 'rescue', last_error: null });
    expect(lab.fleet.get(node.machineId)).toMatchObject({ power: 'On', os: 'agent' });

    await ok('node', 'unrescue', 'cli-rescue');
    await lab.waitFor(
      node,
      (n) => n.provision_state === 'active' || n.provision_state === 'unrescue failed',
    );
    expect(await state('cli-rescue')).toEqual({ provision_state: 'active', last_error: null });
  });

  it('adopt: refused without image info (adopt failed), then taken over as active', async () => {
    const node = lab.addNode('cli-adopt', {});
    await ok('node', 'manage', 'cli-adopt');
    await ok('node', 'adopt', 'cli-adopt');
    await lab.waitFor(
      node,
      (n) => n.provision_state !== 'adopting' && n.provision_state !== 'manageable',
    );
    const after = await state('cli-adopt');
    expect(after.provision_state).toBe('adopt failed');
    expect(String(after.last_error)).toContain('instance_info.image_source');

    const info = lab.images.instanceInfo('labos-1.0-disk.raw');
    const args = Object.entries(info).flatMap(([k, v]) => ['--instance-info', `${k}=${String(v)}`]);
    await ok('node', 'set', 'cli-adopt', ...args);
    await ok('node', 'adopt', 'cli-adopt');
    await lab.waitFor(
      node,
      (n) => n.provision_state !== 'adopting' && n.provision_state !== 'adopt failed',
    );
    expect(await state('cli-adopt')).toEqual({ provision_state: 'active', last_error: null });
    // Taken over as it was: never powered on, nothing written.
    expect(lab.fleet.get(node.machineId)?.power).toBe('Off');
    expect(node.machine.bootableDisk()).toBeUndefined();
  });
});
