import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Conductor } from '../conductor';
import { Fleet } from '../simulator';

// The conductor logs in to the simulator's Redfish SessionService (as sushy's `auto` does), keeps
// using one X-Auth-Token per BMC and credentials, logs in again when the BMC forgets it, and ends
// its sessions when it stops.
describe('conductor Redfish sessions ↔ simulator', () => {
  let fleet: Fleet;
  const dirs: string[] = [];
  const conductors: Conductor[] = [];

  beforeAll(async () => {
    fleet = new Fleet({ apiUrl: 'http://127.0.0.1:9', redfish: { host: '127.0.0.1', port: 0 } });
    await fleet.start();
  });
  afterEach(async () => {
    await Promise.all(conductors.splice(0).map((c) => c.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  async function startConductor(): Promise<Conductor> {
    const dataDir = mkdtempSync(join(tmpdir(), 'conductor-rf-sessions-'));
    dirs.push(dataDir);
    const conductor = new Conductor({
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      powerSyncIntervalMs: 3_600_000,
    });
    await conductor.start();
    conductors.push(conductor);
    return conductor;
  }

  /** The sessions the BMC holds for a machine's credentials, asked with HTTP Basic. */
  async function sessionsOf(id: string): Promise<string[]> {
    const { driver_info } = fleet.enrollment(id);
    const basic = Buffer.from(
      `${driver_info.redfish_username}:${driver_info.redfish_password}`,
    ).toString('base64');
    const res = await fleet.redfishApp.inject({
      method: 'GET',
      url: '/redfish/v1/SessionService/Sessions',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ Members: { '@odata.id': string }[] }>().Members.map((m) => m['@odata.id']);
  }

  function enroll(conductor: Conductor, name: string, extra: Record<string, unknown> = {}) {
    const machine = fleet.addMachine({ profile: 'compute-nvme', name, bootDevice: 'Hdd' });
    const enrollment = fleet.enrollment(machine.id);
    const node = conductor.createNode({
      ...enrollment,
      driver_info: { ...enrollment.driver_info, ...extra },
      provision_state: 'manageable',
    });
    return { machine, node };
  }

  it('logs in once, reuses the token, logs in again after a 401, logs out on stop', async () => {
    const conductor = await startConductor();
    const { machine, node } = enroll(conductor, 'rf-session-0');
    expect(node.driver_info.redfish_password).toBe('******');

    await conductor.setPowerState(node.uuid, 'power on');
    const first = await sessionsOf(machine.id);
    expect(first).toHaveLength(1);
    await conductor.setPowerState(node.uuid, 'power off');
    await conductor.setBootDevice(node.uuid, 'pxe');
    expect(await sessionsOf(machine.id)).toEqual(first);

    // The BMC ends the session behind the conductor's back; the next call logs in again.
    const { driver_info } = fleet.enrollment(machine.id);
    const basic = Buffer.from(
      `${driver_info.redfish_username}:${driver_info.redfish_password}`,
    ).toString('base64');
    const deleted = await fleet.redfishApp.inject({
      method: 'DELETE',
      url: first[0]!,
      headers: { authorization: `Basic ${basic}` },
    });
    expect(deleted.statusCode).toBe(204);
    const on = await conductor.setPowerState(node.uuid, 'power on');
    expect(on.last_error).toBeNull();
    expect(fleet.get(machine.id)?.power).toBe('On');
    const second = await sessionsOf(machine.id);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);

    await conductor.stop();
    expect(await sessionsOf(machine.id)).toEqual([]);
  });

  it('keeps to HTTP Basic when redfish_auth_type is basic', async () => {
    const conductor = await startConductor();
    const { machine, node } = enroll(conductor, 'rf-session-1', { redfish_auth_type: 'basic' });
    const on = await conductor.setPowerState(node.uuid, 'power on');
    expect(on.power_state).toBe('power on');
    expect(await sessionsOf(machine.id)).toEqual([]);
  });

  it('a wrong password in session mode fails readably', async () => {
    const conductor = await startConductor();
    const { node } = enroll(conductor, 'rf-session-2', {
      redfish_auth_type: 'session',
      redfish_password: 'wrong',
    });
    await expect(conductor.setPowerState(node.uuid, 'power on')).rejects.toThrow(
      /Redfish session login on 127\.0\.0\.1:\d+ failed: 401/,
    );
  });
});
