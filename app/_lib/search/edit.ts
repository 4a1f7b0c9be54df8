import { formatQuery, parseQuery, type Term } from './parse';

const sameTerm = (a: Term, b: Term) =>
  a.kind === b.kind &&
  a.negate === b.negate &&
  (a.kind === 'text'
    ? b.kind === 'text' && a.value.toLowerCase() === b.value.toLowerCase()
    : b.kind === 'field' &&
      a.field === b.field &&
      a.values.length === b.values.length &&
      a.values.every((v, i) => v.toLowerCase() === b.values[i]?.toLowerCase()));

/**
 * The query with `term` added. A field filter replaces the earlier positive filter on the same
 * field (clicking "power:on" after "power:off" means "show the powered-on ones instead"); bad
 * terms in the query are dropped, since the result is written back to the URL.
 */
export function withTerm(query: string, term: Term): string {
  const { terms } = parseQuery(query);
  if (terms.some((t) => sameTerm(t, term))) return formatQuery(terms);
  const kept =
    term.kind === 'field' && !term.negate
      ? terms.filter((t) => !(t.kind === 'field' && !t.negate && t.field === term.field))
      : terms;
  return formatQuery([...kept, term]);
}

export function withoutTerm(query: string, term: Term): string {
  return formatQuery(parseQuery(query).terms.filter((t) => !sameTerm(t, term)));
}

export function hasTerm(query: string, term: Term): boolean {
  return parseQuery(query).terms.some((t) => sameTerm(t, term));
}
