'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { FIELDS, formatTerm, parseQuery, withoutTerm } from '../_lib/search';
import { loadRecent, rememberSearch, saveRecent } from './recent-searches';

/**
 * The search box and its chips. Typing edits the query; Enter (or a short pause) applies it to
 * the URL; each applied term shows as a chip that removes itself.
 */
export function SearchBar({ query, onChange }: { query: string; onChange: (q: string) => void }) {
  const [draft, setDraft] = useState(query);
  const [helpOpen, setHelpOpen] = useState(false);
  const helpId = useId();
  const recentId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [recent, setRecent] = useState<string[]>([]);
  useEffect(() => setDraft(query), [query]);
  useEffect(() => setRecent(loadRecent(window.localStorage)), []);
  useEffect(() => {
    if (query === '') return;
    setRecent((before) => {
      const next = rememberSearch(before, query);
      saveRecent(window.localStorage, next);
      return next;
    });
  }, [query]);
  // "/" jumps to the search, as in most consoles, unless the user is typing somewhere already.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (e.key === '/' && !typing && !e.metaKey && !e.ctrlKey && !e.altKey) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (draft === query) return;
    const timer = setTimeout(() => onChange(draft.trim()), 400);
    return () => clearTimeout(timer);
  }, [draft, query, onChange]);

  const { terms, errors } = parseQuery(query);
  return (
    <div className="flex flex-col gap-2">
      <form
        role="search"
        className="flex items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          onChange(draft.trim());
        }}
      >
        <input
          ref={input}
          list={recentId}
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="Search: name, state:available, power:on, cpus:>=32, !profile:small-vm"
          aria-label="Search machines"
          aria-keyshortcuts="/"
          aria-describedby={helpOpen ? helpId : undefined}
          spellCheck={false}
          className="w-full rounded-md bg-white px-3 py-1.5 font-mono text-sm ring-1 ring-zinc-300 outline-none placeholder:font-sans placeholder:text-zinc-500 dark:placeholder:text-zinc-400 focus:ring-2 focus:ring-sky-500 dark:bg-zinc-900 dark:ring-zinc-700"
        />
        <datalist id={recentId}>
          {recent.map((q) => (
            <option key={q} value={q} />
          ))}
        </datalist>
        <button
          type="button"
          aria-expanded={helpOpen}
          aria-controls={helpId}
          onClick={() => setHelpOpen((open) => !open)}
          className="rounded-md px-2 py-1.5 text-sm text-zinc-600 ring-1 ring-zinc-300 hover:bg-zinc-50 dark:text-zinc-300 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          Syntax
        </button>
      </form>
      {helpOpen && (
        <div
          id={helpId}
          className="rounded-md bg-zinc-50 p-3 text-xs text-zinc-600 dark:bg-zinc-900 dark:text-zinc-300"
        >
          <p className="mb-2">
            Words match name, UUID, state, profile and addresses. <code>field:a,b</code> or{' '}
            <code>field:(a, &quot;b c&quot;)</code> matches either value; <code>!term</code>{' '}
            excludes; terms combine with AND.
          </p>
          <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5">
            {FIELDS.map((f) => (
              <div key={f.name} className="contents">
                <dt className="font-mono">{f.name}</dt>
                <dd>{f.help}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {(terms.length > 0 || errors.length > 0) && (
        <ul className="flex flex-wrap items-center gap-1.5" aria-label="Active filters">
          {terms.map((term) => {
            const text = formatTerm(term);
            return (
              <li key={text}>
                <span className="inline-flex items-center gap-1 rounded-full bg-sky-50 py-0.5 pr-1 pl-2.5 font-mono text-xs text-sky-900 ring-1 ring-sky-600/20 dark:bg-sky-500/10 dark:text-sky-200 dark:ring-sky-400/20">
                  {text}
                  <button
                    type="button"
                    aria-label={`Remove filter ${text}`}
                    onClick={() => onChange(withoutTerm(query, term))}
                    className="rounded-full px-1 hover:bg-sky-100 dark:hover:bg-sky-500/20"
                  >
                    ×
                  </button>
                </span>
              </li>
            );
          })}
          {terms.length > 1 && (
            <li>
              <button
                type="button"
                onClick={() => onChange('')}
                className="px-1 text-xs text-zinc-500 hover:underline dark:text-zinc-400"
              >
                Clear all
              </button>
            </li>
          )}
          {errors.map((error) => (
            <li key={error} className="text-xs text-amber-800 dark:text-amber-300">
              Ignored: {error}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
