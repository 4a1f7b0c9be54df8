import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Conductor, type NodeView } from '../conductor';
import { FakeClock } from '../lib';
import { findProfile, Fleet, type MachineProfile } from '../simulator';

/**
 * The conductor against the simulator (the real agent on its fake OS), both on one FakeClock the
 * test moves: an agent that dies in the middle of a long erase, and a conductor restarted in the
 * middle of cleaning. Simulated time is pushed forward in small steps with a few real
 * milliseconds between them, so the loopback HTTP between agent and conductor keeps up.
 */

const base = findProfile('small-vm')!;
/** One SATA disk with ATA security: the agent's erase_devices uses the drive's own erase. */
const withDisk = (
  name: string,
  disk: Partial<MachineProfile['disks'][number]>,
): MachineProfile => ({
  ...base,
  name,
  disks: [{ ...base.disks[0]!, model: 'LAB SATA DISK', serialPrefix: 'LB', ...disk }],
});
// 4 TB at 200 MB/s: the drive reports 334 minutes for SECURITY ERASE UNIT.
const SLOW_HDD = withDisk('slow-hdd', { kind: 'hdd', sizeBytes: 4e12, throughputBps: 2e8 });
// An SSD reports 2 minutes.
const SSD = withDisk('lab-ssd', { kind: 'ssd', sizeBytes: 240e9, throughputBps: 5e8 });

const CALLBACK_TIMEOUT_MS = 1_800_000;

let dataDir: string;
let clock: FakeClock;
let conductor: Conductor;
let fleet: Fleet;
let port: number;

afterEach(async () => {
  await fleet?.stop();
  await conductor?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function newConductor(listenPort: number): Conductor {
  return new Conductor({
    dataDir,
    listen: { host: '127.0.0.1', port: listenPort },
    clock,
    powerSyncIntervalMs: 3_600_000,
  });
}

async function startLab(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'conductor-agent-crash-'));
  clock = new FakeClock();
  conductor = newConductor(0);
  await conductor.start();
  port = Number(new URL(conductor.apiUrl).port);
  fleet = new Fleet({
    apiUrl: conductor.apiUrl,
    redfish: { host: '127.0.0.1', port: 0 },
    clock,
    profiles: [SLOW_HDD, SSD],
  });
  await fleet.start();
}

/** A machine enrolled as a manageable node, powered off. */
function enroll(profile: string): { uuid: string; machineId: string } {
  const machine = fleet.addMachine({ profile, name: `${profile}-0` });
  const node = conductor.createNode({
    ...fleet.enrollment(machine.id),
    provision_state: 'manageable',
  });
  return { uuid: node.uuid, machineId: machine.id };
}

/**
 * Moves simulated time `stepMs` at a time until `predicate` holds, giving real I/O a few
 * milliseconds between steps; fails past `simLimitMs` of simulated time.
 */
async function advanceUntil(
  uuid: string,
  predicate: (n: NodeView) => boolean,
  opts: { stepMs?: number; simLimitMs?: number } = {},
): Promise<NodeView> {
  const step = opts.stepMs ?? 1_000;
  const deadline = clock.now() + (opts.simLimitMs ?? 3_600_000);
  for (;;) {
    const node = conductor.getNode(uuid);
    if (node && predicate(node)) return node;
    if (clock.now() > deadline) {
      throw new Error(`node never reached the condition; now ${JSON.stringify(node)}`);
    }
    await clock.advance(step);
    await new Promise((r) => setTimeout(r, 3));
  }
}

const stepOf = (n: NodeView) => (n.clean_step as { step?: string } | null)?.step;

describe('conductor ↔ simulated agent failures (fake clock)', () => {
  it('fails cleaning with a readable last_error when the agent dies mid-erase', async () => {
    await startLab();
    const { uuid, machineId } = enroll('slow-hdd');
    conductor.setProvisionState(uuid, 'clean', {
      clean_steps: [{ interface: 'deploy', step: 'erase_devices' }],
    });
    // The machine boots the ramdisk, the agent starts the drive's 334-minute erase.
    const running = await advanceUntil(
      uuid,
      (n) => n.provision_state === 'clean wait' && stepOf(n) === 'erase_devices',
      { simLimitMs: 1_800_000 },
    );
    expect(running.target_provision_state).toBe('manageable');
    // Heartbeats keep a long step alive well past the callback timeout.
    const startedAt = clock.now();
    await advanceUntil(uuid, () => clock.now() - startedAt > CALLBACK_TIMEOUT_MS + 300_000, {
      stepMs: 5_000,
      simLimitMs: 3_600_000,
    });
    const alive = conductor.getNode(uuid)!;
    expect(alive.provision_state).toBe('clean wait');
    expect(stepOf(alive)).toBe('erase_devices');

    fleet.injectFault(machineId, { kind: 'agent-crash' });
    const crashedAt = clock.now();
    const failed = await advanceUntil(uuid, (n) => n.provision_state === 'clean failed', {
      stepMs: 10_000,
      simLimitMs: CALLBACK_TIMEOUT_MS + 600_000,
    });
    const lastBeat = Date.parse(String(failed.driver_internal_info.agent_last_heartbeat));
    expect(clock.now() - lastBeat).toBeGreaterThan(CALLBACK_TIMEOUT_MS);
    expect(clock.now() - crashedAt).toBeLessThan(CALLBACK_TIMEOUT_MS + 300_000);
    expect(failed.last_error).toBe(
      'Timeout reached while cleaning the node. Please check if the ramdisk responsible for the cleaning is running on the node. Failed on step deploy.erase_devices.',
    );
    // A step was running: Ironic puts the node in maintenance with fault `clean failure`.
    expect(failed.maintenance).toBe(true);
    expect(failed.fault).toBe('clean failure');
    expect(failed.clean_step).toEqual({});
    const events = conductor.eventsFor(uuid, { limit: 1000 });
    const failure = events.find(
      (e) => e.type === 'provision.transition' && e.data.to === 'clean failed',
    );
    expect(failure?.data.error).toBe(failed.last_error);
    expect(failure?.data.step).toBe('deploy.erase_devices');
    // The erase never finished.
    expect(events.some((e) => e.type === 'clean.step_finished')).toBe(false);
  }, 120_000);

  it('goes on cleaning to available across a conductor restart in clean wait', async () => {
    await startLab();
    const { uuid } = enroll('lab-ssd');
    conductor.setProvisionState(uuid, 'provide');
    await advanceUntil(
      uuid,
      (n) => n.provision_state === 'clean wait' && stepOf(n) === 'erase_devices',
      { simLimitMs: 1_800_000 },
    );
    // The erase runs in the ramdisk; the conductor goes away meanwhile.
    await conductor.stop();
    await clock.advance(30_000);
    conductor = newConductor(port);
    await conductor.start();
    const resumed = conductor.getNode(uuid)!;
    expect(resumed.provision_state).toBe('clean wait');
    expect(stepOf(resumed)).toBe('erase_devices');

    const done = await advanceUntil(uuid, (n) => n.provision_state === 'available', {
      simLimitMs: CALLBACK_TIMEOUT_MS,
    });
    expect(done.last_error).toBeNull();
    expect(done.maintenance).toBe(false);
    const finished = conductor
      .eventsFor(uuid, { limit: 1000 })
      .filter((e) => e.type === 'clean.step_finished')
      .map((e) => e.data.step);
    expect(finished).toEqual(['deploy.erase_devices_metadata', 'deploy.erase_devices']);
  }, 120_000);
});
