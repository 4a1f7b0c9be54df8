import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRedfish, type FakeBmc } from '../testing/fake-redfish';
import { FakeAgent } from '../testing/fake-agent';
import { createHarness, faultOf, silentLogger, V, type Harness } from '../testing/harness';
import { ramdiskSession } from '../testing/ramdisk-session';
import type { NodeRow } from '../db/schema';
import { ProvisionTimeouts } from './provision-timeouts';

const MAC = '52:54:00:00:20:01';
const SHA256 = 'a'.repeat(64);
const IMAGE = 'http://images.test:8080/v1/ubuntu-24.04.raw';
const CONFIGDRIVE = 'H4sICGNvbmZpZ2RyaXZlAAEAAP//AAAAAAAAAAA=';
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
    instanceInfo?: Record<string, unknown>;
    properties?: Record<string, unknown>;
    automatedClean?: boolean;
  } = {},
): Promise<NodeRow> {
  h = createHarness({ fastTrack: opts.fastTrack ?? false, automatedClean: opts.automatedClean });
  // With fast track the ramdisk is already up (and the machine on) before the deploy.
  bmc = await startFakeRedfish(opts.fastTrack ? 'On' : 'Off');
  agent = await new FakeAgent().start();
  agent.onPowerOff = () => (bmc.power = 'Off');
  const node = h.nodes.create({
    name: 'd1',
    driver: 'redfish',
    driver_info: {
      redfish_address: bmc.url,
      redfish_system_id: '/redfish/v1/Systems/1',
      redfish_username: 'admin',
      redfish_password: 'password',
    },
    properties: { cpu_arch: 'x86_64', root_device: { serial: 'S1' }, ...opts.properties },
    instance_info: opts.instanceInfo ?? {
      image_source: IMAGE,
      image_checksum: SHA256,
      image_disk_format: 'raw',
    },
    ports: [{ address: MAC }],
  });
  return h.nodes.update(node.uuid, 'test', {
    provisionState: opts.state ?? 'available',
    powerState: opts.fastTrack ? 'power on' : 'power off',
  });
}

const provision = (body: Record<string, unknown>, version = '1.96') =>
  h.api.inject({
    method: 'PUT',
    url: '/v1/nodes/d1/states/provision',
    headers: V(version),
    payload: body,
  });

const node = (): NodeRow => h.nodes.get('d1');
const { agentBoots, heartbeat, settle, transitions } = ramdiskSession(() => ({ h, agent }), {
  node: 'd1',
  mac: MAC,
  moveClock: true,
  onBoot: () => (bmc.power = 'On'),
});
const posted = () => agent.posts.map((p) => p.name);

