import { describe, expect, it } from 'vitest';
import { allowedVerbs } from './machine-actions';

describe('allowedVerbs', () => {
  it('follows the conductor state machine', () => {
    expect(allowedVerbs('enroll')).toEqual(['manage']);
    expect(allowedVerbs('manageable')).toEqual(['provide', 'inspect']);
    expect(allowedVerbs('available')).toEqual(['manage']);
    expect(allowedVerbs('inspect wait')).toEqual(['abort']);
    expect(allowedVerbs('clean hold')).toEqual(['abort', 'unhold']);
    expect(allowedVerbs('clean failed')).toEqual(['manage']);
  });

  it('offers nothing in a state it does not know', () => {
    expect(allowedVerbs('bogus')).toEqual([]);
  });
});
