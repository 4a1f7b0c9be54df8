'use client';

import { hasTerm, withTerm, withoutTerm, type Term } from '../_lib/search';
import type { MachinePage } from '../_server/router';

const ITEMS = [
  { key: 'failed', field: 'state', value: 'failed', one: 'failed', many: 'failed' },
  { key: 'silent', field: 'silent', value: 'yes', one: 'silent agent', many: 'silent agents' },
  {
    key: 'maintenance',
    field: 'maintenance',
    value: 'yes',
    one: 'in maintenance',
    many: 'in maintenance',
  },
  { key: 'busy', field: 'state', value: 'busy', one: 'in progress', many: 'in progress' },
] as const;

/** The fleet at a glance: what has failed, gone quiet or is held, each one click from its list. */
export function AttentionBar({
  attention,
  query,
  onChange,
}: {
  attention: MachinePage['attention'];
  query: string;
  onChange: (q: string) => void;
}) {
  const shown = ITEMS.filter((item) => attention[item.key] > 0);
  if (shown.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Needs attention">
      {shown.map((item) => {
        const count = attention[item.key];
        const term: Term = {
          kind: 'field',
          field: item.field,
          values: [item.value],
          negate: false,
        };
        const active = hasTerm(query, term);
        const urgent = item.key !== 'busy';
        return (
          <li key={item.key}>
            <button
              type="button"
              aria-pressed={active}
              onClick={() => onChange(active ? withoutTerm(query, term) : withTerm(query, term))}
              className={`rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${
                urgent
                  ? 'bg-red-50 text-red-800 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300 dark:ring-red-400/25'
                  : 'bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/20'
              } ${active ? 'ring-2' : ''}`}
            >
              <span className="tabular-nums">{count}</span> {count === 1 ? item.one : item.many}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
