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

  it('starts small and grows by doubling to its capacity, keeping every byte in order', () => {
    const console = new SerialConsole(64 * 1024);
    expect(console.allocatedBytes).toBe(0);
    console.write('POST OK\r\n');
    expect(console.allocatedBytes).toBe(2048);
    const text = Array.from({ length: 8000 }, (_, i) => `line ${i}\r\n`).join('');
    console.write(text);
    expect(console.allocatedBytes).toBe(64 * 1024);
    expect(console.tail()).toBe(('POST OK\r\n' + text).slice(-64 * 1024));
    console.write('x'.repeat(5000));
    expect(console.allocatedBytes).toBe(64 * 1024);
    expect(console.tail().endsWith('x'.repeat(5000))).toBe(true);
    expect(console.tail()).toHaveLength(64 * 1024);
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
