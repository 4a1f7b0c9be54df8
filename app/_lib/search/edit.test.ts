import { describe, expect, it } from 'vitest';
import { hasTerm, withTerm, withoutTerm } from './edit';

const power = (value: string, negate = false) => ({
  kind: 'field' as const,
  field: 'power',
  values: [value],
  negate,
});

describe('query editing', () => {
  it('adds a term to the end', () => {
    expect(withTerm('node', power('on'))).toBe('node power:on');
    expect(withTerm('', { kind: 'text', value: 'two words', negate: false })).toBe('"two words"');
  });

  it('replaces an earlier positive filter on the same field, keeps negations', () => {
    expect(withTerm('power:off !power:unknown x', power('on'))).toBe('!power:unknown x power:on');
  });

  it('does not add a term twice', () => {
    expect(withTerm('power:ON', power('on'))).toBe('power:ON');
  });

  it('removes a term and drops bad ones on the way', () => {
    expect(withoutTerm('bogus:1 power:on state:active', power('on'))).toBe('state:active');
    expect(hasTerm('state:active power:on', power('on'))).toBe(true);
    expect(hasTerm('state:active !power:on', power('on'))).toBe(false);
  });
});
