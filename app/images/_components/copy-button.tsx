'use client';

import { useEffect, useState } from 'react';

/**
 * Copies a value (a digest, a URL) to the clipboard and says so. The clipboard API exists only in
 * secure contexts; a console opened over plain HTTP by address gets a message, not silence.
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <span className="inline-flex items-center gap-1">
      <button
        type="button"
        aria-label={label}
        title={label}
        onClick={() => {
          const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
          if (!clipboard) {
            setState('failed');
            return;
          }
          clipboard.writeText(value).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
        className="rounded px-1.5 py-0.5 text-xs text-zinc-600 ring-1 ring-zinc-300 hover:bg-zinc-50 dark:text-zinc-300 dark:ring-zinc-700 dark:hover:bg-zinc-800"
      >
        Copy
      </button>
      <span aria-live="polite" className="text-xs text-zinc-500 dark:text-zinc-400">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'The browser blocked the copy' : ''}
      </span>
    </span>
  );
}
