import { afterEach, describe, expect, it } from 'vitest';
import { sha256Crypt } from '../../lib';
import { PROVISION_STATES } from '../../protocol';
import type { NodeRow } from '../db/schema';
import { isVerbAllowed } from '../states/state-machine';
import { FakeAgent } from '../testing/fake-agent';
import { startFakeRedfish, type FakeBmc } from '../testing/fake-redfish';
import { createHarness, faultOf, silentLogger, V, type Harness } from '../testing/harness';
import { ramdiskSession } from '../testing/ramdisk-session';
import { ProvisionTimeouts } from './provision-timeouts';

const MAC = '52:54:00:00:40:01';
const IMAGE = {
  image_source: 'http://images.test/disk.raw',
  image_checksum: 'a'.repeat(64),
  image_disk_format: 'raw',
};
let h: Harness;
let bmc: FakeBmc | null = null;
let agent: FakeAgent | null = null;

afterEach(async () => {
  await h.close();
  await bmc?.close();
  await agent?.close();
  bmc = null;
  agent = null;
});

const provision = (body: Record<string, unknown>, version = '1.96') =>
  h.api.inject({
    method: 'PUT',
    url: '/v1/nodes/r1/states/provision',
    headers: V(version),
    payload: body,
  });
const node = (): NodeRow => h.nodes.get('r1');
const { agentBoots, transitions } = ramdiskSession(() => ({ h, agent: agent! }), {
  node: 'r1',
  mac: MAC,
});

/** A deployed machine behind a fake Redfish BMC, running its instance. */
async function activeNode(instanceInfo: Record<string, unknown> = IMAGE): Promise<NodeRow> {
  h = createHarness({ fastTrack: false });
  bmc = await startFakeRedfish('On');
  agent = await new FakeAgent().start();
  const created = h.nodes.create({
    name: 'r1',
    driver: 'redfish',
    driver_info: {
      redfish_address: bmc.url,
      redfish_system_id: '/redfish/v1/Systems/1',
      redfish_username: 'admin',
      redfish_password: 'password',
    },
    instance_info: instanceInfo,
    ports: [{ address: MAC }],
  });
  return h.nodes.update(created.uuid, 'test', { provisionState: 'active', powerState: 'power on' });
}

