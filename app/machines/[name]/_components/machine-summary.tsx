'use client';

import Link from 'next/link';
import { Card, Fact, Facts } from '../../../_components/facts';
import { formatDiskBytes, formatInstant, formatMemoryMiB } from '../../../_components/format';
import { HeartbeatAge } from '../../../_components/heartbeat-age';
import { machineHref } from '../../../_components/machine-cells';
import { StepDetail } from '../../../_components/step-progress';
import { StepsTimeline } from './steps-timeline';
import { useMachine } from './use-machine';

const mono = 'font-mono text-xs';

export function MachineSummary({ name }: { name: string }) {
  const { data: row, isPending } = useMachine(name);
  if (isPending) return <p className="text-sm text-zinc-500">Loading…</p>;
  if (!row) return null;
  const inv = row.inventory;
  return (
    <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
      <Card title="Provisioning">
        <Facts>
          <Fact label="State">{row.provisionState}</Fact>
          <Fact label="Target">{row.targetProvisionState}</Fact>
          {row.step && (
            <Fact label="Step">
              <StepDetail row={row} />
            </Fact>
          )}
          <Fact label="Maintenance">{row.maintenance ? 'yes' : 'no'}</Fact>
          <Fact label="Last error">
            {row.lastError && (
              <span className="text-red-700 dark:text-red-400">{row.lastError}</span>
            )}
          </Fact>
          <Fact label="Updated">{row.updatedAt !== null && formatInstant(row.updatedAt)}</Fact>
          <Fact label="UUID">
            <span className={mono}>{row.uuid}</span>
          </Fact>
        </Facts>
      </Card>
      <Card title="Agent">
        <Facts>
          <Fact label="Heartbeat">
            <HeartbeatAge at={row.lastHeartbeat} />
          </Fact>
          <Fact label="Version">{row.agentVersion}</Fact>
          <Fact label="URL">{row.agentUrl && <span className={mono}>{row.agentUrl}</span>}</Fact>
        </Facts>
      </Card>
      <Card
        title="Hardware"
        action={
          <Link
            href={`${machineHref(row.name)}/inventory`}
            className="text-xs text-sky-700 hover:underline dark:text-sky-300"
          >
            Full inventory
          </Link>
        }
      >
        {inv ? (
          <Facts>
            <Fact label="CPU">
              {inv.cpus ?? '?'} × {inv.cpuModel ?? 'unknown model'}
            </Fact>
            <Fact label="Memory">{inv.ramMiB !== null && formatMemoryMiB(inv.ramMiB)}</Fact>
            <Fact label="Disks">
              {inv.diskCount}, {formatDiskBytes(inv.diskBytes)} in all
            </Fact>
            <Fact label="NICs">{inv.nicCount}</Fact>
          </Facts>
        ) : (
          <p className="text-sm text-zinc-500">
            Not inspected yet. Inspect it (from manageable): the conductor boots the agent, which
            reports the CPUs, memory, disks and NICs it finds.
          </p>
        )}
      </Card>
      <Card title="BMC">
        <Facts>
          <Fact label="Driver">{row.driver}</Fact>
          <Fact label="Address">{row.bmc && <span className={mono}>{row.bmc.address}</span>}</Fact>
          <Fact label="System">
            {row.bmc?.systemId && <span className={mono}>{row.bmc.systemId}</span>}
          </Fact>
          <Fact label="Power">{row.powerState ?? 'unknown'}</Fact>
        </Facts>
      </Card>
      <StepsTimeline row={row} />
      {row.simulated && (
        <Card title="Simulator">
          <Facts>
            <Fact label="Profile">{row.simulated.profile}</Fact>
            <Fact label="Board power">{row.simulated.power}</Fact>
            <Fact label="Running">{row.simulated.agent}</Fact>
            <Fact label="Machine id">
              <span className={mono}>{row.simulated.id}</span>
            </Fact>
          </Facts>
        </Card>
      )}
    </div>
  );
}
