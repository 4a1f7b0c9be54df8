'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ComponentType } from 'react';
import type { MachineRow } from '../_server/router';
import { useTRPC } from '../_trpc/client';
import { BootDeviceDialog } from './actions/boot-device-dialog';
import { CleanDialog } from './actions/clean-dialog';
import { DeployDialog } from './actions/deploy-dialog';
import { MaintenanceDialog } from './actions/maintenance-dialog';
import { UndeployDialog } from './actions/undeploy-dialog';
import { buttonClass } from './actions/ui';

type FormAction = 'clean' | 'deploy' | 'undeploy' | 'boot device' | 'maintenance';

const FORMS: Record<FormAction, ComponentType<{ row: MachineRow; onClose: () => void }>> = {
  clean: CleanDialog,
  deploy: DeployDialog,
  undeploy: UndeployDialog,
  'boot device': BootDeviceDialog,
  maintenance: MaintenanceDialog,
};

const label = (action: FormAction, row: MachineRow) =>
  action === 'maintenance'
    ? row.maintenance
      ? 'End maintenance…'
      : 'Maintenance…'
    : `${action[0]!.toUpperCase()}${action.slice(1)}…`;

/**
 * The actions that open a form: always shown, disabled with the conductor's reason when it would
 * refuse them now, so an operator learns what to do first instead of hunting for a button.
 */
export function LifecycleActions({ row }: { row: MachineRow }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const actions = useQuery(trpc.machines.actions.queryOptions({ ident: row.uuid }));
  const [open, setOpen] = useState<FormAction | null>(null);
  // What is allowed follows the node's state, which the live stream keeps current in `row`.
  useEffect(() => {
    void queryClient.invalidateQueries({
      queryKey: trpc.machines.actions.queryKey({ ident: row.uuid }),
    });
  }, [trpc, queryClient, row.uuid, row.provisionState, row.maintenance, row.targetProvisionState]);

  const Form = open ? FORMS[open] : null;
  const unavailable = actions.data?.actions.filter((a) => !a.allowed) ?? [];
  return (
    <>
      {row.maintenance && (
        <p className="mr-auto rounded-md bg-amber-100 px-2 py-0.5 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          In maintenance
          {actions.data?.maintenanceReason ? `: ${actions.data.maintenanceReason}` : ''}
        </p>
      )}
      <div className="flex flex-wrap gap-2" role="group" aria-label="Machine actions">
        {(Object.keys(FORMS) as FormAction[]).map((action) => {
          const state = actions.data?.actions.find((a) => a.action === action);
          const reason = state?.reason ?? null;
          const reasonId = `action-reason-${action.replace(' ', '-')}`;
          return (
            // A disabled button gets no hover in every browser; its wrapper carries the reason.
            <span key={action} className="inline-flex" title={reason ?? undefined}>
              <button
                type="button"
                className={buttonClass}
                disabled={!state?.allowed}
                aria-describedby={reason ? reasonId : undefined}
                onClick={() => setOpen(action)}
              >
                {label(action, row)}
              </button>
              {reason && (
                <span id={reasonId} className="sr-only">
                  {reason}
                </span>
              )}
            </span>
          );
        })}
      </div>
      {Form && <Form row={row} onClose={() => setOpen(null)} />}
      {unavailable.length > 0 && (
        <details className="text-xs text-zinc-500 dark:text-zinc-400">
          <summary className="cursor-pointer">Why are some actions unavailable?</summary>
          <ul aria-label="Unavailable actions" className="mt-1 flex flex-col gap-0.5">
            {unavailable.map((a) => (
              <li key={a.action}>
                <span className="font-medium">{a.action}</span>: {a.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
