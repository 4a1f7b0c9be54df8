'use client';

import type { ReactNode } from 'react';
import type { FormErrors } from './form-errors';
import { FieldError } from './ui';

/**
 * A labelled form field: its help text and the server's error for it are tied to the input by
 * `aria-describedby`, and the input is marked invalid while that error stands. `name` is the
 * field's key in the server's issues when it differs from the element id.
 */
export function Field({
  id,
  name,
  label,
  help,
  errors,
  children,
}: {
  id: string;
  /** The field's key in the server's issues (`url`, `sha256`…); defaults to `id`. */
  name?: string;
  label: string;
  help?: string;
  errors: FormErrors;
  children: (props: {
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: true;
  }) => ReactNode;
}) {
  const error = errors.fields[name ?? id];
  const described = [help ? `${id}-help` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children({
        id,
        ...(described ? { 'aria-describedby': described } : {}),
        ...(error ? { 'aria-invalid': true as const } : {}),
      })}
      {help && (
        <p id={`${id}-help`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {help}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
