import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, startTestLab, type TestLab } from './testing/test-lab';

// The simulator panel's router against the real lab, on a fake clock.
let t: TestLab;
const caller = () => t.caller();
const withTime = <T>(work: Promise<T>, stepMs?: number) => t.withTime(work, stepMs);

beforeAll(async () => {
  t = await startTestLab();
});

afterAll(async () => {
  await t?.stop();
});

describe('fleet (the simulator panel)', () => {
  it('offers the simulator profiles', async () => {
    const profiles = await caller().fleet.profiles();
    expect(profiles.map((p) => p.name).sort()).toEqual(['compute-nvme', 'small-vm', 'storage-2u']);
    expect(profiles.every((p) => p.description.length > 0)).toBe(true);
  });

  it('adds a machine, enrols it, and both views show it', async () => {
    const added = await caller().fleet.add({ profile: 'small-vm', powerOn: false });
    expect(added.machine).toBe('small-vm-01');
    expect(added.node).toEqual(expect.any(String));
    const machines = await caller().fleet.machines();
    const entry = machines.find((m) => m.id === 'small-vm-01');
    expect(entry).toMatchObject({
      profile: 'small-vm',
      power: 'Off',
      faults: [],
      node: { uuid: added.node, name: 'small-vm-01', provisionState: 'manageable' },
    });
    expect(entry?.nics.length).toBeGreaterThan(0);
    const page = await caller().machines.page({ q: 'profile:small-vm' });
    expect(page.rows.map((r) => r.name)).toEqual(['small-vm-01']);
  });

  it('refuses a taken or malformed name and an unknown profile', async () => {
    const taken = await rejection(caller().fleet.add({ profile: 'small-vm', name: 'demo-01' }));
    expect(taken.code).toBe('CONFLICT');
    expect(taken.message).toBe('A machine named demo-01 already exists');
    const bad = await rejection(caller().fleet.add({ profile: 'nope', name: 'has space' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain(
      'profile: profile must be one of storage-2u, compute-nvme, small-vm',
    );
    expect(bad.message).toContain('name: a name is letters, digits');
  });

  it('injects and clears faults, naming what the machine lacks', async () => {
    const faults = await caller().fleet.setFault({
      id: 'small-vm-01',
      fault: { kind: 'bmc-error' },
      active: true,
    });
    expect(faults).toEqual([{ kind: 'bmc-error' }]);
    const cleared = await caller().fleet.setFault({
      id: 'small-vm-01',
      fault: { kind: 'bmc-error' },
      active: false,
    });
    expect(cleared).toEqual([]);
    const error = await rejection(
      caller().fleet.setFault({
        id: 'small-vm-01',
        fault: { kind: 'disk-failure', disk: 'sdz' },
        active: true,
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/no disk "sdz"/);
  });

  it('pulls the plug behind the conductor and says which machine it cannot find', async () => {
    const on = await withTime(caller().fleet.setBoardPower({ id: 'small-vm-01', on: true }));
    expect(on.power).toBe('On');
    const off = await withTime(caller().fleet.setBoardPower({ id: 'small-vm-01', on: false }));
    expect(off.power).toBe('Off');
    const error = await rejection(caller().fleet.setBoardPower({ id: 'ghost', on: true }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('No simulated machine ghost');
  });
});
