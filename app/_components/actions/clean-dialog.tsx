'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { MachineRow } from '../../_server/router';
import { useTRPC } from '../../_trpc/client';
import { formatInstant } from '../format';
import { formErrors } from './form-errors';
import { Modal } from './modal';
import {
  buttonClass,
  ConfirmErase,
  dangerClass,
  ErrorSummary,
  FieldError,
  inputClass,
  PreflightList,
} from './ui';

interface StepArgView {
  name: string;
  description: string;
  required: boolean;
  type: 'string' | 'number' | 'boolean' | 'json';
}

interface StepView {
  interface: string;
  step: string;
  priority: number;
  abortable: boolean;
  rebootRequested: boolean;
  reserved: boolean;
  description: string;
  erases: string | null;
  args: StepArgView[];
}

interface Chosen {
  id: number;
  interface: string;
  step: string;
  args: Record<string, string | boolean>;
}

const keyOf = (s: { interface: string; step: string }) => `${s.interface}.${s.step}`;

/**
 * Manual cleaning: steps picked from the agent's own list (and the conductor's reserved ones),
 * run in the order given, each with a form built from its argsinfo; then what it erases, and a
 * confirmation before anything is sent.
 */
export function CleanDialog({ row, onClose }: { row: MachineRow; onClose: () => void }) {
  const trpc = useTRPC();
  const choices = useQuery(trpc.machines.cleanSteps.queryOptions({ ident: row.uuid }));
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [nextId, setNextId] = useState(1);
  const [confirmed, setConfirmed] = useState(false);
  const picked = chosen.map(({ interface: iface, step }) => ({ interface: iface, step }));
  const preflight = useQuery(
    trpc.machines.preflight.queryOptions(
      { ident: row.uuid, action: 'clean', steps: picked },
      { placeholderData: (previous) => previous },
    ),
  );
  const mutation = useMutation(trpc.machines.clean.mutationOptions({ onSuccess: onClose }));
  const errors = formErrors(mutation.error);
  const steps = (choices.data?.steps ?? []) as StepView[];
  const definition = (c: Chosen) => steps.find((s) => keyOf(s) === keyOf(c));

  const add = (step: StepView) => {
    setChosen((list) => [
      ...list,
      { id: nextId, interface: step.interface, step: step.step, args: {} },
    ]);
    setNextId((id) => id + 1);
    setConfirmed(false);
  };
  const update = (id: number, name: string, value: string | boolean) =>
    setChosen((list) =>
      list.map((c) => (c.id === id ? { ...c, args: { ...c.args, [name]: value } } : c)),
    );
  const remove = (id: number) => {
    setChosen((list) => list.filter((c) => c.id !== id));
    setConfirmed(false);
  };
  const move = (index: number, by: -1 | 1) =>
    setChosen((list) => {
      const next = [...list];
      const [item] = next.splice(index, 1);
      next.splice(index + by, 0, item!);
      return next;
    });

  const erases = (preflight.data?.erases.length ?? 0) > 0;
  const blocked = preflight.data?.checks.some((c) => c.level === 'block') ?? true;
  const canSubmit = chosen.length > 0 && !blocked && (!erases || confirmed) && !mutation.isPending;

  return (
    <Modal title={`Clean ${row.name}`} onClose={onClose} wide>
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (!canSubmit) return;
          mutation.mutate({
            ident: row.uuid,
            steps: chosen.map(({ interface: iface, step, args }) => ({
              interface: iface,
              step,
              args,
            })),
          });
        }}
      >
        <div className="grid gap-4 md:grid-cols-2">
          <section aria-labelledby="clean-available" className="flex flex-col gap-2">
            <h3 id="clean-available" className="text-sm font-medium">
              Steps this machine offers
            </h3>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">
              {choices.data?.refreshedAtMs
                ? `The agent's list, as it reported it on ${formatInstant(choices.data.refreshedAtMs)}.`
                : choices.isPending
                  ? 'Loading…'
                  : "The agent's steps are known once the machine has been cleaned (provide) once; until then only the conductor's own steps are offered."}
            </p>
            <ul
              aria-label="Available clean steps"
              className="flex max-h-[40dvh] flex-col divide-y overflow-y-auto divide-zinc-100 rounded-md ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800"
            >
              {steps.map((step) => (
                <li key={keyOf(step)} className="flex items-start justify-between gap-2 px-3 py-2">
                  <div className="min-w-0 text-sm">
                    <p className="font-mono text-xs">{keyOf(step)}</p>
                    <p className="text-zinc-600 dark:text-zinc-300">{step.description}</p>
                    <p className="mt-0.5 flex flex-wrap gap-x-2 text-xs text-zinc-500 dark:text-zinc-400">
                      {step.reserved ? (
                        <span>conductor step</span>
                      ) : (
                        <span>priority {step.priority}</span>
                      )}
                      {step.erases && (
                        <span className="text-red-700 dark:text-red-400">erases data</span>
                      )}
                      {!step.abortable && <span>cannot be aborted</span>}
                      {step.rebootRequested && <span>reboots</span>}
                      {step.args.length > 0 && (
                        <span>
                          {step.args.length} argument{step.args.length > 1 ? 's' : ''}
                        </span>
                      )}
                    </p>
                  </div>
                  <button
                    type="button"
                    className={buttonClass}
                    aria-label={`Add ${keyOf(step)}`}
                    onClick={() => add(step)}
                  >
                    Add
                  </button>
                </li>
              ))}
            </ul>
          </section>

          <section aria-labelledby="clean-chosen" className="flex flex-col gap-2">
            <h3 id="clean-chosen" className="text-sm font-medium">
              Run, in this order
            </h3>
            {chosen.length === 0 && (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">Add steps from the list.</p>
            )}
            <ol aria-label="Chosen clean steps" className="flex flex-col gap-2">
              {chosen.map((c, index) => (
                <ChosenStep
                  key={c.id}
                  chosen={c}
                  index={index}
                  count={chosen.length}
                  definition={definition(c)}
                  errors={errors.fields}
                  onArg={(name, value) => update(c.id, name, value)}
                  onRemove={() => remove(c.id)}
                  onMove={(by) => move(index, by)}
                />
              ))}
            </ol>
            <FieldError id="steps-error" message={errors.fields.steps} />
          </section>
        </div>

        {chosen.length > 0 && (
          <PreflightList preflight={preflight.data} loading={preflight.isFetching} />
        )}
        {erases && (
          <ConfirmErase checked={confirmed} onChange={setConfirmed}>
            I have read what will be erased on <strong>{row.name}</strong>.
          </ConfirmErase>
        )}
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={dangerClass} disabled={!canSubmit}>
            {mutation.isPending ? 'Starting…' : `Clean ${row.name}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ChosenStep({
  chosen,
  index,
  count,
  definition,
  errors,
  onArg,
  onRemove,
  onMove,
}: {
  chosen: Chosen;
  index: number;
  count: number;
  definition: StepView | undefined;
  errors: Record<string, string>;
  onArg: (name: string, value: string | boolean) => void;
  onRemove: () => void;
  onMove: (by: -1 | 1) => void;
}) {
  const name = keyOf(chosen);
  return (
    <li
      aria-label={`Step ${index + 1}: ${name}`}
      className="rounded-md px-3 py-2 ring-1 ring-zinc-200 dark:ring-zinc-800"
    >
      <div className="flex items-center justify-between gap-2">
        <p className="min-w-0 font-mono text-xs break-all">
          {index + 1}. {name}
        </p>
        <div className="flex shrink-0 gap-1">
          <button
            type="button"
            className={buttonClass}
            aria-label={`Move ${name} up`}
            disabled={index === 0}
            onClick={() => onMove(-1)}
          >
            ↑
          </button>
          <button
            type="button"
            className={buttonClass}
            aria-label={`Move ${name} down`}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            ↓
          </button>
          <button
            type="button"
            className={buttonClass}
            aria-label={`Remove ${name}`}
            onClick={onRemove}
          >
            Remove
          </button>
        </div>
      </div>
      <FieldError id={`steps-${index}-step`} message={errors[`steps.${index}.step`]} />
      {definition?.args.map((arg) => (
        <ArgField
          key={arg.name}
          arg={arg}
          value={chosen.args[arg.name]}
          error={errors[`steps.${index}.args.${arg.name}`]}
          onChange={(value) => onArg(arg.name, value)}
        />
      ))}
    </li>
  );
}

/** One argument, as the input its type calls for, with argsinfo's description as help. */
function ArgField({
  arg,
  value,
  error,
  onChange,
}: {
  arg: StepArgView;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (value: string | boolean) => void;
}) {
  const id = useId();
  const help = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help, error ? errorId : null].filter(Boolean).join(' ');
  const label = (
    <>
      <span className="font-mono">{arg.name}</span>
      {arg.required ? <span className="text-red-700 dark:text-red-400"> (required)</span> : null}
    </>
  );
  return (
    <div className="mt-2 text-sm">
      {arg.type === 'boolean' ? (
        <label htmlFor={id} className="flex items-center gap-2">
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            aria-describedby={describedBy}
            aria-invalid={error ? true : undefined}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
        </label>
      ) : (
        <>
          <label htmlFor={id} className="block text-xs">
            {label}
          </label>
          {arg.type === 'json' ? (
            <textarea
              id={id}
              rows={3}
              className={`${inputClass} font-mono`}
              value={typeof value === 'string' ? value : ''}
              required={arg.required}
              aria-describedby={describedBy}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(e.target.value)}
            />
          ) : (
            <input
              id={id}
              type={arg.type === 'number' ? 'number' : 'text'}
              inputMode={arg.type === 'number' ? 'decimal' : undefined}
              className={inputClass}
              value={typeof value === 'string' ? value : ''}
              required={arg.required}
              aria-describedby={describedBy}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(e.target.value)}
            />
          )}
        </>
      )}
      <p id={help} className="mt-0.5 text-xs text-zinc-500 dark:text-zinc-400">
        {arg.description || 'No description from the agent.'}
        {arg.type === 'json' ? ' (a JSON value)' : ''}
      </p>
      <FieldError id={errorId} message={error} />
    </div>
  );
}