describe('rescue', () => {
  it('boots the ramdisk, hands the agent the hashed password, ends in rescue; unrescue boots the disk', async () => {
    await activeNode();
    expect((await provision({ target: 'rescue', rescue_password: 'let-me-in' })).statusCode).toBe(
      202,
    );
    await h.idle();
    expect(node().provisionState).toBe('rescue wait');
    expect(node().targetProvisionState).toBe('rescue');
    // Powered off, then one network boot into the ramdisk.
    expect(bmc!.resets).toEqual(['ForceOff', 'On']);
    expect(bmc!.patches).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
    ]);
    // Secrets never leave the API in clear.
    const shown = await h.api.inject({ method: 'GET', url: '/v1/nodes/r1', headers: V('1.96') });
    const ii = shown.json<{ instance_info: Record<string, unknown> }>().instance_info;
    expect(ii.rescue_password).toBe('******');
    expect(ii.hashed_rescue_password).toBe('******');

    await agentBoots();
    const finalize = agent!.posts.find((p) => p.name === 'rescue.finalize_rescue')!;
    expect(finalize.params.hashed).toBe(true);
    const hash = String(finalize.params.rescue_password);
    const salt = hash.split('$')[2]!;
    expect(hash).toBe(sha256Crypt('let-me-in', salt));
    expect(node().provisionState).toBe('rescue');
    expect(node().targetProvisionState).toBeNull();
    // Handed over: the conductor keeps no copy.
    expect(node().instanceInfo.rescue_password).toBeUndefined();
    expect(node().instanceInfo.hashed_rescue_password).toBeUndefined();
    expect(transitions()).toEqual([
      'active -rescue-> rescuing',
      'rescuing -wait-> rescue wait',
      'rescue wait -resume-> rescuing',
      'rescuing -done-> rescue',
    ]);

    bmc!.patches.length = 0;
    expect((await provision({ target: 'unrescue' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('active');
    expect(bmc!.power).toBe('On');
    expect(bmc!.patches).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } },
    ]);
    expect(node().instanceInfo.rescue_password).toBeUndefined();
    expect(node().instanceInfo.hashed_rescue_password).toBeUndefined();
    expect(node().instanceInfo.image_source).toBe(IMAGE.image_source);
  });

  it('fails to rescue failed, powered off, when the agent cannot finalize', async () => {
    await activeNode();
    agent!.finalizeRescue = 'fail';
    await provision({ target: 'rescue', rescue_password: 'pw' });
    await h.idle();
    await agentBoots();
    expect(node().provisionState).toBe('rescue failed');
    expect(node().lastError).toBe(
      `Asynchronous exception: Node failed to perform rescue operation. Exception: Agent returned bad result for command finalize_rescue: cannot write the password file for node ${node().uuid}`,
    );
    expect(bmc!.power).toBe('Off');
    expect(node().instanceInfo.rescue_password).toBeUndefined();
    // From rescue failed the operator may try again, unrescue or undeploy.
    expect((await provision({ target: 'unrescue' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('active');
  });

  it('times out in rescue wait when no ramdisk calls back', async () => {
    await activeNode();
    await provision({ target: 'rescue', rescue_password: 'pw' });
    await h.idle();
    const t = new ProvisionTimeouts(
      h.nodes,
      h.cleaning,
      h.clock,
      silentLogger(),
      { rescueCallbackTimeoutMs: 60_000 },
      h.deploying,
      h.rescuing,
    );
    await h.clock.advance(61_000);
    t.runOnce();
    expect(node().provisionState).toBe('rescue failed');
    expect(node().lastError).toBe(
      `Timeout reached while waiting for rescue ramdisk callback for node ${node().uuid}`,
    );
  });

  it('aborts in rescue wait', async () => {
    await activeNode();
    await provision({ target: 'rescue', rescue_password: 'pw' });
    await h.idle();
    expect((await provision({ target: 'abort' })).statusCode).toBe(202);
    expect(node().provisionState).toBe('rescue failed');
    expect(node().lastError).toBe('By request, the rescue operation was aborted.');
  });

  it('wants a non-empty rescue_password, only with rescue, from API 1.38', async () => {
    await activeNode();
    let res = await provision({ target: 'rescue' });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toMatch(/non-empty "rescue_password" is required/);
    res = await provision({ target: 'rescue', rescue_password: '  ' });
    expect(res.statusCode).toBe(400);
    res = await provision({ target: 'deleted', rescue_password: 'pw' });
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toMatch(/only valid when setting target .* rescue/);
    res = await provision({ target: 'rescue', rescue_password: 'pw' }, '1.37');
    expect(res.statusCode).toBe(406);
    expect(node().provisionState).toBe('active');
  });
});

describe('adopt', () => {
  it('takes over a running machine without touching its power; bad image info → adopt failed', async () => {
    await activeNode({});
    h.nodes.update(node().uuid, 'test', { provisionState: 'manageable' });
    expect((await provision({ target: 'adopt' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('adopt failed');
    expect(node().lastError).toMatch(
      /^Error while attempting to adopt node .*instance_info\.image_source/,
    );
    h.nodes.update(node().uuid, 'test', { instanceInfo: IMAGE });
    expect((await provision({ target: 'adopt' })).statusCode).toBe(202);
    await h.idle();
    expect(node().provisionState).toBe('active');
    expect(node().lastError).toBeNull();
    expect(bmc!.resets).toEqual([]);
    expect(bmc!.power).toBe('On');
    expect(bmc!.patches).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } },
    ]);
    expect(transitions()).toEqual([
      'manageable -adopt-> adopting',
      'adopting -fail-> adopt failed',
      'adopt failed -adopt-> adopting',
      'adopting -done-> active',
    ]);
  });

  it('leaves adopt failed through manage', async () => {
    await activeNode({});
    h.nodes.update(node().uuid, 'test', { provisionState: 'adopt failed' });
    expect((await provision({ target: 'manage' })).statusCode).toBe(202);
    expect(node().provisionState).toBe('manageable');
  });
});

describe('adopt, rescue and unrescue through the API in every state', () => {
  it('accepts them exactly where the state machine allows and refuses the rest', async () => {
    h = createHarness({ fastTrack: false });
    h.nodes.create({
      name: 'r1',
      driver: 'fake-hardware',
      instance_info: IMAGE,
      ports: [{ address: MAC }],
    });
    const seen: string[] = [];
    for (const state of PROVISION_STATES) {
      for (const verb of ['adopt', 'rescue', 'unrescue'] as const) {
        h.nodes.update(node().uuid, 'test', { provisionState: state, targetProvisionState: null });
        const res = await provision({
          target: verb,
          ...(verb === 'rescue' ? { rescue_password: 'pw' } : {}),
        });
        await h.idle();
        const allowed = isVerbAllowed(state, verb);
        expect(res.statusCode, `${verb} in ${state}`).toBe(allowed ? 202 : 400);
        if (allowed) seen.push(`${state}|${verb}`);
        else {
          expect(faultOf(res.body).faultstring).toBe(
            `The requested action "${verb}" can not be performed on node "${node().uuid}" while it is in state "${state}".`,
          );
          expect(node().provisionState).toBe(state);
        }
      }
    }
    expect(seen.sort()).toEqual(
      [
        'manageable|adopt',
        'adopt failed|adopt',
        'active|rescue',
        'rescue|rescue',
        'rescue failed|rescue',
        'unrescue failed|rescue',
        'service failed|rescue',
        'rescue|unrescue',
        'rescue failed|unrescue',
        'unrescue failed|unrescue',
      ].sort(),
    );
  });
});
