import { describe, expect, it } from 'vitest';
import { makeRow } from '../_lib/testing/make-row';
import { pageInputSchema, pageOf } from './machine-page';

const input = (q = '', extra: Record<string, unknown> = {}) =>
  pageInputSchema.parse({ q, ...extra });

const fleet = [
  makeRow('n1', { provisionState: 'clean failed', lastError: 'disk failed' }),
  makeRow('n2', { provisionState: 'clean wait' }),
  makeRow('n3', { maintenance: true }),
  makeRow('n4', {
    powerState: 'power on',
    agentUrl: 'http://10.0.0.4:9999',
    lastHeartbeat: 10_000,
  }),
  makeRow('n5', { provisionState: 'available' }),
];
const context = { now: 100_000, heartbeatTimeoutMs: 30_000 };

describe('pageOf', () => {
  it('counts what needs attention across the whole fleet, whatever the search', () => {
    const page = pageOf(fleet, input('n5'), context);
    expect(page.rows.map((r) => r.name)).toEqual(['n5']);
    expect(page.attention).toEqual({ failed: 1, busy: 1, maintenance: 1, silent: 1 });
    expect(page.states).toEqual({
      'clean failed': 1,
      'clean wait': 1,
      manageable: 2,
      available: 1,
    });
  });

  it('filters with the lab clock, so silent agents can be listed', () => {
    expect(pageOf(fleet, input('silent:yes'), context).rows.map((r) => r.name)).toEqual(['n4']);
    expect(pageOf(fleet, input('silent:yes')).rows).toEqual([]);
  });

  it('windows the sorted result and reports the full count', () => {
    const page = pageOf(fleet, input('', { sort: 'state', dir: 'desc', offset: 1, limit: 2 }));
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => r.provisionState)).toEqual(['manageable', 'clean wait']);
  });
});
