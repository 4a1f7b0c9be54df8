'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { MachineRow } from '../../_server/router';
import { useTRPC } from '../../_trpc/client';
import { formErrors } from './form-errors';
import { Modal } from './modal';
import { buttonClass, ConfirmErase, dangerClass, ErrorSummary, PreflightList } from './ui';

/** Undeploy: the instance goes, automated cleaning follows; both are listed before confirming. */
export function UndeployDialog({ row, onClose }: { row: MachineRow; onClose: () => void }) {
  const trpc = useTRPC();
  const [confirmed, setConfirmed] = useState(false);
  const preflight = useQuery(
    trpc.machines.preflight.queryOptions({ ident: row.uuid, action: 'undeploy' }),
  );
  const mutation = useMutation(trpc.machines.undeploy.mutationOptions({ onSuccess: onClose }));
  const errors = formErrors(mutation.error);
  const blocked = preflight.data?.checks.some((c) => c.level === 'block') ?? true;
  return (
    <Modal title={`Undeploy ${row.name}`} onClose={onClose}>
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          if (confirmed && !blocked) mutation.mutate({ ident: row.uuid });
        }}
      >
        <PreflightList preflight={preflight.data} loading={preflight.isFetching} />
        <ConfirmErase checked={confirmed} onChange={setConfirmed}>
          I have read what will be erased on <strong>{row.name}</strong>.
        </ConfirmErase>
        <ErrorSummary errors={errors} />
        <div className="flex justify-end gap-2">
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={dangerClass}
            disabled={!confirmed || blocked || mutation.isPending}
          >
            {mutation.isPending ? 'Starting…' : `Undeploy ${row.name}`}
          </button>
        </div>
      </form>
    </Modal>
  );
}
