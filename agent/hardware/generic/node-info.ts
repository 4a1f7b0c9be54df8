import type { NodeInfo } from '../manager';

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A sub-dictionary of the node (`driver_info`, `properties`, …), empty when absent. */
export function nodeSection(
  node: NodeInfo | null | undefined,
  key: string,
): Record<string, unknown> {
  const v = node?.[key];
  return isObject(v) ? v : {};
}

/** A boolean setting that may arrive as a JSON boolean or as Ironic's string form. */
export function boolSetting(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (['1', 't', 'true', 'on', 'y', 'yes'].includes(t)) return true;
    if (['0', 'f', 'false', 'off', 'n', 'no'].includes(t)) return false;
  }
  throw new TypeError(`${name} must be a boolean, got ${JSON.stringify(value)}`);
}

/** An integer setting (JSON number or numeric string) not below `min`. */
export function intSetting(value: unknown, name: string, fallback: number, min = 0): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new TypeError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A string setting, or the fallback. */
export function stringSetting(value: unknown, name: string, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}
