import type { Clock } from '../../lib';

/** Ironic renders timestamps as ISO 8601 with an explicit UTC offset. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

export function isoNow(clock: Clock): string {
  return isoAt(clock.now());
}

export function parseIso(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
