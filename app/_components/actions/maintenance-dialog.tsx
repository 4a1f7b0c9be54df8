'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MachineRow } from '../../_server/router';
import { useTRPC } from '../../_trpc/client';
import { formErrors } from './form-errors';
import { Modal } from './modal';
import { buttonClass, ErrorSummary, FieldError, inputClass, primaryClass } from './ui';

/** Maintenance on with a reason (shown to whoever finds the machine later), or off. */
export function MaintenanceDialog({ row, onClose }: { row: MachineRow; onClose: () => void }) {
  const trpc = useTRPC();
  const [reason, setReason] = useState('');
  const queryClient = useQueryClient();
  const mutation = useMutation(
    trpc.machines.setMaintenance.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.machines.events.pathKey() });
        onClose();
      },
    }),
  );
  const errors = formErrors(mutation.error);
  const on = row.maintenance;
  return (
    <Modal
      title={on ? `End maintenance of ${row.name}` : `Put ${row.name} in maintenance`}
      onClose={onClose}
    >
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate(
            on ? { ident: row.uuid, on: false } : { ident: row.uuid, on: true, reason },
          );
        }}
      >
        {on ? (
          <p className="text-sm">
            The conductor will act on {row.name} again: power sync, and the actions it refuses
            during maintenance.
          </p>
        ) : (
          <div>
            <label htmlFor="maintenance-reason" className="block text-sm font-medium">
              Reason
            </label>
            <input
              id="maintenance-reason"
              className={inputClass}
              value={reason}
              maxLength={255}
              placeholder="e.g. replacing a failed DIMM, ticket OPS-1234"
              aria-describedby={errors.fields.reason ? 'maintenance-reason-error' : undefined}
              aria-invalid={errors.fields.reason ? true : undefined}
              onChange={(e) => setReason(e.target.value)}
            />
            <FieldError id="maintenance-reason-error" message={errors.fields.reason} />
          </div>
        )}
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={primaryClass} disabled={mutation.isPending}>
            {on ? 'End maintenance' : 'Start maintenance'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
