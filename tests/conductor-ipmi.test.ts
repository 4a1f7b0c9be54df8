import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conductor, type NodeView } from '../conductor';
import { IpmiPower } from '../conductor/bmc/ipmi-power';
import type { NodeRow } from '../conductor/db/schema';
import { ScaledClock, systemClock } from '../lib';
import { Fleet } from '../simulator';

const run = promisify(execFile);

// Our conductor drives simulated machines through their IPMI-over-LAN BMCs (RMCP+, cipher
// suite 3) with the `ipmi` hardware type: power, boot device, the periodic power sync.
describe('conductor ipmi driver ↔ simulator IPMI BMC', () => {
  let dataDir: string;
  let conductor: Conductor;
  let fleet: Fleet;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'conductor-ipmi-'));
    conductor = new Conductor({
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      powerSyncIntervalMs: 150,
      // Record what the BMC says rather than forcing it back, so the sync's reading shows.
      forcePowerStateDuringSync: false,
    });
    await conductor.start();
    fleet = new Fleet({
      apiUrl: conductor.apiUrl,
      redfish: { host: '127.0.0.1', port: 0 },
      ipmi: { host: '127.0.0.1', basePort: 0 },
      // 20×, not faster: the BMC times half-open handshakes out after 10 simulated seconds.
      clock: new ScaledClock(20),
    });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await conductor?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function enroll(name: string, password?: string) {
    // Booting from the disk keeps the agent out of this test: it is about the BMC.
    const machine = fleet.addMachine({ profile: 'compute-nvme', name, bootDevice: 'Hdd' });
    const access = (await fleet.ipmi(machine.id))!;
    const { properties, ports } = fleet.enrollment(machine.id);
    const node = conductor.createNode({
      name,
      driver: 'ipmi',
      driver_info: {
        ipmi_address: access.host,
        ipmi_port: String(access.port),
        ipmi_username: access.username,
        ipmi_password: password ?? access.password,
        ipmi_priv_level: 'ADMINISTRATOR',
      },
      properties,
      ports,
      provision_state: 'manageable',
    });
    return { machine, node };
  }

  async function waitForNode(uuid: string, predicate: (n: NodeView) => boolean, ms = 10_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const node = conductor.getNode(uuid)!;
      if (predicate(node)) return node;
      if (Date.now() > deadline) throw new Error(`condition not reached: ${JSON.stringify(node)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('powers a machine on and off, reboots it, and never shows the password', async () => {
    const { machine, node } = await enroll('ipmi-0');
    expect(node.driver_info.ipmi_password).toBe('******');
    expect(node.driver_info.ipmi_username).toBe('admin');

    const on = await conductor.setPowerState(node.uuid, 'power on');
    expect(on.power_state).toBe('power on');
    expect(on.last_error).toBeNull();
    expect(fleet.get(machine.id)?.power).toBe('On');

    const off = await conductor.setPowerState(node.uuid, 'power off');
    expect(off.power_state).toBe('power off');
    expect(fleet.get(machine.id)?.power).toBe('Off');

    await conductor.setPowerState(node.uuid, 'power on');
    let offSeen = false;
    const unsubscribe = fleet.onChange((m) => {
      if (m.id === machine.id && m.power === 'Off') offSeen = true;
    });
    const rebooted = await conductor.setPowerState(node.uuid, 'rebooting');
    unsubscribe();
    expect(rebooted.power_state).toBe('power on');
    expect(offSeen).toBe(true);
    expect(fleet.get(machine.id)?.power).toBe('On');
  });

  it('sets one-time and persistent boot devices with the EFI bit from the boot mode', async () => {
    const { machine, node } = await enroll('ipmi-1');
    const sim = fleet.machine(machine.id)!;
    await conductor.setBootDevice(node.uuid, 'pxe');
    expect(sim.bootOverride).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    expect(sim.bootMode).toBe(machine.bootMode === 'UEFI' ? 'UEFI' : 'Legacy');
    await conductor.setBootDevice(node.uuid, 'disk', true);
    expect(sim.bootOverride).toMatchObject({ target: 'Hdd', enabled: 'Continuous' });
    await conductor.setBootDevice(node.uuid, 'cdrom');
    expect(sim.bootOverride).toMatchObject({ target: 'Cd', enabled: 'Once' });
    await conductor.setBootDevice(node.uuid, 'bios');
    expect(sim.bootOverride).toMatchObject({ target: 'BiosSetup', enabled: 'Once' });
  });

  it('the power sync reads the state through IPMI when it changes behind the conductor', async () => {
    const { machine, node } = await enroll('ipmi-2');
    await conductor.setPowerState(node.uuid, 'power on');
    await fleet.powerOff(machine.id);
    const synced = await waitForNode(node.uuid, (n) => n.power_state === 'power off');
    expect(synced.maintenance).toBe(false);
    await fleet.powerOn(machine.id);
    await waitForNode(node.uuid, (n) => n.power_state === 'power on');
  });

  it('the baremetal CLI enrolls an ipmi node, powers it and sets and shows its boot device', async () => {
    const machine = fleet.addMachine({
      profile: 'compute-nvme',
      name: 'ipmi-cli',
      bootDevice: 'Hdd',
    });
    const access = (await fleet.ipmi(machine.id))!;
    const env = {
      ...process.env,
      OS_ENDPOINT: conductor.apiUrl,
      OS_AUTH_TYPE: 'none',
      OS_BAREMETAL_API_VERSION: 'latest',
    };
    const baremetal = async (...args: string[]) =>
      (await run('baremetal', args, { env, timeout: 60_000 })).stdout;
    const created = JSON.parse(
      await baremetal(
        'node',
        'create',
        '--driver',
        'ipmi',
        '--name',
        'ipmi-cli',
        '--driver-info',
        `ipmi_address=${access.host}`,
        '--driver-info',
        `ipmi_port=${access.port}`,
        '--driver-info',
        `ipmi_username=${access.username}`,
        '--driver-info',
        `ipmi_password=${access.password}`,
        '-f',
        'json',
      ),
    ) as { driver_info: Record<string, unknown>; power_interface: string; boot_interface: string };
    expect(created.driver_info.ipmi_password).toBe('******');
    expect(created.power_interface).toBe('ipmitool');
    expect(created.boot_interface).toBe('ipxe');
    await baremetal('node', 'power', 'on', 'ipmi-cli');
    await waitForNode(
      'ipmi-cli',
      (n) => n.power_state === 'power on' && n.target_power_state === null,
    );
    expect(fleet.get(machine.id)?.power).toBe('On');
    await baremetal('node', 'boot', 'device', 'set', 'ipmi-cli', 'pxe', '--persistent');
    expect(fleet.machine(machine.id)!.bootOverride).toMatchObject({
      target: 'Pxe',
      enabled: 'Continuous',
    });
    const shown = JSON.parse(
      await baremetal('node', 'boot', 'device', 'show', 'ipmi-cli', '-f', 'json'),
    ) as unknown;
    expect(shown).toEqual({ boot_device: 'pxe', persistent: true });
  });

  it('boots the agent for inspection through IPMI: one-time PXE, then power on', async () => {
    const { machine, node } = await enroll('ipmi-5');
    conductor.setProvisionState(node.uuid, 'inspect');
    const inspected = await waitForNode(
      node.uuid,
      (n) => n.provision_state !== 'inspecting' && n.provision_state !== 'inspect wait',
      20_000,
    );
    expect(inspected.provision_state).toBe('manageable');
    expect(inspected.power_state).toBe('power on');
    expect(fleet.serial(machine.id).tail()).toContain('Booting from PXE');
    expect(conductor.getInventory(node.uuid)?.cpu.count).toBe(machine.cpus);
  });

  it('queues concurrent operations on one BMC instead of exhausting its sessions', async () => {
    const { machine } = await enroll('ipmi-4');
    const access = (await fleet.ipmi(machine.id))!;
    const row = {
      uuid: 'ipmi-4',
      driverInfo: {
        ipmi_address: access.host,
        ipmi_port: access.port,
        ipmi_username: access.username,
        ipmi_password: access.password,
      },
    } as unknown as NodeRow;
    const driver = new IpmiPower({ clock: systemClock });
    // The simulated BMC, like many real ones, holds at most 16 sessions at once.
    const states = await Promise.all(Array.from({ length: 40 }, () => driver.getPowerState(row)));
    expect(states).toEqual(Array(40).fill('power off'));
  });

  it('a wrong password ends in a readable last_error', async () => {
    const { machine, node } = await enroll('ipmi-3', 'not-the-password');
    await expect(conductor.setPowerState(node.uuid, 'power on')).rejects.toThrow(
      /wrong password for user 'admin'/,
    );
    const failed = conductor.getNode(node.uuid)!;
    expect(failed.last_error).toMatch(
      /^Failed to change power state to 'power on' by 'power on'\. Error: IPMI authentication with the BMC at 127\.0\.0\.1:\d+ failed: wrong password for user 'admin'$/,
    );
    expect(fleet.get(machine.id)?.power).toBe('Off');
  });
});
