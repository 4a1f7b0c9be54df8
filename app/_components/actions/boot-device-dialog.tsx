'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MachineRow } from '../../_server/router';
import { useTRPC } from '../../_trpc/client';
import { formErrors } from './form-errors';
import { Modal } from './modal';
import { buttonClass, ErrorSummary, FieldError, primaryClass } from './ui';

const DEVICES = [
  { value: 'pxe', label: 'Network (PXE)', help: 'Boot the agent ramdisk from the network' },
  { value: 'disk', label: 'Disk', help: 'Boot what is installed on the local disk' },
  { value: 'cdrom', label: 'CD / virtual media', help: 'Boot the inserted (virtual) CD' },
  { value: 'bios', label: 'Firmware setup', help: 'Stop in the BIOS/UEFI setup screen' },
] as const;
type Device = (typeof DEVICES)[number]['value'];

/** The BMC's boot override, as `baremetal node boot device set`. */
export function BootDeviceDialog({ row, onClose }: { row: MachineRow; onClose: () => void }) {
  const trpc = useTRPC();
  const [device, setDevice] = useState<Device>('pxe');
  const [persistent, setPersistent] = useState(false);
  const queryClient = useQueryClient();
  const mutation = useMutation(
    trpc.machines.setBootDevice.mutationOptions({
      onSuccess: () => {
        // The history gains an entry the row does not show; fetch it now.
        void queryClient.invalidateQueries({ queryKey: trpc.machines.events.pathKey() });
        onClose();
      },
    }),
  );
  const errors = formErrors(mutation.error);
  return (
    <Modal title={`Boot device of ${row.name}`} onClose={onClose}>
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate({ ident: row.uuid, device, persistent });
        }}
      >
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-1 text-sm font-medium">Boot from</legend>
          {DEVICES.map((d) => (
            <label key={d.value} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="device"
                className="mt-1"
                value={d.value}
                checked={device === d.value}
                onChange={() => setDevice(d.value)}
              />
              <span>
                {d.label}
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">{d.help}</span>
              </span>
            </label>
          ))}
          <FieldError id="device-error" message={errors.fields.device} />
        </fieldset>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={persistent}
            onChange={(e) => setPersistent(e.target.checked)}
          />
          <span>
            Persistent
            <span className="block text-xs text-zinc-500 dark:text-zinc-400">
              Every boot, not only the next one. The conductor sets its own device when it deploys
              or cleans.
            </span>
          </span>
        </label>
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={primaryClass} disabled={mutation.isPending}>
            {mutation.isPending ? 'Setting…' : 'Set boot device'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
