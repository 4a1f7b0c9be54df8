import { describe, expect, it } from 'vitest';
import { parseQuery } from '../_lib/search';
import type { MachinePage, MachineRow } from '../_server/router';
import { makeRow } from '../_lib/testing/make-row';
import { isSignificantChange, listImpact, patchPage } from './live-patch';

const row = (name: string, extra: Partial<MachineRow> = {}) =>
  makeRow(name, { uuid: `uuid-${name}`, ...extra });

const page = (rows: MachineRow[]): MachinePage => ({
  rows,
  total: rows.length,
  fleetTotal: rows.length,
  offset: 0,
  errors: [],
  states: {},
  attention: { failed: 0, busy: 0, maintenance: 0, silent: 0 },
});

describe('patchPage', () => {
  it('swaps the row in place and keeps the order', () => {
    const before = page([row('a'), row('b'), row('c')]);
    const after = patchPage(before, row('b', { powerState: 'power on' }));
    expect(after.rows.map((r) => [r.name, r.powerState])).toEqual([
      ['a', 'power off'],
      ['b', 'power on'],
      ['c', 'power off'],
    ]);
    expect(before.rows[1]?.powerState).toBe('power off');
  });

  it('returns the same page when the machine is not on it', () => {
    const before = page([row('a')]);
    expect(patchPage(before, row('z'))).toBe(before);
  });
});

describe('isSignificantChange', () => {
  it('ignores a heartbeat and notices state, power, errors and inventory', () => {
    const base = row('a', { lastHeartbeat: 1 });
    expect(isSignificantChange(base, { ...base, lastHeartbeat: 2 })).toBe(false);
    expect(isSignificantChange(base, { ...base, provisionState: 'inspecting' })).toBe(true);
    expect(isSignificantChange(base, { ...base, powerState: 'power on' })).toBe(true);
    expect(isSignificantChange(base, { ...base, lastError: 'boom' })).toBe(true);
    expect(
      isSignificantChange(base, {
        ...base,
        inventory: { cpus: 1, cpuModel: null, ramMiB: 1, diskCount: 1, diskBytes: 1, nicCount: 1 },
      }),
    ).toBe(true);
    expect(isSignificantChange(undefined, base)).toBe(true);
  });
});

describe('listImpact', () => {
  const shownSet = new Set(['uuid-a', 'uuid-b']);
  const shown = (uuid: string) => shownSet.has(uuid);
  const on = parseQuery('power:on').terms;

  it('patches a shown row that still matches', () => {
    const event = {
      type: 'upsert' as const,
      row: row('a', { powerState: 'power on' }),
      created: false,
    };
    expect(listImpact(event, on, shown)).toBe('patched');
  });

  it('counts a shown row that left the filter, a removal and a new match as pending', () => {
    expect(listImpact({ type: 'upsert', row: row('a'), created: false }, on, shown)).toBe(
      'pending',
    );
    expect(listImpact({ type: 'remove', uuid: 'uuid-b' }, on, shown)).toBe('pending');
    const fresh = row('new', { powerState: 'power on' });
    expect(listImpact({ type: 'upsert', row: fresh, created: true }, on, shown)).toBe('pending');
  });

  it('ignores what the user cannot see and is not new', () => {
    const elsewhere = row('far', { powerState: 'power on' });
    expect(listImpact({ type: 'upsert', row: elsewhere, created: false }, on, shown)).toBe('none');
    expect(listImpact({ type: 'upsert', row: row('x'), created: true }, on, shown)).toBe('none');
    expect(listImpact({ type: 'remove', uuid: 'uuid-zzz' }, on, shown)).toBe('none');
  });
});
