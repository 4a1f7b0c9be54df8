import { describe, expect, it } from 'vitest';
import { SerialConsole } from './serial-console';

describe('SerialConsole', () => {
  it('keeps the most recent bytes and feeds listeners', () => {
    const console = new SerialConsole(16);
    const seen: string[] = [];
    const off = console.subscribe((chunk) => seen.push(chunk));
    expect(console.tail()).toBe('');
    console.write('0123456789');
    console.write('abcdefghij');
    expect(console.tail()).toBe('456789abcdefghij');
    off();
    console.line('x');
    expect(seen).toEqual(['0123456789', 'abcdefghij']);
    expect(console.tail().endsWith('x\r\n')).toBe(true);
  });

  it('skips a multi-byte character cut at the edge of the ring', () => {
    const console = new SerialConsole(5);
    console.write('ééé');
    expect(console.tail()).toBe('éé');
  });

  it('survives a listener that throws', () => {
    const console = new SerialConsole();
    console.subscribe(() => {
      throw new Error('broken viewer');
    });
    expect(() => console.write('ok')).not.toThrow();
    expect(console.tail()).toBe('ok');
  });
});
