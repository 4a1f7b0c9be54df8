import type { Logger } from '../../lib';
import type { ConductorPort, NodeView } from './lab-ports';

/** What seeding needs from the simulator: add a machine and say how to enrol it. */
export interface DemoFleet {
  addMachine(options: {
    profile: string;
    name?: string;
    id?: string;
    powerOn?: boolean;
    bootDevice?: 'Pxe' | 'Hdd';
  }): { id: string; name: string };
  enrollment(id: string): {
    name: string;
    driver: string;
    driver_info: Record<string, unknown>;
    properties: Record<string, unknown>;
    ports: { address: string }[];
  };
}

export interface DemoConductor extends ConductorPort {
  createNode(input: {
    name?: string;
    driver: string;
    driver_info?: Record<string, unknown>;
    properties?: Record<string, unknown>;
    ports?: { address: string }[];
    provision_state?: 'enroll' | 'manageable' | 'available';
  }): NodeView;
}

export interface DemoPlan {
  name: string;
  profile: string;
  powerOn: boolean;
}

/**
 * The demo fleet: a mix of profiles, all powered on but the last, which stays off so a visitor
 * (or a test) can power it on and watch it come up.
 */
export function planDemo(count: number, profiles: readonly string[]): DemoPlan[] {
  if (profiles.length === 0) throw new RangeError('at least one machine profile is needed');
  return Array.from({ length: count }, (_, i) => ({
    name: `demo-${String(i + 1).padStart(2, '0')}`,
    profile: profiles[i % profiles.length]!,
    powerOn: i < count - 1,
  }));
}

/**
 * Adds the demo machines to the fleet and enrols each one not already known to the conductor;
 * returns the nodes the plan wants powered on. The conductor's database outlives the process,
 * the fleet does not: on a restart the machines are rebuilt with the same ids, so the existing
 * nodes still point at the right BMC systems.
 */
export function enrollDemoMachines(options: {
  conductor: DemoConductor;
  fleet: DemoFleet;
  plan: readonly DemoPlan[];
  logger: Logger;
}): string[] {
  const { conductor, fleet, logger } = options;
  const toPowerOn: string[] = [];
  for (const item of options.plan) {
    const machine = fleet.addMachine({
      profile: item.profile,
      name: item.name,
      id: item.name,
      powerOn: false,
      bootDevice: 'Pxe',
    });
    const existing = conductor.getNode(item.name);
    const node =
      existing ??
      conductor.createNode({ ...fleet.enrollment(machine.id), provision_state: 'manageable' });
    if (!existing) logger.info({ node: node.uuid, name: item.name }, 'enrolled demo machine');
    if (item.powerOn) toPowerOn.push(node.uuid);
  }
  return toPowerOn;
}

/** Powers nodes on through the conductor (so through their BMCs); failures are logged, not thrown. */
export async function powerOnNodes(
  conductor: ConductorPort,
  uuids: readonly string[],
  logger: Logger,
): Promise<void> {
  const results = await Promise.allSettled(
    uuids.map((uuid) => conductor.setPowerState(uuid, 'power on')),
  );
  results.forEach((result, i) => {
    if (result.status === 'rejected') {
      logger.warn({ err: result.reason as unknown, node: uuids[i] }, 'demo power on failed');
    }
  });
}
