// The machine search: one language for the URL, the server's filter and the client's live patching.
export {
  FIELDS,
  findField,
  isSilent,
  STATE_GROUPS,
  type FieldDef,
  type MatchContext,
} from './fields';
export { parseQuery, formatQuery, formatTerm, type ParsedQuery, type Term } from './parse';
export { matchesQuery } from './match';
export { compareRows, SORT_KEYS, type SortDir, type SortKey } from './sort';
export { hasTerm, withTerm, withoutTerm } from './edit';
