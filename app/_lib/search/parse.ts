import { FIELDS, findField } from './fields';

/**
 * The machine search language, kept in the URL:
 *   words          free text over name, UUID, state, profile, BMC and agent address
 *   field:value    one field; `field:a,b` or `field:(a, "b c")` means either
 *   !term, -term   negation
 *   cpus:>=32      comparisons on numeric fields (>, >=, <, <=, =)
 * Bad terms are reported and left out, so a typo narrows nothing rather than emptying the list.
 */
export type Term =
  | { kind: 'text'; value: string; negate: boolean }
  | { kind: 'field'; field: string; values: string[]; negate: boolean };

export interface ParsedQuery {
  terms: Term[];
  errors: string[];
}

const NUMBER = /^(>=|<=|>|<|=)?\d+(\.\d+)?$/;
const FLAG_VALUES = new Set(['yes', 'no', 'true', 'false']);

class Scanner {
  i = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.i >= this.text.length;
  }
  peek(): string {
    return this.text[this.i] ?? '';
  }
  skipSpace(): void {
    while (!this.done && /\s/.test(this.peek())) this.i++;
  }
  /** A quoted string or a bare word ending at whitespace or any of `stops`. */
  value(stops: string, errors: string[]): string {
    if (this.peek() === '"') {
      this.i++;
      let out = '';
      while (!this.done && this.peek() !== '"') {
        if (this.peek() === '\\' && this.i + 1 < this.text.length) this.i++;
        out += this.text[this.i++];
      }
      if (this.done) errors.push('unclosed quote');
      else this.i++;
      return out;
    }
    const start = this.i;
    while (!this.done && !/\s/.test(this.peek()) && !stops.includes(this.peek())) this.i++;
    return this.text.slice(start, this.i);
  }
  values(errors: string[]): string[] {
    const out: string[] = [];
    if (this.peek() === '(') {
      this.i++;
      for (;;) {
        this.skipSpace();
        if (this.done) {
          errors.push('unclosed parenthesis');
          break;
        }
        if (this.peek() === ')') {
          this.i++;
          break;
        }
        if (this.peek() === ',') {
          this.i++;
          continue;
        }
        const before = this.i;
        const v = this.value(',)', errors);
        if (v !== '') out.push(v);
        else if (this.i === before) this.i++;
      }
      return out;
    }
    for (;;) {
      const v = this.value(',', errors);
      if (v !== '') out.push(v);
      if (this.peek() !== ',') return out;
      this.i++;
    }
  }
}

function checkValues(field: string, values: string[]): string | null {
  const def = findField(field);
  if (!def) return null;
  if (values.length === 0) return `${def.name}: needs a value`;
  if (def.kind === 'flag') {
    const bad = values.find((v) => !FLAG_VALUES.has(v.toLowerCase()));
    return bad === undefined ? null : `${def.name}: expected yes or no, got "${bad}"`;
  }
  if (def.kind === 'number') {
    const bad = values.find((v) => !NUMBER.test(v));
    return bad === undefined
      ? null
      : `${def.name}: expected a number like 32 or >=32, got "${bad}"`;
  }
  return null;
}

export function parseQuery(input: string): ParsedQuery {
  const s = new Scanner(input);
  const terms: Term[] = [];
  const errors: string[] = [];
  for (;;) {
    s.skipSpace();
    if (s.done) break;
    let negate = false;
    if ((s.peek() === '!' || s.peek() === '-') && !/\s/.test(s.text[s.i + 1] ?? ' ')) {
      negate = true;
      s.i++;
    }
    const fieldMatch = /^([a-z_]+):/i.exec(s.text.slice(s.i));
    if (fieldMatch) {
      s.i += fieldMatch[0].length;
      const name = fieldMatch[1]!.toLowerCase();
      const values = s.values(errors);
      const def = findField(name);
      if (!def) {
        errors.push(`unknown field "${name}" (try ${FIELDS.map((f) => f.name).join(', ')})`);
        continue;
      }
      const problem = checkValues(def.name, values);
      if (problem) {
        errors.push(problem);
        continue;
      }
      terms.push({ kind: 'field', field: def.name, values, negate });
      continue;
    }
    const before = s.i;
    const value = s.value('', errors);
    if (value !== '') terms.push({ kind: 'text', value, negate });
    else if (s.i === before) s.i++;
  }
  return { terms, errors };
}

function quote(value: string): string {
  return /^[^\s,()"]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** One term as it would be typed; parsing the result gives the same term back. */
export function formatTerm(term: Term): string {
  const prefix = term.negate ? '!' : '';
  if (term.kind === 'text') return `${prefix}${quote(term.value)}`;
  const values =
    term.values.length === 1 ? quote(term.values[0]!) : `(${term.values.map(quote).join(', ')})`;
  return `${prefix}${term.field}:${values}`;
}

export function formatQuery(terms: readonly Term[]): string {
  return terms.map(formatTerm).join(' ');
}
