import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  InteropLab,
  type LabMachine,
  agentCommandsSent,
  bootableRawImage,
  commandStatusPolls,
  executedSteps,
  provisionTransitions,
} from '../interop';
import { AGENT_VERSION } from '../agent';
import { compareApiVersions } from '../protocol';
import type { Machine } from '../simulator';

// A real OpenStack Ironic (Debian's python3-ironic, 21.4) on loopback drives simulated
// machines through their BMCs (Redfish, IPMI), and our agent in their ramdisks, with Ironic's
// own `baremetal` CLI. Nothing of ours stands in for Ironic: it powers the machines, waits for
// the agent's lookup and heartbeats, fetches the clean steps and polls them to the end.
//
// Simulated time runs 20× faster than the wall clock (boots, erases, heartbeats); the real
// Ironic keeps wall-clock time, so every wait here is a real one, bounded.

const GiB = 1024 ** 3;
const TENANT = Buffer.from('previous tenant data: must not survive cleaning');

let lab: InteropLab;
/** The Redfish machine once cleaned to available; the deploy test takes it from there. */
let cleanedRedfish: LabMachine | undefined;

beforeAll(async () => {
  lab = new InteropLab({ speed: 20 });
  await lab.start();
}, 120_000);

afterAll(async () => {
  await lab?.stop();
}, 60_000);

/** On failure, the end of Ironic's log says why better than any assertion. */
function reportIronicLogOnFailure(): void {
  onTestFailed(() => {
    lab.ironic.keepForPostMortem();
    process.stderr.write(
      `--- real Ironic log (${lab.ironic.layout.log}) ---\n${lab.ironic.logTail(60)}\n`,
    );
  });
}

/** Leaves data where a previous tenant would: partition tables at both ends, and the middle. */
function plantTenantData(machine: Machine): number[] {
  const disk = machine.disks[0]!.data;
  const offsets = [512, 10 * GiB, disk.sizeBytes - 4096];
  for (const offset of offsets) disk.write(offset, TENANT);
  return offsets;
}

function serialOf(m: LabMachine): string {
  return lab.fleet.serial(m.machine.id).tail();
}

