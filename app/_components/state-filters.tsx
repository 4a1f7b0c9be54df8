'use client';

import { hasTerm, withTerm, withoutTerm, type Term } from '../_lib/search';
import { provisionTone, toneClasses } from './format';

/** Quick filters: each provision state in the fleet with how many machines are in it. */
export function StateFilters({
  states,
  query,
  onChange,
}: {
  states: Record<string, number>;
  query: string;
  onChange: (q: string) => void;
}) {
  const entries = Object.entries(states).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length < 2) return null;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Filter by provision state">
      {entries.map(([state, count]) => {
        const term: Term = { kind: 'field', field: 'state', values: [state], negate: false };
        const active = hasTerm(query, term);
        return (
          <li key={state}>
            <button
              type="button"
              aria-pressed={active}
              onClick={() => onChange(active ? withoutTerm(query, term) : withTerm(query, term))}
              className={`rounded-md px-2 py-0.5 text-xs ring-1 ring-inset ${
                active
                  ? toneClasses[provisionTone(state)] + ' font-semibold'
                  : 'ring-zinc-200 text-zinc-600 hover:bg-zinc-50 dark:ring-zinc-800 dark:text-zinc-300 dark:hover:bg-zinc-900'
              }`}
            >
              {state} <span className="tabular-nums opacity-70">{count}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
