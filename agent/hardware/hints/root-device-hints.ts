/**
 * Root device hints (research/ipa.md §7): IPA's hint names, types and the oslo.utils
 * `specs_matcher` operators. Strings match case-insensitively after IPA's normalisation
 * (lower-cased, stripped, URL-quoted); `size` is in GiB and compared as a float, so `==` needs an
 * exact multiple of 2^30 and the bare `=` means "at least".
 */

export const HINT_TYPES = {
  size: 'int',
  model: 'str',
  wwn: 'str',
  serial: 'str',
  vendor: 'str',
  wwn_with_extension: 'str',
  wwn_vendor_extension: 'str',
  name: 'str',
  rotational: 'bool',
  hctl: 'str',
  by_path: 'str',
  tran: 'str',
} as const;

export type HintName = keyof typeof HINT_TYPES;

const NUMERIC_OPS = ['==', '!=', '<=', '>=', '<', '>', '='] as const;
const STRING_OPS = ['s==', 's!=', 's<=', 's>=', 's<', 's>'] as const;
const SPECIAL_OPS = ['<range-in>', '<all-in>', '<or>', '<in>'] as const;
/** Longest first, so `s<=` is not read as `s<` and `==` not as `=`. */
const ALL_OPS = [...SPECIAL_OPS, ...STRING_OPS, ...NUMERIC_OPS];

export type HintOperator =
  (typeof NUMERIC_OPS)[number] | (typeof STRING_OPS)[number] | (typeof SPECIAL_OPS)[number];
/** Operators of number hints (`size`). */
export type NumericOperator = (typeof NUMERIC_OPS)[number] | '<or>' | '<range-in>';
/** Operators of string hints. */
export type StringOperator = (typeof STRING_OPS)[number] | '<in>' | '<or>' | '<all-in>';

export type ParsedHint =
  | { name: HintName; kind: 'str'; op: StringOperator; values: string[]; text: string }
  | {
      name: HintName;
      kind: 'int';
      op: NumericOperator;
      values: number[];
      text: string;
      range?: Range;
    }
  | { name: HintName; kind: 'bool'; value: boolean; text: string };

interface Range {
  min: number;
  max: number;
  minInclusive: boolean;
  maxInclusive: boolean;
}

/** A hint that does not parse; the message names the hint and why. */
export class RootDeviceHintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RootDeviceHintError';
  }
}

/** Python's `urllib.parse.quote` with its default safe set (`/`), as IPA normalises values. */
export function pythonQuote(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~/-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The device-side normalisation: stripped, lower-cased, quoted; empty → null. */
export function normalizeValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const raw =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  const text = raw.trim().toLowerCase();
  return text === '' ? null : pythonQuote(text);
}

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** oslo's `bool_from_string(strict=True)`. */
export function strictBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const t = value.trim().toLowerCase();
  return TRUE.has(t) ? true : FALSE.has(t) ? false : undefined;
}

function splitOperator(expression: string): { op: HintOperator | ''; rest: string } {
  for (const op of ALL_OPS) {
    if (expression.startsWith(op)) return { op, rest: expression.slice(op.length) };
  }
  return { op: '', rest: expression };
}

/** Values between repeated operators (`<or> a <or> b`), as IPA splits them. */
function operands(op: HintOperator, rest: string, full: string): string[] {
  const parts = op === '<or>' ? full.split('<or>') : [rest];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Parses and validates a node's `root_device` (IPA's `parse_root_device_hints`). Throws
 * RootDeviceHintError naming the bad hint.
 */
export function parseRootDeviceHints(hints: Record<string, unknown>): ParsedHint[] {
  const invalid = Object.keys(hints).filter((k) => !Object.hasOwn(HINT_TYPES, k));
  if (invalid.length > 0) {
    throw new RootDeviceHintError(
      `The hints "${invalid.join(', ')}" are invalid. Valid hints are: "${Object.keys(HINT_TYPES).join(', ')}"`,
    );
  }
  return Object.entries(hints).map(([rawName, expression]) =>
    parseHint(rawName as HintName, expression),
  );
}

