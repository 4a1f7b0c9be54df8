import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conductor } from '../conductor';
import { ScaledClock } from '../lib';
import { Fleet, type Enrollment } from '../simulator';
import { baremetalCli } from './support/baremetal-cli';

// The real OpenStack client (Debian's python3-ironicclient, `baremetal`) drives our conductor
// over HTTP while the simulator plays the machine and the real agent runs in its ramdisk.

const ERASE_OFF = { 'deploy.erase_devices': 0, 'deploy.erase_devices_metadata': 0 };

let dataDir: string;
let conductor: Conductor;
let fleet: Fleet;
let enrollment: Enrollment;
let machineId: string;
let uuid: string;

const { run: baremetal, ok } = baremetalCli(() => conductor.apiUrl);

async function show(...fields: string[]): Promise<Record<string, unknown>> {
  const args = ['node', 'show', 'cli-0', '-f', 'json'];
  for (const f of fields) args.push('-c', f);
  return JSON.parse(await ok(...args)) as Record<string, unknown>;
}

/** Polls the node through the CLI's own reads (loopback only, a few ms apart). */
async function until(
  predicate: (node: Record<string, unknown>) => boolean,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = conductor.getNode('cli-0') as unknown as Record<string, unknown>;
    if (predicate(node)) return node;
    if (Date.now() > deadline) throw new Error(`timed out; node is ${JSON.stringify(node)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'conductor-cli-'));
  // One scaled clock for both sides: a 60 s POST and 90–180 s heartbeats take under a second.
  const clock = new ScaledClock(200);
  conductor = new Conductor({
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    clock,
    powerSyncIntervalMs: 3_600_000,
    // As labs often configure Ironic: automated cleaning without disk erasure, so this test
    // depends on the agent's step protocol, not on what its hardware managers can erase.
    cleanStepPriorityOverride: ERASE_OFF,
  });
  await conductor.start();
  fleet = new Fleet({ apiUrl: conductor.apiUrl, redfish: { host: '127.0.0.1', port: 0 }, clock });
  await fleet.start();
  const machine = fleet.addMachine({ profile: 'compute-nvme', name: 'cli-0' });
  machineId = machine.id;
  enrollment = fleet.enrollment(machine.id);
});

afterAll(async () => {
  await fleet?.stop();
  await conductor?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

// Each CLI call starts a Python interpreter and `--wait` polls every 2 s: give the steps room.
describe('the baremetal CLI against the embedded conductor', { timeout: 120_000 }, () => {
  it('creates the node with its Redfish driver_info and ports', async () => {
    const di = enrollment.driver_info;
    const created = JSON.parse(
      await ok(
        'node',
        'create',
        '--driver',
        'redfish',
        '--name',
        'cli-0',
        '--driver-info',
        `redfish_address=${di.redfish_address}`,
        '--driver-info',
        `redfish_system_id=${di.redfish_system_id}`,
        '--driver-info',
        `redfish_username=${di.redfish_username}`,
        '--driver-info',
        `redfish_password=${di.redfish_password}`,
        '--driver-info',
        'redfish_verify_ca=False',
        '-f',
        'json',
      ),
    ) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: 'cli-0',
      driver: 'redfish',
      provision_state: 'enroll',
      driver_info: { redfish_password: '******', redfish_address: di.redfish_address },
    });
    uuid = String(created.uuid);

    // Ports name their node by UUID (Ironic refuses a name here, and so do we).
    const byName = await baremetal(
      'port',
      'create',
      '--node',
      'cli-0',
      enrollment.ports[0]!.address,
    );
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain('Expected a UUID for node_uuid but received cli-0. (HTTP 400)');
    for (const port of enrollment.ports) {
      await ok('port', 'create', '--node', uuid, port.address, '-f', 'value', '-c', 'uuid');
    }
    const ports = JSON.parse(await ok('port', 'list', '--node', 'cli-0', '-f', 'json')) as {
      Address: string;
    }[];
    expect(ports.map((p) => p.Address).sort()).toEqual(
      enrollment.ports.map((p) => p.address).sort(),
    );
  });

  it('manage --wait verifies the BMC; provide --wait cleans through the real agent', async () => {
    const managed = await baremetal('node', 'manage', 'cli-0', '--wait', '60');
    expect(managed.code).toBe(0);
    expect(managed.stdout + managed.stderr).toContain(
      'Waiting for provision state manageable on node cli-0',
    );
    expect(await show('provision_state', 'power_state')).toEqual({
      provision_state: 'manageable',
      power_state: 'power off',
    });

    const provided = await baremetal('node', 'provide', 'cli-0', '--wait', '120');
    expect(provided.stderr).not.toContain('failed to reach state');
    expect(provided.code).toBe(0);
    const node = await show('provision_state', 'power_state', 'last_error', 'driver_internal_info');
    expect(node).toMatchObject({
      provision_state: 'available',
      power_state: 'power on', // fast track keeps the ramdisk up
      last_error: null,
    });
    const dii = node.driver_internal_info as Record<string, unknown>;
    // The agent was reached over auto TLS, verified with the certificate it sent.
    expect(dii.agent_url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(String(dii.agent_verify_ca)).toContain('BEGIN CERTIFICATE');
    expect(dii.agent_secret_token).toBe('******');
    // Steps were fetched from the agent and the run list is exactly its enabled ones.
    expect(typeof dii.agent_cached_clean_steps_refreshed).toBe('string');
    const events = conductor.eventsFor(uuid);
    const stepsEvent = events.find((e) => e.type === 'clean.steps');
    const cached = Object.values(
      dii.agent_cached_clean_steps as Record<
        string,
        { interface: string; step: string; priority: number }[]
      >,
    ).flat();
    const enabled = new Set(
      cached
        .filter(
          (s) =>
            (ERASE_OFF[`${s.interface}.${s.step}` as keyof typeof ERASE_OFF] ?? s.priority) > 0,
        )
        .map((s) => `${s.interface}.${s.step}`),
    );
    expect(new Set(stepsEvent?.data.steps as string[])).toEqual(enabled);
    expect(events.map((e) => e.type)).toContain('clean.finished');
    expect(fleet.get(machineId)?.power).toBe('On');
  });

  it('lists the node, with filters and chosen fields', async () => {
    const all = JSON.parse(await ok('node', 'list', '-f', 'json')) as Record<string, unknown>[];
    expect(all).toEqual([
      {
        UUID: uuid,
        Name: 'cli-0',
        'Instance UUID': null,
        'Power State': 'power on',
        'Provisioning State': 'available',
        Maintenance: false,
      },
    ]);
    const filtered = JSON.parse(
      await ok('node', 'list', '--provision-state', 'manageable', '-f', 'json'),
    ) as unknown[];
    expect(filtered).toEqual([]);
    const fields = JSON.parse(
      await ok('node', 'list', '--fields', 'uuid', 'driver', '-f', 'json'),
    ) as unknown[];
    expect(fields).toEqual([{ UUID: uuid, Driver: 'redfish' }]);
  });

  it('powers the machine off and on through its BMC', async () => {
    await ok('node', 'power', 'off', 'cli-0', '--power-timeout', '30');
    await until((n) => n.power_state === 'power off' && n.target_power_state === null);
    expect(fleet.get(machineId)?.power).toBe('Off');
    // Powering off took the ramdisk down, and with it the agent's token and URL.
    expect((await show('driver_internal_info')).driver_internal_info).not.toHaveProperty(
      'agent_url',
    );
    await ok('node', 'power', 'on', 'cli-0');
    await until((n) => n.power_state === 'power on' && n.target_power_state === null);
    expect(fleet.get(machineId)?.power).toBe('On');
  });

  it('deploy: validated, the image written through the agent, failures reported; undeploy cleans', async () => {
    const refused = await baremetal('node', 'deploy', 'cli-0');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Missing are: ['instance_info.image_source']");
    expect(refused.stderr).toContain('(HTTP 400)');
    // Nothing listens there: the agent's write_image fails, whatever its implementation.
    const image = 'http://127.0.0.1:9/images/ubuntu.raw';
    await ok(
      'node',
      'set',
      'cli-0',
      '--instance-info',
      `image_source=${image}`,
      '--instance-info',
      `image_checksum=${'c'.repeat(64)}`,
      '--instance-info',
      'image_disk_format=raw',
    );
    // The client sends a file's content as the config drive (gzipped, base64-encoded ISO).
    const configdrive = join(dataDir, 'configdrive.b64');
    writeFileSync(configdrive, gzipSync(Buffer.from('config-2')).toString('base64'));
    const deploy = await baremetal('node', 'deploy', 'cli-0', '--config-drive', configdrive);
    if (deploy.code !== 0) throw new Error(deploy.stderr);
    expect(deploy.code).toBe(0);
    const failed = await until((n) => n.provision_state === 'deploy failed', 90_000);
    expect(String(failed.last_error)).toMatch(
      new RegExp(`^Deploy step deploy\\.write_image failed on node ${uuid}\\. `),
    );
    const started = conductor
      .eventsFor(uuid)
      .filter((e) => e.type === 'deploy.step_started')
      .map((e) => e.data.step);
    expect(started).toEqual(['deploy.deploy', 'deploy.write_image']);
    const info = (await show('instance_info')).instance_info as Record<string, unknown>;
    expect(info).toMatchObject({ image_source: image, image_url: image, configdrive: '******' });

    // A JSON config drive (API 1.56): the client sends the object, the conductor keeps it to
    // build the config-2 ISO when write_image is sent. Again from deploy failed.
    const json = await baremetal(
      'node',
      'deploy',
      'cli-0',
      '--config-drive',
      JSON.stringify({ meta_data: { hostname: 'cli-0' }, user_data: '#cloud-config\n' }),
    );
    expect(json.code, json.stderr).toBe(0);
    const again = await until(
      (n) =>
        n.provision_state === 'deploy failed' &&
        conductor.eventsFor(uuid).filter((e) => e.type === 'deploy.started').length === 2,
      90_000,
    );
    expect(String(again.last_error)).toMatch(/^Deploy step deploy\.write_image failed on node /);
    expect((await show('instance_info')).instance_info).toMatchObject({ configdrive: '******' });

    const undeploy = await baremetal('node', 'undeploy', 'cli-0', '--wait', '120');
    expect(undeploy.code).toBe(0);
    expect(await show('provision_state', 'instance_info', 'last_error')).toEqual({
      provision_state: 'available',
      instance_info: {},
      last_error: null,
    });
  });

  it('manual clean: a step the agent lacks fails; reserved reboot + wait come back to manageable', async () => {
    await ok('node', 'manage', 'cli-0', '--wait', '30');
    const unknown = await baremetal(
      'node',
      'clean',
      'cli-0',
      '--clean-steps',
      '[{"interface": "vendor", "step": "no_such_step"}]',
      '--wait',
      '120',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "Node cli-0 failed to reach state manageable. It's in state clean failed, and has error: The following clean steps are not supported by this node: vendor.no_such_step",
    );
    expect(await show('provision_state', 'maintenance')).toEqual({
      provision_state: 'clean failed',
      maintenance: false,
    });
    await ok('node', 'manage', 'cli-0', '--wait', '30');

    // The conductor reboots the machine itself; `wait` resumes on the new ramdisk's heartbeat.
    const before = conductor.eventsFor(uuid).length;
    const rebooted = await baremetal(
      'node',
      'clean',
      'cli-0',
      '--clean-steps',
      '[{"interface": "power", "step": "reboot"}, {"interface": "deploy", "step": "wait"}]',
      '--wait',
      '120',
    );
    expect(rebooted.code).toBe(0);
    const run = conductor.eventsFor(uuid).slice(before);
    expect(run.filter((e) => e.type === 'power.changed').map((e) => e.data.target)).toContain(
      'rebooting',
    );
    expect(run.filter((e) => e.type === 'clean.step_finished').map((e) => e.data.step)).toEqual([
      'power.reboot',
      'deploy.wait',
    ]);
    expect(await show('provision_state', 'power_state', 'last_error')).toEqual({
      provision_state: 'manageable',
      power_state: 'power on',
      last_error: null,
    });
  });

  it('abort ends a held manual clean in clean failed', async () => {
    const started = await baremetal(
      'node',
      'clean',
      'cli-0',
      '--clean-steps',
      '[{"interface": "deploy", "step": "hold"}]',
    );
    expect(started.code).toBe(0);
    await until((n) => n.provision_state === 'clean hold', 60_000);
    expect((await show('clean_step')).clean_step).toMatchObject({ step: 'hold' });
    const aborted = await baremetal('node', 'abort', 'cli-0');
    expect(aborted.code).toBe(0);
    expect(await show('provision_state', 'last_error')).toEqual({
      provision_state: 'clean failed',
      last_error:
        'By request, the clean operation was aborted during or after the completion of step "deploy.hold"',
    });
    // abort is refused where Ironic refuses it.
    const again = await baremetal('node', 'abort', 'cli-0');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(HTTP 400)');
  });

  it('deletes the node, after which it is gone', async () => {
    await ok('node', 'manage', 'cli-0', '--wait', '30');
    const deleted = await baremetal('node', 'delete', 'cli-0');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout + deleted.stderr).toContain(`Deleted node cli-0`);
    const gone = await baremetal('node', 'show', 'cli-0');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Node cli-0 could not be found. (HTTP 404)');
    expect(JSON.parse(await ok('port', 'list', '-f', 'json'))).toEqual([]);
  });
});
