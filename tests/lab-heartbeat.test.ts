import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as HttpAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conductor, type NodeView } from '../conductor';
import { ScaledClock } from '../lib';
import { Fleet } from '../simulator';

// The walking skeleton across every joint, on loopback and with nothing mocked: the conductor
// powers a machine on through its Redfish BMC, the simulator boots the real agent on a fake OS,
// the agent posts its inventory, looks its node up and heartbeats, and the conductor records
// `agent_url` and the heartbeat.
describe('agent ↔ conductor through the simulator', () => {
  let dataDir: string;
  let conductor: Conductor;
  let fleet: Fleet;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lab-heartbeat-'));
    conductor = new Conductor({
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      fastTrack: true,
      powerSyncIntervalMs: 3_600_000,
    });
    await conductor.start();
    // Simulated time at 200× makes a server's 60 s POST and Ironic's default 300 s heartbeat
    // timeout (beats every 90–180 s) take well under a second each.
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

  async function waitForNode(
    uuid: string,
    predicate: (node: NodeView) => boolean,
    timeoutMs = 20_000,
  ): Promise<NodeView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const node = conductor.getNode(uuid);
      if (node && predicate(node)) return node;
      if (Date.now() > deadline) {
        throw new Error(`node ${uuid} did not reach the condition: ${JSON.stringify(node)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('records agent_url and the last heartbeat of a machine powered on through its BMC', async () => {
    const machine = fleet.addMachine({ profile: 'compute-nvme', name: 'skeleton-0' });
    const node = conductor.createNode({
      ...fleet.enrollment(machine.id),
      provision_state: 'manageable',
    });
    expect(node.power_state).not.toBe('power on');

    await conductor.setPowerState(node.uuid, 'power on');
    expect(fleet.get(machine.id)?.power).toBe('On');

    const beating = await waitForNode(
      node.uuid,
      (n) => typeof n.driver_internal_info.agent_url === 'string',
    );
    const info = beating.driver_internal_info;
    const agentUrl = info.agent_url as string;
    // Our conductor speaks API 1.68+, so the agent serves auto TLS and sends its certificate.
    expect(agentUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = String(info.agent_verify_ca);
    expect(ca).toContain('-----BEGIN CERTIFICATE-----');
    expect(typeof info.agent_version).toBe('string');
    const first = Date.parse(String(info.agent_last_heartbeat));
    expect(Number.isNaN(first)).toBe(false);
    // The token is issued at lookup and never shown.
    expect(info.agent_secret_token).toBe('******');

    // The recorded URL is the real agent's API, verified with the certificate it sent.
    const dispatcher = new HttpAgent({ connect: { ca } });
    try {
      const statusResponse = await undiciFetch(`${agentUrl}/v1/status`, { dispatcher });
      const status = (await statusResponse.json()) as { version: string };
      expect(status.version).toBe(info.agent_version);
      const denied = await undiciFetch(`${agentUrl}/v1/commands/`, { dispatcher });
      expect(denied.status).toBe(401);
    } finally {
      await dispatcher.close();
    }

    // The inventory the agent collected through the fake OS matches the simulated hardware.
    const inventory = conductor.getInventory(node.uuid);
    expect(inventory?.cpu.count).toBe(machine.cpus);
    expect(inventory?.interfaces.map((i) => i.mac_address).sort()).toEqual(
      [...machine.macs].sort(),
    );
    expect(inventory?.disks.map((d) => d.size).sort()).toEqual(
      machine.disks.map((d) => d.sizeBytes).sort(),
    );

    // Heartbeats keep coming (every 90–180 simulated seconds).
    const later = await waitForNode(
      node.uuid,
      (n) => Date.parse(String(n.driver_internal_info.agent_last_heartbeat)) > first,
    );
    expect(later.driver_internal_info.agent_url).toBe(agentUrl);
  });
});
