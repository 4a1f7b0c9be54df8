import { describe, expect, it } from 'vitest';
import { formatAge, formatDiskBytes, formatMemoryMiB, provisionTone } from './format';

describe('format', () => {
  it('prints disk sizes in decimal units as vendors do', () => {
    expect(formatDiskBytes(480e9)).toBe('480 GB');
    expect(formatDiskBytes(3.84e12)).toBe('3.8 TB');
    expect(formatDiskBytes(512)).toBe('512 B');
  });

  it('prints memory in binary units', () => {
    expect(formatMemoryMiB(512)).toBe('512 MiB');
    expect(formatMemoryMiB(131072)).toBe('128 GiB');
    expect(formatMemoryMiB(1536)).toBe('1.5 GiB');
  });

  it('prints ages by the largest sensible unit', () => {
    const now = 1_000_000_000;
    expect(formatAge(now - 12_400, now)).toBe('12 s ago');
    expect(formatAge(now + 5_000, now)).toBe('0 s ago');
    expect(formatAge(now - 3 * 60_000, now)).toBe('3 min ago');
    expect(formatAge(now - 5 * 3_600_000, now)).toBe('5 h ago');
    expect(formatAge(now - 3 * 86_400_000, now)).toBe('3 d ago');
  });

  it('tones provision states by what they ask of an operator', () => {
    expect(provisionTone('active')).toBe('ok');
    expect(provisionTone('clean failed')).toBe('bad');
    expect(provisionTone('wait call-back')).toBe('busy');
    expect(provisionTone('inspecting')).toBe('busy');
    expect(provisionTone('manageable')).toBe('info');
    expect(provisionTone('enroll')).toBe('idle');
  });
});
