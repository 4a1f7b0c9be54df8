'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FaultSpec, MachineKind } from '../../../simulator';
import { useTRPC } from '../../_trpc/client';
import { QEMU_FAULT_NOTE, faultKindsFor } from './fault-kinds';

const LABELS: Record<FaultSpec['kind'], string> = {
  'disk-failure': 'Disk fails (EIO)',
  'slow-disk': 'Disk slows down',
  'link-down': 'NIC link down',
  'bmc-unreachable': 'BMC unreachable',
  'bmc-error': 'BMC answers 500',
  'power-ignored': 'Power button ignored',
  'image-corrupt': 'Image downloads corrupted',
  'agent-crash': 'Agent crashes',
};

export function describeFault(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'disk-failure':
      return `${fault.disk} failing`;
    case 'slow-disk':
      return `${fault.disk} ${fault.factor}× slower`;
    case 'link-down':
      return `${fault.nic} link down`;
    case 'bmc-unreachable':
    case 'bmc-error':
    case 'power-ignored':
    case 'image-corrupt':
      return LABELS[fault.kind];
    case 'agent-crash':
      return 'Agent crashed (until reboot)';
  }
}

const control =
  'rounded-md bg-white px-1.5 py-0.5 text-xs ring-1 ring-zinc-300 dark:bg-zinc-900 dark:ring-zinc-700';

/** Active faults as removable chips, and a small form to inject one more. */
export function FaultEditor({
  machine,
}: {
  machine: {
    id: string;
    name: string;
    kind: MachineKind;
    faults: FaultSpec[];
    disks: { name: string }[];
    nics: string[];
  };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<FaultSpec['kind']>('bmc-error');
  const [target, setTarget] = useState('');
  const mutation = useMutation(
    trpc.fleet.setFault.mutationOptions({
      onSuccess: () =>
        void queryClient.invalidateQueries({ queryKey: trpc.fleet.machines.queryKey() }),
    }),
  );
  const kinds = faultKindsFor(machine.kind, Object.keys(LABELS) as FaultSpec['kind'][]);
  const disks = machine.disks.map((d) => d.name);
  const options = kind === 'link-down' ? machine.nics : disks;
  const needsTarget = kind === 'disk-failure' || kind === 'slow-disk' || kind === 'link-down';
  const chosen = options.includes(target) ? target : (options[0] ?? '');

  const build = (): FaultSpec => {
    switch (kind) {
      case 'disk-failure':
        return { kind, disk: chosen };
      case 'slow-disk':
        return { kind, disk: chosen, factor: 10 };
      case 'link-down':
        return { kind, nic: chosen };
      case 'bmc-unreachable':
      case 'bmc-error':
      case 'power-ignored':
      case 'image-corrupt':
      case 'agent-crash':
        return { kind };
    }
  };

  return (
    <div className="flex flex-col gap-1.5">
      {machine.faults.length > 0 && (
        <ul className="flex flex-wrap gap-1" aria-label={`Faults on ${machine.name}`}>
          {machine.faults.map((fault) => (
            <li
              key={JSON.stringify(fault)}
              className="inline-flex items-center gap-1 rounded-full bg-red-50 py-0.5 pr-1 pl-2 text-xs text-red-800 ring-1 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300"
            >
              {describeFault(fault)}
              <button
                type="button"
                aria-label={`Clear fault ${describeFault(fault)} on ${machine.name}`}
                onClick={() => mutation.mutate({ id: machine.id, fault, active: false })}
                className="rounded-full px-1 hover:bg-red-100 dark:hover:bg-red-500/20"
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="flex flex-wrap items-center gap-1"
        aria-label={`Inject a fault into ${machine.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate({ id: machine.id, fault: build(), active: true });
        }}
      >
        <select
          aria-label="Fault kind"
          aria-describedby={machine.kind === 'qemu' ? `qemu-faults-${machine.id}` : undefined}
          className={control}
          value={kind}
          onChange={(e) => setKind(e.target.value as FaultSpec['kind'])}
        >
          {kinds.map((value) => (
            <option key={value} value={value}>
              {LABELS[value]}
            </option>
          ))}
        </select>
        {needsTarget && (
          <select
            aria-label={kind === 'link-down' ? 'NIC' : 'Disk'}
            className={`${control} font-mono`}
            value={chosen}
            onChange={(e) => setTarget(e.target.value)}
          >
            {options.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        )}
        <button
          type="submit"
          disabled={mutation.isPending || (needsTarget && !chosen)}
          className="rounded-md px-2 py-0.5 text-xs ring-1 ring-zinc-300 hover:bg-zinc-50 disabled:opacity-60 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          Inject
        </button>
      </form>
      {machine.kind === 'qemu' && (
        <p id={`qemu-faults-${machine.id}`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {QEMU_FAULT_NOTE}
        </p>
      )}
      {mutation.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {mutation.error.message}
        </p>
      )}
    </div>
  );
}
