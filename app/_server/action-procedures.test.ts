import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rejection, startTestLab, type TestLab } from './testing/test-lab';

// The action procedures against the real lab (conductor, simulated fleet, image service).
let t: TestLab;
const caller = () => t.caller();
const state = (ident: string) => t.lab.conductor.getNode(ident)?.provision_state;
const settle = (ident: string, want: string) =>
  t.advanceUntil(() => {
    const s = state(ident);
    if (s?.endsWith('failed'))
      throw new Error(`${ident} ${s}: ${t.lab.conductor.getNode(ident)?.last_error}`);
    return s === want;
  });

beforeAll(async () => {
  // demo-03 is a small VM: its disks erase in lab minutes, where the storage box takes hours.
  t = await startTestLab(3);
});

afterAll(async () => {
  await t?.stop();
});

/** The issue paths a refusal carries for the form (what the browser maps onto fields). */
function issuePaths(error: { cause?: unknown }): string[] {
  return error.cause instanceof z.ZodError ? error.cause.issues.map((i) => i.path.join('.')) : [];
}

describe('machines.actions', () => {
  it('lists every action with the reason the disabled ones are disabled', async () => {
    const { actions, maintenanceReason } = await caller().machines.actions({ ident: 'demo-01' });
    expect(maintenanceReason).toBeNull();
    const deploy = actions.find((a) => a.action === 'deploy');
    expect(deploy).toEqual({
      action: 'deploy',
      allowed: false,
      reason: 'Not from "manageable"; only from "available", "deploy failed"',
    });
    expect(actions.find((a) => a.action === 'clean')?.allowed).toBe(true);
    const error = await rejection(caller().machines.actions({ ident: 'ghost' }));
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('machines.setMaintenance', () => {
  it('wants a reason to go into maintenance, and shows it on the node', async () => {
    const error = await rejection(
      caller().machines.setMaintenance({ ident: 'demo-02', on: true, reason: '  ' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('Invalid input: reason: say why the machine goes into maintenance');
    const row = await caller().machines.setMaintenance({
      ident: 'demo-02',
      on: true,
      reason: 'fan noise',
    });
    expect(row.maintenance).toBe(true);
    expect(t.lab.conductor.getNode('demo-02')?.maintenance_reason).toBe('fan noise');
    expect((await caller().machines.actions({ ident: 'demo-02' })).maintenanceReason).toBe(
      'fan noise',
    );
    const back = await caller().machines.setMaintenance({ ident: 'demo-02', on: false });
    expect(back.maintenance).toBe(false);
  });
});

describe('machines.setBootDevice', () => {
  it('sets the boot override on the machine through its BMC', async () => {
    await t.withTime(
      caller().machines.setBootDevice({ ident: 'demo-02', device: 'cdrom', persistent: true }),
    );
    expect(t.lab.fleet.get('demo-02')?.bootDevice).toBe('Cd');
    await t.withTime(caller().machines.setBootDevice({ ident: 'demo-02', device: 'pxe' }));
    expect(t.lab.fleet.get('demo-02')?.bootDevice).toBe('Pxe');
    const error = await rejection(
      caller().machines.setBootDevice({ ident: 'demo-02', device: 'floppy' as 'pxe' }),
    );
    expect(error.message).toBe(
      'Invalid input: device: device must be one of pxe, disk, cdrom, bios',
    );
  });
});

describe('machines.clean', () => {
  it('refuses bad steps with the field each problem belongs to', async () => {
    let error = await rejection(caller().machines.clean({ ident: 'demo-03', steps: [] }));
    expect(error.message).toBe('Invalid input: steps: choose at least one step');
    error = await rejection(
      caller().machines.clean({
        ident: 'demo-03',
        steps: [
          { interface: 'deploy', step: 'wait', args: { seconds: 'soon' } },
          { interface: 'deploy', step: 'format_c', args: {} },
        ],
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(issuePaths(error)).toEqual(['steps.0.args.seconds', 'steps.1.step']);
    expect(error.message).toContain('steps.0.args.seconds: must be a number');
    expect(state('demo-03')).toBe('manageable');
  });

  it(
    'provides (caching the agent steps), then cleans manually with a picked step and argument',
    { timeout: 240_000 },
    async () => {
      // Inspected first, so the preflight can name the disks.
      await caller().machines.setProvision({ ident: 'demo-03', verb: 'inspect' });
      await t.advanceUntil(() => t.lab.conductor.getInventory('demo-03') !== null);
      await settle('demo-03', 'manageable');
      let { steps, refreshedAt } = await caller().machines.cleanSteps({ ident: 'demo-03' });
      expect(refreshedAt).toBeNull();
      expect(steps.every((s) => s.reserved)).toBe(true);

      await caller().machines.setProvision({ ident: 'demo-03', verb: 'provide' });
      await settle('demo-03', 'available');
      ({ steps, refreshedAt } = await caller().machines.cleanSteps({ ident: 'demo-03' }));
      expect(refreshedAt).not.toBeNull();
      const metadata = steps.find((s) => s.step === 'erase_devices_metadata');
      expect(metadata).toMatchObject({
        interface: 'deploy',
        reserved: false,
        erases: expect.any(String) as string,
      });

      const picked: { interface: string; step: string; args: Record<string, string> }[] = [
        { interface: 'deploy', step: 'erase_devices_metadata', args: {} },
        { interface: 'deploy', step: 'wait', args: { seconds: '3' } },
      ];
      const error = await rejection(caller().machines.clean({ ident: 'demo-03', steps: picked }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain('can not be performed');
      expect(error.message).toContain('"available"');

      await caller().machines.setProvision({ ident: 'demo-03', verb: 'manage' });
      await settle('demo-03', 'manageable');
      const preflight = await caller().machines.preflight({
        ident: 'demo-03',
        action: 'clean',
        steps: picked,
      });
      expect(preflight.erases).toEqual([
        expect.stringMatching(/^deploy\.erase_devices_metadata: partition tables/),
      ]);
      expect(preflight.checks.some((c) => c.level === 'block')).toBe(false);

      const row = await caller().machines.clean({ ident: 'demo-03', steps: picked });
      expect(row.provisionState).toMatch(/^clean/);
      await settle('demo-03', 'manageable');
      const events = t.lab.conductor.eventsFor('demo-03', { limit: 1000 });
      const run = events.filter((e) => e.type === 'clean.steps').at(-1);
      expect(run?.data.steps).toEqual(['deploy.erase_devices_metadata', 'deploy.wait']);
      const deploy = await caller().machines.preflight({
        ident: 'demo-03',
        action: 'deploy',
        imageId: null,
      });
      expect(deploy.checks.filter((c) => c.level === 'block').map((c) => c.message)).toEqual([
        'Deploying starts from "available" (or "deploy failed"), not "manageable"',
        'Choose an image',
      ]);
    },
  );
});

describe('machines.deploy and undeploy', () => {
  it(
    'deploys an image from the catalogue, then undeploys back to available',
    { timeout: 240_000 },
    async () => {
      const images = await caller().machines.images();
      const image = images.find((i) => i.imageType === 'whole-disk' && i.diskFormat === 'raw');
      expect(image).toBeDefined();

      let error = await rejection(
        caller().machines.deploy({ ident: 'demo-03', imageId: image!.id }),
      );
      expect(error.code).toBe('PRECONDITION_FAILED');
      expect(error.message).toContain('Deploying starts from "available"');
      error = await rejection(caller().machines.deploy({ ident: 'demo-03', imageId: 'no-such' }));
      expect(issuePaths(error)).toEqual(['imageId']);

      await caller().machines.setProvision({ ident: 'demo-03', verb: 'provide' });
      await settle('demo-03', 'available');
      const preflight = await caller().machines.preflight({
        ident: 'demo-03',
        action: 'deploy',
        imageId: image!.id,
      });
      expect(preflight.erases).toEqual([expect.stringContaining('overwritten by the image')]);
      expect(preflight.checks.filter((c) => c.level === 'block')).toEqual([]);

      await caller().machines.deploy({ ident: 'demo-03', imageId: image!.id });
      expect(t.lab.conductor.getNode('demo-03')?.instance_info).toMatchObject({
        image_source: image!.url,
        image_os_hash_value: image!.sha256,
      });
      await settle('demo-03', 'active');

      const undeploy = await caller().machines.preflight({ ident: 'demo-03', action: 'undeploy' });
      expect(undeploy.erases[0]).toBe(`the deployed instance (${image!.id})`);
      await caller().machines.undeploy({ ident: 'demo-03' });
      await settle('demo-03', 'available');
    },
  );
});

describe('machines.enroll', () => {
  it('checks a BMC address per driver and names the bad fields', async () => {
    const error = await rejection(
      caller().machines.enroll({
        source: 'bmc',
        driver: 'redfish',
        address: 'not a url',
        systemId: 'Systems/1',
        macs: ['52:54:00:zz:00:01'],
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(issuePaths(error).sort()).toEqual(['address', 'macs.0', 'systemId']);
  });

  it(
    'enrolls from a Redfish address and manages it through the BMC',
    { timeout: 60_000 },
    async () => {
      const machine = t.lab.fleet.addMachine({
        profile: 'small-vm',
        name: 'bmc-one',
        id: 'bmc-one',
      });
      const { driver_info } = t.lab.fleet.enrollment(machine.id);
      const created = await t.withTime(
        caller().machines.enroll({
          source: 'bmc',
          driver: 'redfish',
          name: 'bmc-one',
          address: String(driver_info.redfish_address),
          username: String(driver_info.redfish_username ?? ''),
          password: String(driver_info.redfish_password ?? ''),
          systemId: String(driver_info.redfish_system_id),
        }),
      );
      expect(created.name).toBe('bmc-one');
      await settle('bmc-one', 'manageable');
      const again = await rejection(
        caller().machines.enroll({
          source: 'bmc',
          driver: 'ipmi',
          name: 'bmc-one',
          address: '10.0.0.9',
        }),
      );
      expect(again.code).toBe('CONFLICT');
      expect(issuePaths(again)).toEqual(['name']);
    },
  );

  it('enrolls a simulated machine nobody enrolled yet', { timeout: 60_000 }, async () => {
    t.lab.fleet.addMachine({ profile: 'small-vm', name: 'loose-one', id: 'loose-one' });
    const enrollable = await caller().machines.enrollable();
    expect(enrollable.map((m) => m.id)).toContain('loose-one');
    expect(enrollable.map((m) => m.id)).not.toContain('demo-01');
    await t.withTime(caller().machines.enroll({ source: 'simulator', machine: 'loose-one' }));
    await settle('loose-one', 'manageable');
    const error = await rejection(
      caller().machines.enroll({ source: 'simulator', machine: 'loose-one' }),
    );
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('already enrolled as loose-one');
  });
});

describe('serial console input', () => {
  it('lets one session type, refuses the others until they take over', async () => {
    const a = { ident: 'demo-01', session: 'session-aaaa' };
    const b = { ident: 'demo-01', session: 'session-bbbb' };
    let error = await rejection(caller().machines.serialInput({ ...a, text: 'x' }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('take it to type');

    expect(await caller().machines.serialClaim({ ...a, label: 'alice' })).toMatchObject({
      label: 'alice',
    });
    error = await rejection(caller().machines.serialClaim({ ...b, label: 'bob' }));
    expect(error.message).toBe("alice is typing on demo-01's console; take over to type");

    // Only a running program answers on the line: wait for the agent ramdisk's getty.
    await t.advanceUntil(() => t.lab.fleet.get('demo-01')?.agent === 'running');
    const serial = t.lab.fleet.serial('demo-01');
    let echoed = '';
    const off = serial.subscribe((chunk) => (echoed += chunk));
    await caller().machines.serialInput({ ...a, text: 'root' });
    await t.advanceUntil(() => echoed.includes('root'), 100, 60_000);
    off();

    await caller().machines.serialClaim({ ...b, label: 'bob', force: true });
    error = await rejection(caller().machines.serialInput({ ...a, text: 'x' }));
    expect(error.message).toBe("bob is typing on demo-01's console; take over to type");
    expect(await caller().machines.serialRenew(a)).toEqual({ writer: false });
    await caller().machines.serialRelease(b);
    error = await rejection(caller().machines.serialInput({ ...b, text: 'x' }));
    expect(error.code).toBe('CONFLICT');

    error = await rejection(caller().machines.serialInput({ ...a, text: '' }));
    expect(error.message).toMatch(/^Invalid input: text:/);
  });
});
