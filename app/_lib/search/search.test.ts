import { describe, expect, it } from 'vitest';
import type { MachineRow } from '../../_server/machine-row';
import { makeRow } from '../testing/make-row';
import { compareRows, formatQuery, matchesQuery, parseQuery } from './index';

const row = (name: string, extra: Partial<MachineRow> = {}) =>
  makeRow(name, {
    bmc: { address: 'http://127.0.0.1:8000', systemId: `/redfish/v1/Systems/${name}` },
    simulated: { id: name, profile: 'small-vm', power: 'Off', agent: 'off' },
    ...extra,
  });

const inv = (cpus: number, ramGiB: number, disks: number) => ({
  cpus,
  cpuModel: null,
  ramMiB: ramGiB * 1024,
  diskCount: disks,
  diskBytes: disks * 1e12,
  nicCount: 2,
});

const fleet = [
  row('node-1', {
    powerState: 'power on',
    inventory: inv(64, 256, 12),
    agentUrl: 'http://10.0.0.1:9999',
    simulated: { id: 'node-1', profile: 'storage-2u', power: 'On', agent: 'running' },
  }),
  row('node-2', {
    powerState: 'power on',
    provisionState: 'clean failed',
    lastError: 'disk sdb failed',
  }),
  row('node-10', { provisionState: 'inspect wait', inventory: inv(8, 16, 1), maintenance: true }),
  row('web-1', { provisionState: 'active', powerState: null }),
];

const names = (q: string) =>
  fleet.filter((r) => matchesQuery(r, parseQuery(q).terms)).map((r) => r.name);

describe('parseQuery', () => {
  it('reads free text, fields, value lists, quotes and negation', () => {
    expect(parseQuery('node !power:on state:(available, "clean wait") profile:a,b').terms).toEqual([
      { kind: 'text', value: 'node', negate: false },
      { kind: 'field', field: 'power', values: ['on'], negate: true },
      { kind: 'field', field: 'state', values: ['available', 'clean wait'], negate: false },
      { kind: 'field', field: 'profile', values: ['a', 'b'], negate: false },
    ]);
  });

  it('resolves aliases to the canonical field and accepts -negation', () => {
    expect(parseQuery('-maint:yes cpu:>=8').terms).toEqual([
      { kind: 'field', field: 'maintenance', values: ['yes'], negate: true },
      { kind: 'field', field: 'cpus', values: ['>=8'], negate: false },
    ]);
  });

  it('reports bad terms and keeps the good ones', () => {
    const parsed = parseQuery('colour:red cpus:lots agent:maybe state: "open name');
    expect(parsed.terms).toEqual([{ kind: 'text', value: 'open name', negate: false }]);
    expect(parsed.errors).toEqual([
      expect.stringMatching(/^unknown field "colour" \(try name, state, power/),
      'cpus: expected a number like 32 or >=32, got "lots"',
      'agent: expected yes or no, got "maybe"',
      'state: needs a value',
      'unclosed quote',
    ]);
  });

  it('never loops on stray punctuation', () => {
    expect(parseQuery('state:(a,,"") ) , !').terms).toEqual([
      { kind: 'field', field: 'state', values: ['a'], negate: false },
      { kind: 'text', value: ')', negate: false },
      { kind: 'text', value: ',', negate: false },
      { kind: 'text', value: '!', negate: false },
    ]);
  });

  it('formats terms so they parse back to the same terms', () => {
    const q = 'node !power:on state:(available, "clean wait") "two words" bmc:"a\\"b"';
    const { terms } = parseQuery(q);
    expect(parseQuery(formatQuery(terms)).terms).toEqual(terms);
    expect(formatQuery(terms)).toBe(
      'node !power:on state:(available, "clean wait") "two words" bmc:"a\\"b"',
    );
  });
});

describe('matchesQuery', () => {
  it('matches everything for an empty query', () => {
    expect(names('')).toEqual(['node-1', 'node-2', 'node-10', 'web-1']);
  });

  it('filters by free text across name, state, profile and addresses', () => {
    expect(names('node')).toEqual(['node-1', 'node-2', 'node-10']);
    expect(names('storage')).toEqual(['node-1']);
    expect(names('10.0.0.1')).toEqual(['node-1']);
  });

  it('ANDs terms and ORs the values of one term', () => {
    expect(names('power:on state:manageable')).toEqual(['node-1']);
    expect(names('state:active,"inspect wait"')).toEqual(['node-10', 'web-1']);
    expect(names('power:unknown')).toEqual(['web-1']);
  });

  it('knows state groups and negation', () => {
    expect(names('state:failed')).toEqual(['node-2']);
    expect(names('state:busy')).toEqual(['node-10']);
    expect(names('!state:failed !name:web')).toEqual(['node-1', 'node-10']);
  });

  it('compares numbers and reads flags', () => {
    expect(names('cpus:>=16')).toEqual(['node-1']);
    expect(names('ram:<=16')).toEqual(['node-10']);
    expect(names('disks:12')).toEqual(['node-1']);
    expect(names('inspected:no')).toEqual(['node-2', 'web-1']);
    expect(names('maintenance:yes')).toEqual(['node-10']);
    expect(names('error:yes agent:no')).toEqual(['node-2']);
  });
});

describe('silent agents', () => {
  const context = { now: 100_000, heartbeatTimeoutMs: 30_000 };
  const quiet = row('quiet', {
    powerState: 'power on',
    agentUrl: 'http://10.0.0.9:9999',
    lastHeartbeat: 60_000,
  });
  const chatty = { ...quiet, name: 'chatty', lastHeartbeat: 90_000 };
  const off = { ...quiet, name: 'off', powerState: 'power off' };

  it('matches a powered-on machine whose agent went quiet past the timeout', () => {
    const { terms } = parseQuery('silent:yes');
    expect(
      [quiet, chatty, off].filter((r) => matchesQuery(r, terms, context)).map((r) => r.name),
    ).toEqual(['quiet']);
  });

  it('cannot tell without a clock, so nothing is silent then', () => {
    expect(matchesQuery(quiet, parseQuery('silent:yes').terms)).toBe(false);
  });
});

describe('compareRows', () => {
  it('sorts names naturally', () => {
    expect([...fleet].sort(compareRows('name', 'asc')).map((r) => r.name)).toEqual([
      'node-1',
      'node-2',
      'node-10',
      'web-1',
    ]);
  });

  it('puts missing values last in both directions and breaks ties by name', () => {
    const asc = [...fleet].sort(compareRows('cpus', 'asc')).map((r) => r.name);
    const desc = [...fleet].sort(compareRows('cpus', 'desc')).map((r) => r.name);
    expect(asc).toEqual(['node-10', 'node-1', 'node-2', 'web-1']);
    expect(desc).toEqual(['node-1', 'node-10', 'node-2', 'web-1']);
  });
});
