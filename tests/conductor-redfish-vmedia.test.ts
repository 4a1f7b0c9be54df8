import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conductor, type NodeView } from '../conductor';
import { RedfishDispatchers } from '../conductor/bmc/redfish-client';
import { RedfishPower } from '../conductor/bmc/redfish-power';
import type { NodeRow } from '../conductor/db/schema';
import { ScaledClock, systemClock } from '../lib';
import { Fleet } from '../simulator';

const ISO = 'http://images.lab.example/ironic-python-agent.iso';

// Ironic's redfish-virtual-media boot interface against the simulator: booting the ramdisk
// inserts the deploy ISO into the BMC's virtual CD and boots from it once; the machine boots the
// agent from that CD, which inspects it; booting the instance from disk ejects the ISO.
describe('conductor redfish-virtual-media boot ↔ simulator', () => {
  let dataDir: string;
  let conductor: Conductor;
  let fleet: Fleet;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'conductor-vmedia-'));
    conductor = new Conductor({
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      powerSyncIntervalMs: 3_600_000,
      // Ironic's default: the ramdisk is torn down (and its ISO ejected) after each operation.
      fastTrack: false,
    });
    await conductor.start();
    fleet = new Fleet({
      apiUrl: conductor.apiUrl,
      redfish: { host: '127.0.0.1', port: 0 },
      clock: new ScaledClock(200),
    });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await conductor?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function waitForNode(uuid: string, predicate: (n: NodeView) => boolean) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const node = conductor.getNode(uuid)!;
      if (predicate(node)) return node;
      if (Date.now() > deadline) throw new Error(`condition not reached: ${JSON.stringify(node)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  function enroll(name: string, iso: string | undefined) {
    // PXE stays the machine's own boot order: only the virtual CD can bring the agent up.
    const machine = fleet.addMachine({ profile: 'compute-nvme', name, bootDevice: 'Hdd' });
    const enrollment = fleet.enrollment(machine.id);
    const node = conductor.createNode({
      ...enrollment,
      boot_interface: 'redfish-virtual-media',
      driver_info: { ...enrollment.driver_info, ...(iso ? { redfish_deploy_iso: iso } : {}) },
      provision_state: 'manageable',
    });
    return { machine, node };
  }

  it('inspects a machine whose agent boots from the inserted deploy ISO', async () => {
    const { machine, node } = enroll('vmedia-0', ISO);
    expect(node.boot_interface).toBe('redfish-virtual-media');
    const sim = fleet.machine(machine.id)!;
    sim.insertMedia('Cd', 'http://stale.example/old.iso');

    conductor.setProvisionState(node.uuid, 'inspect');
    const inspected = await waitForNode(
      node.uuid,
      (n) => n.provision_state !== 'inspecting' && n.provision_state !== 'inspect wait',
    );
    expect(inspected.provision_state).toBe('manageable');
    expect(inspected.last_error).toBeNull();
    expect(fleet.serial(machine.id).tail()).toContain(`Booting from virtual CD (${ISO})...`);
    expect(
      conductor
        .getInventory(node.uuid)
        ?.interfaces.map((i) => i.mac_address)
        .sort(),
    ).toEqual([...machine.macs].sort());

    // Booting the instance from disk takes the ISO out, as Ironic's prepare_instance does.
    await conductor.setBootDevice(node.uuid, 'disk', true);
    expect(sim.mediaSlot('Cd')).toMatchObject({ inserted: false, image: null });
    expect(sim.bootOverride).toMatchObject({ target: 'Hdd', enabled: 'Continuous' });
  });

  it('cleans through the deploy ISO, boots it again for a reserved reboot, and ejects it at the end', async () => {
    const { machine, node } = enroll('vmedia-clean', ISO);
    const sim = fleet.machine(machine.id)!;
    conductor.setProvisionState(node.uuid, 'clean', {
      clean_steps: [
        { interface: 'deploy', step: 'erase_devices_metadata' },
        { interface: 'power', step: 'reboot' },
        { interface: 'deploy', step: 'erase_devices_metadata' },
      ],
    });
    const cleaned = await waitForNode(
      node.uuid,
      (n) => n.provision_state !== 'cleaning' && n.provision_state !== 'clean wait',
    );
    expect(cleaned).toMatchObject({ provision_state: 'manageable', last_error: null });
    // Two ramdisk boots from the CD: the first, and the one after the reserved reboot.
    const boots = fleet.serial(machine.id).tail().split(`Booting from virtual CD (${ISO})...`);
    expect(boots.length - 1).toBe(2);
    expect(sim.mediaSlot('Cd')).toMatchObject({ inserted: false, image: null });
    expect(cleaned.power_state).toBe('power off');
  });

  it('prepares and cleans up the ramdisk boot through the driver', async () => {
    const { machine, node } = enroll('vmedia-1', ISO);
    const sim = fleet.machine(machine.id)!;
    const dispatchers = new RedfishDispatchers(2);
    try {
      const driver = new RedfishPower({ clock: systemClock, dispatchers });
      const row = {
        uuid: node.uuid,
        driver: 'redfish',
        bootInterface: 'redfish-virtual-media',
        driverInfo: { ...fleet.enrollment(machine.id).driver_info, deploy_iso: ISO },
        driverInternalInfo: {},
        instanceInfo: {},
        properties: { capabilities: 'boot_mode:uefi' },
      } as unknown as NodeRow;
      await driver.prepareRamdiskBoot(row);
      expect(sim.mediaSlot('Cd')).toMatchObject({ inserted: true, image: ISO });
      expect(sim.bootOverride).toMatchObject({ target: 'Cd', enabled: 'Once' });
      expect(sim.bootMode).toBe('UEFI');
      expect(await driver.getBootDevice(row)).toEqual({ boot_device: 'cdrom', persistent: false });
      await driver.cleanUpRamdisk(row);
      expect(sim.mediaSlot('Cd')).toMatchObject({ inserted: false, image: null });
    } finally {
      await dispatchers.close();
    }
  });

  it('refuses a virtual-media boot without a deploy ISO, readably', async () => {
    const { node } = enroll('vmedia-2', undefined);
    conductor.setProvisionState(node.uuid, 'inspect');
    const failed = await waitForNode(node.uuid, (n) => n.provision_state === 'inspect failed');
    expect(failed.last_error).toContain(
      'The following required driver_info properties are missing for node',
    );
    expect(failed.last_error).toContain('redfish_deploy_iso (or deploy_iso)');
  });

  it('refuses a boot interface the hardware type does not support', () => {
    const machine = fleet.addMachine({ profile: 'compute-nvme', name: 'vmedia-3' });
    expect(() =>
      conductor.createNode({
        ...fleet.enrollment(machine.id),
        driver: 'ipmi',
        boot_interface: 'redfish-virtual-media',
      }),
    ).toThrow(
      "boot interface implementation 'redfish-virtual-media' is not supported by hardware type ipmi.",
    );
  });
});
