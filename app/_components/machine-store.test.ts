import { describe, expect, it } from 'vitest';
import type { MachineRow } from '../_server/router';
import { MachineStore } from './machine-store';

const row = (name: string, extra: Partial<MachineRow> = {}): MachineRow => ({
  uuid: `uuid-${name}`,
  name,
  driver: 'redfish',
  provisionState: 'manageable',
  targetProvisionState: null,
  powerState: 'power off',
  maintenance: false,
  lastError: null,
  lastHeartbeat: null,
  agentUrl: null,
  agentVersion: null,
  bmc: null,
  inventory: null,
  simulated: null,
  updatedAt: null,
  ...extra,
});

describe('MachineStore', () => {
  it('is not ready until a snapshot arrives, then sorts rows naturally', () => {
    const store = new MachineStore();
    expect(store.getSnapshot()).toEqual({ ready: false, rows: [] });
    store.apply({ type: 'snapshot', rows: [row('n10'), row('n2'), row('n1')] });
    expect(store.getSnapshot().ready).toBe(true);
    expect(store.getSnapshot().rows.map((r) => r.name)).toEqual(['n1', 'n2', 'n10']);
  });

  it('patches a row in place and inserts new ones in order', () => {
    const store = new MachineStore();
    store.apply({ type: 'snapshot', rows: [row('a'), row('c')] });
    const before = store.getSnapshot();
    store.apply({ type: 'upsert', row: row('c', { powerState: 'power on' }) });
    store.apply({ type: 'upsert', row: row('b') });
    const after = store.getSnapshot();
    expect(after).not.toBe(before);
    expect(after.rows.map((r) => [r.name, r.powerState])).toEqual([
      ['a', 'power off'],
      ['b', 'power off'],
      ['c', 'power on'],
    ]);
  });

  it('removes rows and notifies subscribers only on change', () => {
    const store = new MachineStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.apply({ type: 'snapshot', rows: [row('a')] });
    store.apply({ type: 'remove', uuid: 'uuid-missing' });
    store.apply({ type: 'remove', uuid: 'uuid-a' });
    off();
    store.apply({ type: 'snapshot', rows: [] });
    expect(calls).toBe(2);
    expect(store.getSnapshot().rows).toEqual([]);
  });

  it('lets a later snapshot replace everything', () => {
    const store = new MachineStore();
    store.apply({ type: 'snapshot', rows: [row('a'), row('b')] });
    store.apply({ type: 'snapshot', rows: [row('z')] });
    expect(store.getSnapshot().rows.map((r) => r.name)).toEqual(['z']);
  });
});
