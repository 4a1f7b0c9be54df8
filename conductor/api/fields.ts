import { ConductorError } from '../nodes/errors';

export function parseBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^(true|1|yes|on)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0|no|off)$/i.test(value)) return false;
  throw new ConductorError(
    'InvalidParameterValue',
    `Invalid boolean value for ${name}: ${JSON.stringify(value)}`,
  );
}

export function parseFields(value: unknown, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ConductorError('InvalidParameterValue', 'fields must be a comma-separated list');
  }
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const bad = fields.filter((f) => !allowed.includes(f));
  if (bad.length) {
    throw new ConductorError('InvalidParameterValue', `Field(s) "${bad.join(', ')}" are not valid`);
  }
  return fields;
}

/** Keeps the requested fields; Ironic always keeps `links`. */
export function pick<T extends object>(obj: T, fields: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  for (const f of [...fields, 'links']) if (f in src) out[f] = src[f];
  return out as Partial<T>;
}
