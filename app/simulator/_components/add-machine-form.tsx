'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../_trpc/client';

const field =
  'rounded-md bg-white px-2 py-1 text-sm text-zinc-900 ring-1 ring-zinc-300 placeholder:text-zinc-500 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:placeholder:text-zinc-400';

/** Racks a new simulated machine; by default enrols it and powers it on, as an operator would. */
export function AddMachineForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const profiles = useQuery(trpc.fleet.profiles.queryOptions());
  const [profile, setProfile] = useState('');
  const [name, setName] = useState('');
  const [enroll, setEnroll] = useState(true);
  const [powerOn, setPowerOn] = useState(true);
  const add = useMutation(
    trpc.fleet.add.mutationOptions({
      onSuccess: () => {
        setName('');
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() });
      },
    }),
  );
  const chosen = profile || profiles.data?.[0]?.name || '';
  const description = profiles.data?.find((p) => p.name === chosen)?.description;

  return (
    <form
      aria-label="Add a machine"
      className="flex flex-col gap-2 rounded-lg p-4 ring-1 ring-zinc-200 dark:ring-zinc-800"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({
          profile: chosen,
          name: name.trim() || undefined,
          enroll,
          powerOn: enroll && powerOn,
        });
      }}
    >
      <h2 className="text-sm font-semibold">Add a machine</h2>
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-xs text-zinc-600 dark:text-zinc-400">
          Profile
          <select className={field} value={chosen} onChange={(e) => setProfile(e.target.value)}>
            {profiles.data?.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-600 dark:text-zinc-400">
          Name (optional)
          <input
            className={`${field} font-mono`}
            value={name}
            placeholder={`${chosen}-NN`}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" checked={enroll} onChange={(e) => setEnroll(e.target.checked)} />
          Enrol with the conductor
        </label>
        <label className="flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            checked={enroll && powerOn}
            disabled={!enroll}
            onChange={(e) => setPowerOn(e.target.checked)}
          />
          Power on
        </label>
        <button
          type="submit"
          disabled={add.isPending || !chosen}
          className="rounded-md bg-sky-700 px-3 py-1 text-sm font-medium text-white hover:bg-sky-800 disabled:opacity-60"
        >
          {add.isPending ? 'Adding…' : 'Add machine'}
        </button>
      </div>
      {description && <p className="text-xs text-zinc-500 dark:text-zinc-400">{description}</p>}
      {add.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {add.error.message}
        </p>
      )}
      {add.data && !add.isPending && (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
          Added {add.data.machine}
          {add.data.node ? ', enrolled' : ''}.
        </p>
      )}
    </form>
  );
}
