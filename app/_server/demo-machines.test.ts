import { describe, expect, it } from 'vitest';
import { planDemo } from './demo-machines';

describe('planDemo', () => {
  it('cycles profiles and leaves only the last machine off', () => {
    expect(planDemo(4, ['a', 'b', 'c'])).toEqual([
      { name: 'demo-01', profile: 'a', powerOn: true },
      { name: 'demo-02', profile: 'b', powerOn: true },
      { name: 'demo-03', profile: 'c', powerOn: true },
      { name: 'demo-04', profile: 'a', powerOn: false },
    ]);
  });

  it('plans nothing for zero machines and needs a profile', () => {
    expect(planDemo(0, ['a'])).toEqual([]);
    expect(() => planDemo(2, [])).toThrow(/profile/);
  });
});
