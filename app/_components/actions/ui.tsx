'use client';

import type { ReactNode } from 'react';
import type { FormErrors } from './form-errors';

/** The small shared pieces of the action forms, so every form looks and reads the same. */

export const buttonClass =
  'rounded-md px-2.5 py-1 text-sm font-medium ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 disabled:cursor-not-allowed disabled:opacity-50 dark:ring-zinc-700 dark:hover:bg-zinc-800';

export const dangerClass =
  'rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:opacity-50';

export const primaryClass =
  'rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800 disabled:cursor-not-allowed disabled:opacity-50';

export const inputClass =
  'w-full rounded-md bg-white px-2 py-1 text-sm ring-1 ring-zinc-300 ring-inset focus:ring-2 focus:ring-sky-600 aria-[invalid=true]:ring-red-600 dark:bg-zinc-950 dark:ring-zinc-700';

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700 dark:text-red-400">
      {message}
    </p>
  );
}

export function ErrorSummary({ errors }: { errors: FormErrors }) {
  if (!errors.summary) return null;
  return (
    <p
      role="alert"
      className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300"
    >
      {errors.summary}
    </p>
  );
}

export interface PreflightView {
  erases: string[];
  checks: { level: 'ok' | 'warn' | 'block'; message: string }[];
}

const MARK = { ok: '✓', warn: '!', block: '✕' } as const;
const TONE = {
  ok: 'text-emerald-700 dark:text-emerald-400',
  warn: 'text-amber-700 dark:text-amber-400',
  block: 'text-red-700 dark:text-red-400',
} as const;

/** What will be erased and what was checked, shown before any destructive action. */
export function PreflightList({
  preflight,
  loading,
}: {
  preflight: PreflightView | undefined;
  loading: boolean;
}) {
  if (!preflight) {
    return <p className="text-sm text-zinc-500">{loading ? 'Checking…' : ''}</p>;
  }
  return (
    <section aria-label="Pre-flight checks" className="flex flex-col gap-2 text-sm">
      {preflight.erases.length > 0 && (
        <div className="rounded-md bg-red-50 px-3 py-2 dark:bg-red-950/40">
          <p className="font-medium text-red-800 dark:text-red-300">This erases:</p>
          <ul
            aria-label="What will be erased"
            className="mt-1 list-disc pl-5 text-red-800 dark:text-red-300"
          >
            {preflight.erases.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}
      <ul aria-label="Checks" className="flex flex-col gap-1">
        {preflight.checks.map((check) => (
          <li
            key={check.message}
            data-level={check.level}
            className={`flex gap-2 ${TONE[check.level]}`}
          >
            <span aria-hidden="true" className="w-3 text-center font-semibold">
              {MARK[check.level]}
            </span>
            <span>
              <span className="sr-only">
                {check.level === 'block'
                  ? 'Blocks: '
                  : check.level === 'warn'
                    ? 'Warning: '
                    : 'OK: '}
              </span>
              {check.message}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The confirmation a destructive action needs: ticked only by someone who read the list. */
export function ConfirmErase({
  checked,
  onChange,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input
        type="checkbox"
        className="mt-0.5"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>{children}</span>
    </label>
  );
}
