import { describe, expect, it } from 'vitest';
import { eventFamily, familyCounts, filterByFamily } from './event-facets';

const events = [
  { type: 'node.created' },
  { type: 'power.requested' },
  { type: 'power.changed' },
  { type: 'clean.step_started' },
  { type: 'provision.transition' },
  { type: 'power.changed' },
  { type: 'odd' },
];

describe('event facets', () => {
  it('names a family by the type prefix', () => {
    expect(eventFamily('clean.step_started')).toBe('clean');
    expect(eventFamily('odd')).toBe('odd');
  });

  it('counts families, most frequent first, ties by name', () => {
    expect(familyCounts(events)).toEqual([
      ['power', 3],
      ['clean', 1],
      ['node', 1],
      ['odd', 1],
      ['provision', 1],
    ]);
  });

  it('keeps the chosen families, or everything when none is chosen', () => {
    expect(filterByFamily(events, new Set(['clean', 'node'])).map((e) => e.type)).toEqual([
      'node.created',
      'clean.step_started',
    ]);
    expect(filterByFamily(events, new Set())).toHaveLength(events.length);
  });
});
