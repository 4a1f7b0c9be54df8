import type { MachineRow } from '../../_server/machine-row';
import { findField, freeText, STATE_GROUPS, type MatchContext } from './fields';
import type { Term } from './parse';

function compare(actual: number | null, spec: string): boolean {
  if (actual === null) return false;
  const m = /^(>=|<=|>|<|=)?(.+)$/.exec(spec);
  const op = m?.[1] ?? '=';
  const want = Number(m?.[2]);
  switch (op) {
    case '>=':
      return actual >= want;
    case '<=':
      return actual <= want;
    case '>':
      return actual > want;
    case '<':
      return actual < want;
    default:
      return Math.abs(actual - want) < 1e-9;
  }
}

function fieldMatches(
  row: MachineRow,
  field: string,
  value: string,
  context: MatchContext,
): boolean {
  const def = findField(field);
  if (!def) return false;
  const wanted = value.toLowerCase();
  switch (def.kind) {
    case 'flag':
      return (def.flag?.(row, context) ?? false) === (wanted === 'yes' || wanted === 'true');
    case 'number':
      return compare(def.number?.(row) ?? null, value);
    case 'exact': {
      const actual = (def.text?.(row) ?? []).map((v) => v?.toLowerCase() ?? '');
      const group = def.name === 'state' ? STATE_GROUPS[wanted] : undefined;
      return actual.some((v) => v === wanted || (group?.(v) ?? false));
    }
    case 'text':
      return (def.text?.(row) ?? []).some((v) => v?.toLowerCase().includes(wanted) ?? false);
  }
}

function termMatches(row: MachineRow, term: Term, context: MatchContext): boolean {
  const hit =
    term.kind === 'text'
      ? freeText(row).some((v) => v.toLowerCase().includes(term.value.toLowerCase()))
      : term.values.some((value) => fieldMatches(row, term.field, value, context));
  return term.negate ? !hit : hit;
}

/** Every term must hold (AND); the values of one field term are alternatives (OR). */
export function matchesQuery(
  row: MachineRow,
  terms: readonly Term[],
  context: MatchContext = {},
): boolean {
  return terms.every((term) => termMatches(row, term, context));
}