describe('a real Ironic drives our agent on simulated machines', () => {
  it('speaks an Ironic API older than the token-on-GET change, so the compatible path is the one tested', async () => {
    expect(lab.ironic.version).toMatch(/^\d+\.\d+\.\d+/);
    const max = await lab.api.maxVersion();
    expect(compareApiVersions(max, '1.68')).toBeGreaterThanOrEqual(0); // auto TLS
    expect(compareApiVersions(max, '1.96')).toBeLessThan(0);
  });

  it('cleans a Redfish machine and an IPMI machine to available with `baremetal node manage/provide --wait`', async () => {
    reportIronicLogOnFailure();
    const redfish = await lab.addMachine('small-vm', 'interop-redfish', 'redfish');
    const ipmi = await lab.addMachine('small-vm', 'interop-ipmi', 'ipmi');
    const planted = new Map<LabMachine, number[]>();
    for (const m of [redfish, ipmi]) {
      planted.set(m, plantTenantData(lab.fleet.machine(m.machine.id)!));
    }

    // Both nodes through the real CLI at once, as an operator would.
    await Promise.all(
      [redfish, ipmi].map(async (m) => {
        await lab.baremetalOk('node', 'manage', m.node.uuid, '--wait', '120');
        await lab.baremetalOk('node', 'provide', m.node.uuid, '--wait', '180');
      }),
    );

    const log = lab.ironic.readLog();
    for (const m of [redfish, ipmi]) {
      const node = await lab.api.node(m.node.uuid);
      expect(node).toMatchObject({
        provision_state: 'available',
        target_provision_state: null,
        power_state: 'power off',
        last_error: null,
        maintenance: false,
      });
      expect(node.power_interface).toBe(m === redfish ? 'redfish' : 'ipmitool');
      expect(lab.fleet.get(m.machine.id)?.power).toBe('Off');

      // Ironic's own record: verify, boot the ramdisk, one step per heartbeat-driven round.
      expect(provisionTransitions(log, m.node.uuid)).toEqual([
        { from: 'enroll', to: 'verifying', target: 'manageable' },
        { from: 'verifying', to: 'manageable', target: null },
        { from: 'manageable', to: 'cleaning', target: 'available' },
        { from: 'cleaning', to: 'clean wait', target: 'available' },
        { from: 'clean wait', to: 'cleaning', target: 'available' },
        { from: 'cleaning', to: 'clean wait', target: 'available' },
        { from: 'clean wait', to: 'cleaning', target: 'available' },
        { from: 'cleaning', to: 'clean wait', target: 'available' },
        { from: 'clean wait', to: 'cleaning', target: 'available' },
        { from: 'cleaning', to: 'available', target: null },
      ]);
      // The steps our agent offered, in Ironic's priority order (metadata 99, then full 10).
      expect(executedSteps(log, m.node.uuid)).toEqual([
        { kind: 'clean', interface: 'deploy', step: 'erase_devices_metadata' },
        { kind: 'clean', interface: 'deploy', step: 'erase_devices' },
      ]);
      expect(agentCommandsSent(log, m.node.uuid)).toEqual([
        'clean.get_clean_steps',
        'clean.execute_clean_step',
        'clean.execute_clean_step',
      ]);
      // Ironic 21.4 polls `GET /v1/commands/` without the agent token; the agent answered.
      expect(commandStatusPolls(log, m.node.uuid)).toBeGreaterThanOrEqual(2);

      // The agent's side, from the machine's serial console.
      const serial = serialOf(m);
      expect(serial).toContain(`lookup succeeded, node ${m.node.uuid}`);
      expect(serial).toMatch(/executing clean step .*step=erase_devices_metadata/);
      expect(serial).toMatch(/executing clean step .*step=erase_devices /);
      expect(serial.match(/async command succeeded .*command=execute_clean_step/g)).toHaveLength(2);
      expect(serial).toMatch(/GET \/v1\/commands\/ - 200/);
      expect(serial).not.toMatch(/async command failed/);

      // What cleaning did to the disk: the old tenant's bytes are gone, the disk reads zeros.
      const disk = lab.fleet.machine(m.machine.id)!.disks[0]!.data;
      for (const offset of planted.get(m)!) {
        expect(
          Buffer.from(disk.read(offset, TENANT.length)).equals(Buffer.alloc(TENANT.length)),
        ).toBe(true);
      }
      expect(disk.extents()).toEqual([]);
      expect(disk.stats().bytesWritten).toBeGreaterThanOrEqual(disk.sizeBytes);
    }

    // Token and callback URL are wiped at the end of cleaning, as Ironic does without fast track.
    const after = await lab.api.node(redfish.node.uuid);
    expect(after.driver_internal_info).not.toHaveProperty('agent_url');
    expect(after.driver_internal_info.agent_version).toBe(AGENT_VERSION);
    cleanedRedfish = redfish;
  }, 280_000);

  it('deploys a raw whole-disk image with `direct` to active, boots it, and undeploys to available', async () => {
    reportIronicLogOnFailure();
    expect(cleanedRedfish, 'the cleaning test leaves an available Redfish node').toBeDefined();
    const m = cleanedRedfish!;
    const uuid = m.node.uuid;
    let serial = '';
    const unsubscribe = lab.fleet.serial(m.machine.id).subscribe((chunk) => (serial += chunk));
    try {
      const image = bootableRawImage();
      writeFileSync(join(lab.ironic.layout.httpRoot, 'interop-root.raw'), image);
      const sha256 = createHash('sha256').update(image).digest('hex');
      const url = `${lab.ironic.http.url}/interop-root.raw`;
      await lab.baremetalOk(
        'node',
        'set',
        uuid,
        '--instance-info',
        `image_source=${url}`,
        '--instance-info',
        'image_os_hash_algo=sha256',
        '--instance-info',
        `image_os_hash_value=${sha256}`,
      );
      const logBefore = lab.ironic.readLog();
      const transitionsBefore = provisionTransitions(logBefore, uuid).length;
      const stepsBefore = executedSteps(logBefore, uuid).length;
      const commandsBefore = agentCommandsSent(logBefore, uuid).length;

      await lab.baremetalOk('node', 'deploy', uuid, '--wait', '180');

      const deployed = await lab.api.node(uuid);
      expect(deployed).toMatchObject({
        provision_state: 'active',
        power_state: 'power on',
        last_error: null,
      });
      expect(deployed.instance_info.image_type).toBe('whole-disk');
      let log = lab.ironic.readLog();
      expect(provisionTransitions(log, uuid).slice(transitionsBefore)).toEqual([
        { from: 'available', to: 'deploying', target: 'active' },
        { from: 'deploying', to: 'wait call-back', target: 'active' },
        { from: 'wait call-back', to: 'deploying', target: 'active' },
        { from: 'deploying', to: 'wait call-back', target: 'active' },
        { from: 'wait call-back', to: 'deploying', target: 'active' },
        { from: 'deploying', to: 'active', target: null },
      ]);
      // The direct deploy interface's steps by priority; write_image is the agent's in-band one.
      expect(
        executedSteps(log, uuid)
          .slice(stepsBefore)
          .map((s) => s.step),
      ).toEqual([
        'deploy',
        'write_image',
        'prepare_instance_boot',
        'tear_down_agent',
        'switch_to_tenant_network',
        'boot_instance',
      ]);
      expect(agentCommandsSent(log, uuid).slice(commandsBefore)).toEqual([
        'deploy.get_deploy_steps',
        'deploy.execute_deploy_step',
        'standby.get_partition_uuids',
        'image.install_bootloader',
        'standby.power_off',
      ]);
      // The agent fetched the image from the conductor's HTTP server (Ironic only HEADs it).
      expect(lab.ironic.http.log).toContain('GET /interop-root.raw 200');
      expect(serial).toMatch(/executing deploy step .*step=write_image/);
      expect(serial).not.toMatch(/async command failed/);

      // The image is on the disk (the backup GPT moved to the disk's end, the rest as sent).
      const disk = lab.fleet.machine(m.machine.id)!.disks[0]!.data;
      const MiB = 1024 * 1024;
      const body = Buffer.from(disk.read(MiB, image.length - 2 * MiB));
      expect(body.equals(image.subarray(MiB, image.length - MiB))).toBe(true);
      // Ironic's boot_instance powered it on from disk: the UEFI entry the agent registered
      // loads the installed system.
      const deadline = Date.now() + 30_000;
      while (lab.fleet.get(m.machine.id)?.os !== 'disk' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(lab.fleet.get(m.machine.id)).toMatchObject({ power: 'On', os: 'disk' });
      expect(serial).toContain("Booting `ironic1'");
      expect(serial).toContain('root=UUID=9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4');

      await lab.baremetalOk('node', 'undeploy', uuid, '--wait', '180');

      const undeployed = await lab.api.node(uuid);
      expect(undeployed).toMatchObject({
        provision_state: 'available',
        power_state: 'power off',
        last_error: null,
      });
      expect(undeployed.instance_info).toEqual({});
      log = lab.ironic.readLog();
      const teardown = provisionTransitions(log, uuid).slice(transitionsBefore + 6);
      expect(teardown[0]).toEqual({ from: 'active', to: 'deleting', target: 'available' });
      expect(teardown[1]).toEqual({ from: 'deleting', to: 'cleaning', target: 'available' });
      expect(teardown.at(-1)).toEqual({ from: 'cleaning', to: 'available', target: null });
      // Undeploy cleans again: the instance is gone from the disk.
      expect(disk.extents()).toEqual([]);
    } finally {
      unsubscribe();
    }
  }, 280_000);
});