function parseHint(name: HintName, expression: unknown): ParsedHint {
  const kind = HINT_TYPES[name];
  const text = typeof expression === 'string' ? expression : JSON.stringify(expression);
  if (kind === 'bool') {
    const value = strictBool(expression);
    if (value === undefined) {
      throw new RootDeviceHintError(
        `Root device hint "${name}" is not a Boolean value. Current value: ${text}`,
      );
    }
    return { name, kind, value, text };
  }
  if (kind === 'str' && typeof expression !== 'string') {
    throw new RootDeviceHintError(
      `Root device hint "${name}" is not a string value. Hint expression: ${text}`,
    );
  }
  if (kind === 'int' && typeof expression !== 'string' && typeof expression !== 'number') {
    throw new RootDeviceHintError(
      `Root device hint "${name}" is not an integer value. Current value: ${text}`,
    );
  }
  const full = String(expression).trim().toLowerCase();
  if (full === '') throw new RootDeviceHintError(`Root device hint ${name} expression is empty`);
  const { op, rest } = splitOperator(full);

  if (kind === 'str') {
    const effective: HintOperator = op === '' ? 's==' : op;
    if ((NUMERIC_OPS as readonly string[]).includes(effective) || effective === '<range-in>') {
      throw new RootDeviceHintError(
        `Root device hint "${name}" is a string: use s==, s!=, s<, s<=, s>, s>=, <in>, <or> or <all-in>, not ${effective}`,
      );
    }
    const raw = op === '' ? [full] : operands(effective, rest, full);
    // <all-in> takes several words that must all occur in the value.
    const words = effective === '<all-in>' ? raw.flatMap((r) => r.split(/\s+/)) : raw;
    if (words.length === 0) {
      throw new RootDeviceHintError(
        `Root device hint ${name} has an operator but no value: ${text}`,
      );
    }
    return { name, kind, op: effective as StringOperator, values: words.map(pythonQuote), text };
  }

  const effective: HintOperator = op === '' ? '==' : op;
  if (
    (STRING_OPS as readonly string[]).includes(effective) ||
    effective === '<in>' ||
    effective === '<all-in>'
  ) {
    throw new RootDeviceHintError(
      `Root device hint "${name}" is a number: use ==, !=, <, <=, >, >=, <or> or <range-in>, not ${effective}`,
    );
  }
  if (effective === '<range-in>') {
    const range = parseRange(rest);
    if (!range) {
      throw new RootDeviceHintError(
        `Root device hint "${name}" has a malformed range: ${text} (expected e.g. "<range-in> [ 10 20 )")`,
      );
    }
    return { name, kind, op: '<range-in>', values: [range.min, range.max], range, text };
  }
  const raw = op === '' ? [full] : operands(effective, rest, full);
  const values = raw.map((v) => {
    if (!/^[+-]?\d+$/.test(v)) {
      throw new RootDeviceHintError(
        `Root device hint "${name}" is not an integer value. Current value: ${text}`,
      );
    }
    const n = Number(v);
    if (n <= 0) {
      throw new RootDeviceHintError(
        `Root device hint "${name}" should be a positive integer. Current value: ${text}`,
      );
    }
    return n;
  });
  if (values.length === 0) {
    throw new RootDeviceHintError(`Root device hint ${name} has an operator but no value: ${text}`);
  }
  return { name, kind, op: effective as NumericOperator, values, text };
}

function parseRange(rest: string): Range | null {
  const m = /^\s*([[(])\s*(\d+)\s+(\d+)\s*([\])])\s*$/.exec(rest);
  if (!m) return null;
  return {
    minInclusive: m[1] === '[',
    min: Number(m[2]),
    max: Number(m[3]),
    maxInclusive: m[4] === ']',
  };
}

/** A device as hints see it: the inventory disk fields (serial/wwn may be lists). */
export type HintDevice = Partial<Record<HintName, unknown>> & { name: string };

/** Whether one device satisfies every hint (IPA's `find_devices_by_hints`). */
export function deviceMatches(device: HintDevice, hints: readonly ParsedHint[]): boolean {
  return hints.every((hint) => matchOne(device[hint.name], hint));
}

function matchOne(deviceValue: unknown, hint: ParsedHint): boolean {
  if (hint.kind === 'bool') {
    const v = strictBool(deviceValue);
    return v !== undefined && v === hint.value;
  }
  if (hint.kind === 'int') {
    if (typeof deviceValue !== 'number') return false;
    return matchNumber(deviceValue / 2 ** 30, hint);
  }
  const values = Array.isArray(deviceValue) ? deviceValue : [deviceValue];
  const normalized = values.map(normalizeValue).filter((v): v is string => v !== null);
  return normalized.some((v) => matchString(v, hint.op, hint.values));
}

function matchNumber(x: number, hint: Extract<ParsedHint, { kind: 'int' }>): boolean {
  const [y = 0] = hint.values;
  switch (hint.op) {
    case '=':
    case '>=':
      return x >= y;
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '<or>':
      return hint.values.some((v) => x === v);
    case '<range-in>': {
      const r = hint.range!;
      return (r.minInclusive ? x >= r.min : x > r.min) && (r.maxInclusive ? x <= r.max : x < r.max);
    }
  }
}

function matchString(x: string, op: StringOperator, values: readonly string[]): boolean {
  const [y = ''] = values;
  switch (op) {
    case 's==':
      return x === y;
    case 's!=':
      return x !== y;
    case 's<':
      return x < y;
    case 's<=':
      return x <= y;
    case 's>':
      return x > y;
    case 's>=':
      return x >= y;
    case '<in>':
      return x.includes(y);
    case '<or>':
      return values.includes(x);
    case '<all-in>':
      return values.every((v) => x.includes(v));
  }
}

/** Every device that matches, in listing order (raises RootDeviceHintError on bad hints). */
export function findDevicesByHints<D extends HintDevice>(
  devices: readonly D[],
  hints: Record<string, unknown>,
): D[] {
  const parsed = parseRootDeviceHints(hints);
  return devices.filter((d) => deviceMatches(d, parsed));
}

/** The first device matching all hints, or null. */
export function matchRootDeviceHints<D extends HintDevice>(
  devices: readonly D[],
  hints: Record<string, unknown>,
): D | null {
  return findDevicesByHints(devices, hints)[0] ?? null;
}
