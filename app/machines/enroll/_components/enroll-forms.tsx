'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Field } from '../../../_components/actions/field';
import { formErrors, type FormErrors } from '../../../_components/actions/form-errors';
import {
  ErrorSummary,
  FieldError,
  inputClass,
  primaryClass,
} from '../../../_components/actions/ui';
import { machineHref } from '../../../_components/machine-cells';
import { useTRPC } from '../../../_trpc/client';

/**
 * Two ways in: a real (or simulated) BMC's address and credentials, as `baremetal node create`
 * takes them, or a simulated machine no node points at yet. Either way the node is created in
 * `enroll` and, unless told otherwise, managed at once, which proves the BMC answers.
 */
export function EnrollForms() {
  const [source, setSource] = useState<'bmc' | 'simulator'>('bmc');
  const tab = (value: typeof source, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={source === value}
      aria-controls={`enroll-${value}`}
      id={`enroll-tab-${value}`}
      onClick={() => setSource(value)}
      className={`border-b-2 px-3 py-2 text-sm ${
        source === value
          ? 'border-sky-600 font-medium dark:border-sky-400'
          : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:text-zinc-400 dark:hover:text-zinc-200'
      }`}
    >
      {label}
    </button>
  );
  return (
    <div className="flex flex-col gap-4">
      <div
        role="tablist"
        aria-label="Enroll from"
        className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800"
      >
        {tab('bmc', 'From a BMC address')}
        {tab('simulator', 'From the simulator')}
      </div>
      <div role="tabpanel" id={`enroll-${source}`} aria-labelledby={`enroll-tab-${source}`}>
        {source === 'bmc' ? <BmcForm /> : <SimulatorForm />}
      </div>
    </div>
  );
}

function useEnroll() {
  const trpc = useTRPC();
  const router = useRouter();
  return useMutation(
    trpc.machines.enroll.mutationOptions({
      onSuccess: (node) => router.push(machineHref(node.name)),
    }),
  );
}

function BmcForm() {
  const mutation = useEnroll();
  const errors = formErrors(mutation.error);
  const [driver, setDriver] = useState<'redfish' | 'ipmi'>('redfish');
  const [form, setForm] = useState({
    name: '',
    address: '',
    username: '',
    password: '',
    systemId: '',
    macs: '',
  });
  const [manage, setManage] = useState(true);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const macs = form.macs.split(/[\s,;]+/).filter(Boolean);
  // MAC issues come back per list entry (`macs.2`); the field shows them all.
  const fieldErrors: FormErrors = {
    ...errors,
    fields: {
      ...errors.fields,
      macs: Object.entries(errors.fields)
        .filter(([key]) => key.startsWith('macs.'))
        .map(([key, message]) => `${macs[Number(key.split('.')[1])] ?? key}: ${message}`)
        .join('; '),
    },
  };
  return (
    <form
      aria-label="Enroll from a BMC address"
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({
          source: 'bmc',
          driver,
          ...(form.name.trim() ? { name: form.name.trim() } : {}),
          address: form.address,
          username: form.username,
          password: form.password,
          systemId: driver === 'redfish' ? form.systemId : '',
          macs,
          manage,
        });
      }}
    >
      <fieldset className="flex gap-4 text-sm">
        <legend className="mb-1 text-sm font-medium">Driver</legend>
        {(['redfish', 'ipmi'] as const).map((d) => (
          <label key={d} className="flex items-center gap-2">
            <input
              type="radio"
              name="driver"
              value={d}
              checked={driver === d}
              onChange={() => setDriver(d)}
            />
            {d === 'redfish' ? 'Redfish' : 'IPMI'}
          </label>
        ))}
      </fieldset>
      <Field
        id="name"
        label="Name"
        help="Optional; letters, digits and . _ ~ -"
        errors={fieldErrors}
      >
        {(props) => (
          <input {...props} className={inputClass} value={form.name} onChange={set('name')} />
        )}
      </Field>
      <Field
        id="address"
        label="BMC address"
        help={
          driver === 'redfish'
            ? 'A URL, e.g. https://10.0.0.5 or http://127.0.0.1:8000'
            : 'A host name or IP address'
        }
        errors={fieldErrors}
      >
        {(props) => (
          <input
            {...props}
            className={inputClass}
            value={form.address}
            onChange={set('address')}
            required
          />
        )}
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="username" label="Username" errors={fieldErrors}>
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={form.username}
              onChange={set('username')}
              autoComplete="off"
            />
          )}
        </Field>
        <Field id="password" label="Password" errors={fieldErrors}>
          {(props) => (
            <input
              {...props}
              type="password"
              className={inputClass}
              value={form.password}
              onChange={set('password')}
              autoComplete="new-password"
            />
          )}
        </Field>
      </div>
      {driver === 'redfish' && (
        <Field
          id="systemId"
          label="System"
          help="Only when the BMC manages several systems: /redfish/v1/Systems/…"
          errors={fieldErrors}
        >
          {(props) => (
            <input
              {...props}
              className={inputClass}
              value={form.systemId}
              onChange={set('systemId')}
            />
          )}
        </Field>
      )}
      <Field
        id="macs"
        label="NIC MAC addresses"
        help="Optional, separated by spaces or commas: lets the agent find its node before inspection"
        errors={fieldErrors}
      >
        {(props) => (
          <textarea
            {...props}
            rows={2}
            className={`${inputClass} font-mono`}
            value={form.macs}
            onChange={set('macs')}
          />
        )}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={manage} onChange={(e) => setManage(e.target.checked)} />
        Manage after enrolling (checks that the BMC answers)
      </label>
      <ErrorSummary errors={errors} />
      <div>
        <button type="submit" className={primaryClass} disabled={mutation.isPending}>
          {mutation.isPending ? 'Enrolling…' : 'Enroll'}
        </button>
      </div>
    </form>
  );
}

function SimulatorForm() {
  const trpc = useTRPC();
  const machines = useQuery(trpc.machines.enrollable.queryOptions());
  const mutation = useEnroll();
  const errors = formErrors(mutation.error);
  const [machine, setMachine] = useState<string | null>(null);
  const [manage, setManage] = useState(true);
  return (
    <form
      aria-label="Enroll from the simulator"
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        if (machine) mutation.mutate({ source: 'simulator', machine, manage });
      }}
    >
      <fieldset className="flex flex-col gap-1">
        <legend className="mb-1 text-sm font-medium">Simulated machines not enrolled yet</legend>
        {machines.data?.length === 0 && (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            Every simulated machine is enrolled. Add one on the{' '}
            <Link href="/simulator" className="text-sky-700 hover:underline dark:text-sky-300">
              simulator page
            </Link>{' '}
            without enrolling it.
          </p>
        )}
        {machines.data?.map((m) => (
          <label key={m.id} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name="machine"
              value={m.id}
              checked={machine === m.id}
              onChange={() => setMachine(m.id)}
            />
            <span className="font-medium">{m.name}</span>
            {m.profile && <span className="text-zinc-500 dark:text-zinc-400">{m.profile}</span>}
          </label>
        ))}
        <FieldError id="machine-error" message={errors.fields.machine} />
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={manage} onChange={(e) => setManage(e.target.checked)} />
        Manage after enrolling (checks that the BMC answers)
      </label>
      <ErrorSummary errors={errors} />
      <div>
        <button type="submit" className={primaryClass} disabled={!machine || mutation.isPending}>
          {mutation.isPending ? 'Enrolling…' : 'Enroll'}
        </button>
      </div>
    </form>
  );
}
