import { describe, expect, it } from 'vitest';
import { resumeFrom } from './serial-resume';

const line = (n: number) => `[ ${n}.000000] ironic-python-agent: heartbeat sent\n`;
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => line(from + i)).join('');

describe('resumeFrom', () => {
  it('appends only what is new when the tail overlaps the screen', () => {
    expect(resumeFrom(lines(0, 20), lines(10, 25))).toEqual({
      mode: 'append',
      text: lines(20, 25),
    });
  });

  it('appends nothing when nothing was written in between', () => {
    expect(resumeFrom(lines(0, 20), lines(5, 20))).toEqual({ mode: 'append', text: '' });
  });

  it('redraws when the tail no longer reaches back to the screen', () => {
    expect(resumeFrom(lines(0, 20), lines(100, 120))).toEqual({
      mode: 'reset',
      text: lines(100, 120),
    });
  });

  it('draws the tail on an empty screen', () => {
    expect(resumeFrom('', 'BIOS\n')).toEqual({ mode: 'reset', text: 'BIOS\n' });
  });
});
