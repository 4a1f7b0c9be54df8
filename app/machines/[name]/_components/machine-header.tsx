'use client';

import Link from 'next/link';
import { ConnectionIndicator } from '../../../_components/connection-indicator';
import { HeartbeatAge } from '../../../_components/heartbeat-age';
import { PowerCell, ProvisionCell } from '../../../_components/machine-cells';
import { PowerButton } from '../../../_components/power-button';
import { LifecycleActions } from '../../../_components/lifecycle-actions';
import { ProvisionActions } from '../../../_components/provision-actions';
import { RebootButton } from '../../../_components/reboot-button';
import { useMachine } from './use-machine';

export function MachineHeader({ name }: { name: string }) {
  const { data: row, error } = useMachine(name);
  return (
    <div className="flex flex-col gap-2">
      <Link href="/" className="text-sm text-sky-700 hover:underline dark:text-sky-300">
        ← Machines
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="text-xl font-semibold">{name}</h1>
          {row && (
            <>
              <div data-testid="machine-state" data-state={row.provisionState}>
                <ProvisionCell row={row} />
              </div>
              <PowerCell state={row.powerState} />
              <span className="text-sm text-zinc-500 dark:text-zinc-400">
                heartbeat <HeartbeatAge at={row.lastHeartbeat} />
              </span>
            </>
          )}
        </div>
        <div className="flex items-center gap-3">
          <ConnectionIndicator />
          {row && <ProvisionActions row={row} />}
          {row && <RebootButton row={row} />}
          {row && <PowerButton row={row} />}
        </div>
      </div>
      {row && (
        <div className="flex flex-wrap items-center justify-end gap-2">
          <LifecycleActions row={row} />
        </div>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error.message}
        </p>
      )}
    </div>
  );
}