describe('deploy of a whole-disk image', () => {
  it('boots the ramdisk, writes the image through the agent, boots the instance from disk', async () => {
    await setup();
    const res = await provision({ target: 'active', configdrive: CONFIGDRIVE });
    expect(res.statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('wait call-back');
    expect(node().targetProvisionState).toBe('active');
    expect(node().deployStep).toMatchObject({ interface: 'deploy', step: 'deploy', priority: 100 });
    expect(bmc.patches).toEqual([
      { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } },
    ]);
    expect(bmc.resets).toEqual(['On']);

    await agentBoots();
    expect(posted()).toEqual(['deploy.get_deploy_steps', 'deploy.execute_deploy_step']);
    const sent = agent.posts[1]!.params;
    expect(sent.deploy_version).toEqual({ generic_hardware_manager: '1.2' });
    expect(sent.node).toMatchObject({ uuid: node().uuid });
    // Ironic's wire format for the in-band write_image step.
    expect(sent.step).toEqual({
      interface: 'deploy',
      step: 'write_image',
      priority: 80,
      args: {
        image_info: {
          id: 'ubuntu-24.04.raw',
          urls: [IMAGE],
          disk_format: 'raw',
          container_format: null,
          stream_raw_images: true,
          checksum: SHA256,
          node_uuid: node().uuid,
          image_type: 'whole-disk',
        },
        configdrive: CONFIGDRIVE,
      },
    });
    expect(node().provisionState).toBe('wait call-back');
    expect(node().deployStep).toMatchObject({ step: 'write_image', args: {} });

    await heartbeat(); // still writing: only polled
    expect(agent.posts).toHaveLength(2);

    agent.finish();
    await heartbeat();
    // As Ironic's configure_local_boot: a whole-disk image booting UEFI gets its loaders
    // registered by the agent, which finds the ESP on the image itself.
    expect(posted().slice(2)).toEqual([
      'standby.get_partition_uuids',
      'image.install_bootloader',
      'standby.power_off',
    ]);
    expect(agent.posts[3]!.params).toEqual({
      root_uuid: '0x1a2b3c4d',
      efi_system_part_uuid: null,
      prep_boot_part_uuid: null,
      target_boot_mode: 'uefi',
    });
    const done = node();
    expect(done.provisionState).toBe('active');
    expect(done.targetProvisionState).toBeNull();
    expect(done.deployStep).toBeNull();
    expect(done.powerState).toBe('power on');
    expect(done.driverInternalInfo).toMatchObject({
      is_whole_disk_image: true,
      root_uuid_or_disk_id: '0x1a2b3c4d',
    });
    expect(done.driverInternalInfo.deploy_steps).toBeUndefined();
    // The agent powered itself off; out of band only the instance boot, from disk for good.
    expect(bmc.resets).toEqual(['On', 'On']);
    expect(bmc.patches.at(-1)).toEqual({
      Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' },
    });
    expect(transitions()).toEqual([
      'available -deploy-> deploying',
      'deploying -wait-> wait call-back',
      'wait call-back -resume-> deploying',
      'deploying -wait-> wait call-back',
      'wait call-back -resume-> deploying',
      'deploying -done-> active',
    ]);
    const finished = h.nodes.events('d1').filter((e) => e.type === 'deploy.step_finished');
    expect(finished.map((e) => e.data.step)).toEqual([
      'deploy.write_image',
      'deploy.prepare_instance_boot',
      'deploy.tear_down_agent',
      'deploy.switch_to_tenant_network',
      'deploy.boot_instance',
    ]);
    // The config drive is kept for a rebuild but never shown.
    const shown = await h.api.inject({ method: 'GET', url: '/v1/nodes/d1', headers: V('1.96') });
    expect(shown.json<{ instance_info: Record<string, unknown> }>().instance_info).toMatchObject({
      configdrive: '******',
      image_url: IMAGE,
    });
  });

  it('BIOS boot: no bootloader for a whole-disk image, which brings its own', async () => {
    await setup({ properties: { capabilities: 'boot_mode:bios' } });
    await provision({ target: 'active' });
    await settle();
    agent.script.write_image = 'succeed';
    await agentBoots();
    await heartbeat();
    expect(node().provisionState).toBe('active');
    expect(posted().slice(2)).toEqual(['standby.get_partition_uuids', 'standby.power_off']);
  });

  it('a machine that never powers off fails tear_down_agent with Ironic wording', async () => {
    await setup();
    agent.onPowerOff = null;
    await provision({ target: 'active' });
    await settle();
    agent.script.write_image = 'succeed';
    await agentBoots();
    bmc.ignoreResets = true;
    await heartbeat();
    const n = node();
    expect(n.provisionState).toBe('deploy failed');
    expect(n.lastError).toMatch(
      new RegExp(
        `^Deploy step deploy\\.tear_down_agent failed: Error rebooting node ${n.uuid} after deploy\\. \\w+: `,
      ),
    );
  });

  it('powers off out of band when the agent does not', async () => {
    await setup();
    agent.onPowerOff = null;
    await provision({ target: 'active' });
    await settle();
    agent.script.write_image = 'succeed';
    await agentBoots();
    await heartbeat();
    expect(node().provisionState).toBe('active');
    expect(bmc.resets).toEqual(['On', 'ForceOff', 'On']);
  });

  it('fails to deploy failed with last_error when write_image fails, then undeploys', async () => {
    await setup();
    await provision({ target: 'active' });
    await settle();
    await agentBoots();
    agent.finish('FAILED');
    await heartbeat();
    let n = node();
    expect(n.provisionState).toBe('deploy failed');
    expect(n.targetProvisionState).toBe('active');
    expect(n.lastError).toBe(
      `Deploy step deploy.write_image failed on node ${n.uuid}. disk on fire`,
    );
    expect(n.maintenance).toBe(false);
    expect(n.deployStep).toBeNull();
    expect(n.driverInternalInfo.deploy_steps).toBeUndefined();

    // undeploy: deleting → power off → automated cleaning → available, instance forgotten.
    agent.steps = [];
    expect((await provision({ target: 'undeploy' })).statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('clean wait');
    expect(node().instanceInfo).toEqual({});
    await agentBoots();
    n = node();
    expect(n.provisionState).toBe('available');
    expect(transitions().slice(-5)).toEqual([
      'deploy failed -delete-> deleting',
      'deleting -clean-> cleaning',
      'cleaning -wait-> clean wait',
      'clean wait -resume-> cleaning',
      'cleaning -done-> available',
    ]);
  });

  it('fails when the ramdisk never calls back (deploy_callback_timeout)', async () => {
    await setup();
    await provision({ target: 'active' });
    await settle();
    const t = new ProvisionTimeouts(h.nodes, h.cleaning, h.clock, silentLogger(), {}, h.deploying);
    t.start();
    await h.clock.advance(1_740_000);
    expect(node().provisionState).toBe('wait call-back');
    await h.clock.advance(120_000);
    expect(node().provisionState).toBe('deploy failed');
    expect(node().lastError).toBe(
      `Timeout reached while waiting for callback for node ${node().uuid}`,
    );
    expect(node().deployStep).toBeNull();
    t.stop();
  });

  it('abort waits for the running write_image, and is immediate before the agent is up', async () => {
    await setup();
    await provision({ target: 'active' });
    await settle();
    await agentBoots();
    expect((await provision({ target: 'abort' })).statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('wait call-back');
    expect(node().deployStep).toMatchObject({ step: 'write_image', abort_after: true });
    agent.finish();
    await heartbeat();
    expect(node().provisionState).toBe('deploy failed');
    expect(node().lastError).toBe(
      'By request, the deploy operation was aborted during or after the completion of step "deploy.write_image"',
    );

    // Again from deploy failed; abort while the ramdisk boots.
    expect((await provision({ target: 'active' })).statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('wait call-back');
    await provision({ target: 'abort' });
    await settle();
    expect(node().provisionState).toBe('deploy failed');
    expect(transitions().at(-1)).toBe('wait call-back -abort-> deploy failed');
  });
});

describe('deploy of a partition image with fast track', () => {
  const partition = {
    image_source: 'https://images.test/centos.qcow2',
    image_os_hash_algo: 'sha512',
    image_os_hash_value: 'b'.repeat(128),
    image_disk_format: 'qcow2',
    kernel: 'https://images.test/vmlinuz',
    ramdisk: 'https://images.test/initrd',
    root_gb: 20,
  };

  it('uses the live agent, runs its enabled steps, writes, installs the bootloader', async () => {
    await setup({
      fastTrack: true,
      instanceInfo: partition,
      properties: { capabilities: 'boot_mode:uefi,disk_label:gpt' },
    });
    agent.deploySteps = [
      { interface: 'deploy', step: 'write_image', priority: 0 },
      { interface: 'raid', step: 'apply_configuration', priority: 90 },
    ];
    agent.partitionUuids = {
      'root uuid': 'ROOT-UUID',
      'efi system partition uuid': 'ESP-UUID',
      partitions: {},
    };
    await agentBoots(); // record-only in available
    await provision({ target: 'active' });
    await settle();
    expect(bmc.resets).toEqual([]); // no reboot: fast track
    expect(posted()).toEqual(['deploy.get_deploy_steps', 'deploy.execute_deploy_step']);
    expect(agent.posts[1]!.params.step).toMatchObject({
      interface: 'raid',
      step: 'apply_configuration',
      priority: 90,
    });
    expect(node().driverInternalInfo.agent_cached_deploy_steps).toMatchObject({
      raid: [{ step: 'apply_configuration' }],
      deploy: [{ step: 'write_image' }],
    });

    agent.finish();
    await heartbeat();
    const image = (agent.posts[2]!.params.step as { args: { image_info: Record<string, unknown> } })
      .args.image_info;
    expect(image).toEqual({
      id: 'centos.qcow2',
      urls: ['https://images.test/centos.qcow2'],
      disk_format: 'qcow2',
      container_format: null,
      stream_raw_images: true,
      os_hash_algo: 'sha512',
      os_hash_value: 'b'.repeat(128),
      node_uuid: node().uuid,
      image_type: 'partition',
      kernel: 'https://images.test/vmlinuz',
      ramdisk: 'https://images.test/initrd',
      root_gb: 20,
      root_mb: 20480,
      swap_mb: 0,
      ephemeral_mb: 0,
      ephemeral_format: null,
      configdrive: null,
      preserve_ephemeral: false,
      deploy_boot_mode: 'uefi',
      boot_option: 'local',
      disk_label: 'gpt',
    });

    agent.finish();
    await heartbeat();
    expect(posted().slice(3)).toEqual([
      'standby.get_partition_uuids',
      'image.install_bootloader',
      'standby.power_off',
    ]);
    expect(agent.posts[4]!.params).toEqual({
      root_uuid: 'ROOT-UUID',
      efi_system_part_uuid: 'ESP-UUID',
      prep_boot_part_uuid: null,
      target_boot_mode: 'uefi',
    });
    expect(node().provisionState).toBe('active');
    expect(node().driverInternalInfo).toMatchObject({
      is_whole_disk_image: false,
      root_uuid_or_disk_id: 'ROOT-UUID',
    });
  });

  it('a failed bootloader install fails the deploy', async () => {
    await setup({ fastTrack: true, instanceInfo: partition });
    agent.bootloader = 'fail';
    agent.script.write_image = 'succeed';
    await agentBoots();
    await provision({ target: 'active' });
    await settle();
    await heartbeat(); // write_image already succeeded: the next heartbeat moves on
    expect(node().provisionState).toBe('deploy failed');
    expect(node().lastError).toBe(
      `Deploy step deploy.prepare_instance_boot failed: Failed to install a bootloader when deploying node ${node().uuid}: efibootmgr failed`,
    );
  });
});

describe('config drive given as JSON (API 1.56)', () => {
  it('is kept as given and handed to write_image as a gzipped config-2 ISO', async () => {
    await setup({ fastTrack: true });
    await agentBoots();
    const res = await provision(
      {
        target: 'active',
        configdrive: {
          meta_data: { hostname: 'web-1' },
          user_data: { ignition: { version: '3.0.0' } },
          network_data: { links: [] },
          vendor_data: { x: 1 },
        },
      },
      '1.59',
    );
    expect(res.statusCode).toBe(202);
    await settle();
    expect(node().instanceInfo.configdrive).toEqual({
      meta_data: { hostname: 'web-1' },
      user_data: { ignition: { version: '3.0.0' } },
      network_data: { links: [] },
      vendor_data: { x: 1 },
    });
    const shown = await h.api.inject({ method: 'GET', url: '/v1/nodes/d1', headers: V('1.96') });
    expect(shown.json<{ instance_info: Record<string, unknown> }>().instance_info.configdrive).toBe(
      '******',
    );
    const args = (agent.posts[1]!.params.step as { args: { configdrive: string } }).args;
    const iso = gunzipSync(Buffer.from(args.configdrive, 'base64'));
    expect(iso.subarray(32769, 32774).toString('latin1')).toBe('CD001');
    expect(iso.subarray(32808, 32840).toString('latin1').trimEnd()).toBe('config-2');
    // Ironic's defaults: the node's uuid and name join meta_data; user_data JSON is dumped.
    const text = iso.toString('latin1');
    expect(text).toContain(JSON.stringify({ hostname: 'web-1', uuid: node().uuid, name: 'd1' }));
    expect(text).toContain(JSON.stringify({ ignition: { version: '3.0.0' } }));
    for (const name of ['meta_data.json', 'network_data.json', 'vendor_data2.json', 'user_data']) {
      expect(text).toContain(name);
    }
  });
});

describe('deploy steps, hold and undeploy', () => {
  it('a user hold step parks the deploy in deploy hold until unhold', async () => {
    await setup({ fastTrack: true });
    await agentBoots();
    const res = await provision({
      target: 'active',
      deploy_steps: [{ interface: 'deploy', step: 'hold', priority: 85 }],
    });
    expect(res.statusCode).toBe(202);
    await settle();
    expect(node().provisionState).toBe('deploy hold');
    expect(posted()).toEqual(['deploy.get_deploy_steps']);
    await provision({ target: 'unhold' });
    await settle();
    expect(node().provisionState).toBe('wait call-back');
    expect(node().deployStep).toMatchObject({ step: 'write_image' });
    expect(posted().at(-1)).toBe('deploy.execute_deploy_step');
  });

  it('a user step the agent does not offer fails the deploy once the agent reports', async () => {
    await setup({ fastTrack: true });
    await agentBoots();
    await provision({
      target: 'active',
      deploy_steps: [{ interface: 'bios', step: 'apply_configuration', priority: 70 }],
    });
    await settle();
    expect(node().provisionState).toBe('deploy failed');
    expect(node().lastError).toContain(
      'node does not support these deploy steps: bios.apply_configuration',
    );
  });

  it('undeploy of an active node powers it off, forgets the instance and cleans', async () => {
    await setup({ state: 'active', automatedClean: false });
    h.nodes.update(node().uuid, 'test', {
      powerState: 'power on',
      driverInternalInfo: { is_whole_disk_image: true, root_uuid_or_disk_id: '0x1' },
    });
    bmc.power = 'On';
    expect((await provision({ target: 'deleted' })).statusCode).toBe(202);
    await settle();
    const n = node();
    expect(n.provisionState).toBe('available');
    expect(n.powerState).toBe('power off');
    expect(n.instanceInfo).toEqual({});
    expect(n.driverInternalInfo.root_uuid_or_disk_id).toBeUndefined();
    expect(bmc.resets).toEqual(['ForceOff']);
    expect(transitions()).toEqual([
      'active -delete-> deleting',
      'deleting -clean-> cleaning',
      'cleaning -done-> available',
    ]);
  });
});

describe('deploy request validation', () => {
  const expect400 = async (body: Record<string, unknown>, text: string, version = '1.96') => {
    const res = await provision(body, version);
    expect(res.statusCode).toBe(400);
    expect(faultOf(res.body).faultstring).toContain(text);
    expect(node().provisionState).toBe('available');
  };

  it('refuses requests Ironic refuses, and leaves the node alone', async () => {
    await setup({ instanceInfo: {} });
    await expect400({ target: 'active' }, "Missing are: ['instance_info.image_source']");
    h.nodes.update(node().uuid, 't', { instanceInfo: { image_source: 'glance://abc' } });
    await expect400({ target: 'active' }, 'must be an http(s) URL');
    h.nodes.update(node().uuid, 't', { instanceInfo: { image_source: IMAGE } });
    await expect400(
      { target: 'active' },
      'image_checksum or image_os_hash_algo and image_os_hash_value must be provided',
    );
    h.nodes.update(node().uuid, 't', {
      instanceInfo: { image_source: IMAGE, image_os_hash_algo: 'crc32', image_os_hash_value: 'x' },
    });
    await expect400({ target: 'active' }, 'Unsupported image_os_hash_algo "crc32"');
    h.nodes.update(node().uuid, 't', {
      instanceInfo: { image_source: IMAGE, image_checksum: SHA256, image_type: 'partition' },
    });
    await expect400({ target: 'active' }, 'Invalid parameter root_gb for partition image');
    h.nodes.update(node().uuid, 't', {
      instanceInfo: { image_source: IMAGE, image_checksum: SHA256, root_device: { colour: 'red' } },
    });
    await expect400({ target: 'active' }, 'No such root device hint "colour"');
    h.nodes.update(node().uuid, 't', {
      instanceInfo: { image_source: IMAGE, image_checksum: SHA256, root_device: { size: -1 } },
    });
    await expect400({ target: 'active' }, 'Root device hint "size" is not a positive integer');
    h.nodes.update(node().uuid, 't', {
      instanceInfo: { image_source: IMAGE, image_checksum: SHA256 },
    });
    await expect400(
      { target: 'active', configdrive: { meta_data: {} } },
      'Providing a JSON object for configdrive is only supported starting with API version 1.56',
      '1.55',
    );
    await expect400(
      { target: 'active', configdrive: { vendor_data: { a: 1 } } },
      'Providing vendor_data in configdrive is only supported starting with API version 1.59',
      '1.58',
    );
    await expect400(
      { target: 'active', configdrive: { metadata: {} } },
      'Invalid configdrive format:',
    );
    await expect400(
      { target: 'active', configdrive: { meta_data: 'x' } },
      'Invalid configdrive format:',
    );
    await expect400(
      { target: 'active', configdrive: '{"meta_data": {}}' },
      'Invalid configdrive format: it is neither a JSON, nor a URL, nor a base64 string',
    );
    await expect400(
      { target: 'active', deploy_steps: [{ interface: 'deploy', step: 'deploy', priority: 50 }] },
      'is a core step and cannot be overridden',
    );
    await expect400(
      { target: 'provide', configdrive: CONFIGDRIVE },
      'Adding a config drive is only supported when setting provision state to active, rebuild',
    );
    const old = await provision({ target: 'deploy' }, '1.72');
    expect(old.statusCode).toBe(406);
    h.nodes.update(node().uuid, 't', { maintenance: true });
    await expect400({ target: 'active' }, "because it's in maintenance mode");
    h.nodes.update(node().uuid, 't', { maintenance: false, provisionState: 'manageable' });
    const wrong = await provision({ target: 'active' });
    expect(wrong.statusCode).toBe(400);
    expect(faultOf(wrong.body).faultstring).toContain('while it is in state "manageable"');
  });
});
