import type { FaultSpec } from '../../../simulator';
import type { NodeView } from '../lab-ports';

/** What a scenario does to the machine when its moment comes. */
export interface ScenarioAction {
  kind: 'fault';
  fault: FaultSpec;
}

export interface ScenarioMachine {
  disks: readonly { name: string; sizeBytes: number }[];
}

export interface ScenarioDefinition {
  id: string;
  title: string;
  /** What the trainee sees happen, and what to look for. */
  description: string;
  /** The operation the scenario starts on its machine. */
  operation: 'clean' | 'deploy';
  /** The provision state the machine must be in for that operation. */
  from: 'manageable' | 'available';
  /** The moment to strike, judged on every change of the node. */
  when: { description: string; test: (node: NodeView) => boolean };
  action: (machine: ScenarioMachine) => ScenarioAction;
  /** The provision state a trainee should end up looking at. */
  expect: string;
}

const GIB = 1024 ** 3;

/**
 * The disk Ironic installs to when no root device hint says otherwise: the smallest disk of at
 * least 4 GiB (IPA's default), or the first disk when none is that large.
 */
export function defaultRootDisk(machine: ScenarioMachine): string {
  const eligible = machine.disks
    .filter((disk) => disk.sizeBytes >= 4 * GIB)
    .sort((a, b) => a.sizeBytes - b.sizeBytes);
  const disk = eligible[0] ?? machine.disks[0];
  if (!disk) throw new RangeError('the machine has no disks');
  return disk.name;
}

function stepOf(node: NodeView, key: 'clean_step' | 'deploy_step'): string | null {
  const step = node[key]?.step;
  return typeof step === 'string' ? step : null;
}

const erasing = (node: NodeView) =>
  node.provision_state.startsWith('clean') &&
  (stepOf(node, 'clean_step') ?? '').startsWith('erase');

export const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    id: 'disk-dies-during-cleaning',
    title: 'A disk dies during cleaning',
    description:
      'Cleaning starts; when the agent begins erasing, the root disk starts failing every read and write. The erase step fails and the node ends in clean failed with the agent\u2019s error as its reason.',
    operation: 'clean',
    from: 'manageable',
    when: { description: 'an erase step starts', test: erasing },
    action: (machine) => ({
      kind: 'fault',
      fault: { kind: 'disk-failure', disk: defaultRootDisk(machine) },
    }),
    expect: 'clean failed',
  },
  {
    id: 'slow-disk-during-cleaning',
    title: 'A slow disk during cleaning',
    description:
      'When erasing starts the root disk drops to a fifth of its speed. Cleaning still succeeds, only later: watch the step run past its estimate before the node reaches available.',
    operation: 'clean',
    from: 'manageable',
    when: { description: 'an erase step starts', test: erasing },
    action: (machine) => ({
      kind: 'fault',
      fault: { kind: 'slow-disk', disk: defaultRootDisk(machine), factor: 5 },
    }),
    expect: 'available',
  },
  {
    id: 'agent-crashes-mid-step',
    title: 'The agent crashes mid-step',
    description:
      'The agent process is killed while a clean step runs. Heartbeats stop and the conductor can no longer reach the agent to ask how the step went, so the step fails and the node ends in clean failed.',
    operation: 'clean',
    from: 'manageable',
    when: { description: 'an erase step starts', test: erasing },
    action: () => ({ kind: 'fault', fault: { kind: 'agent-crash' } }),
    expect: 'clean failed',
  },
  {
    id: 'bmc-goes-away-during-deploy',
    title: 'The BMC goes away during deploy',
    description:
      'A powered-off machine is deployed; as deploying starts its BMC stops answering, so the conductor cannot boot the deploy ramdisk and the node ends in deploy failed with the BMC error.',
    operation: 'deploy',
    from: 'available',
    when: { description: 'deploying starts', test: (node) => node.provision_state === 'deploying' },
    action: () => ({ kind: 'fault', fault: { kind: 'bmc-unreachable' } }),
    expect: 'deploy failed',
  },
];

export function findScenario(id: string): ScenarioDefinition | undefined {
  return SCENARIOS.find((scenario) => scenario.id === id);
}
