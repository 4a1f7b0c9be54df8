import type { Clock, Logger } from '../../../lib';
import type { FaultSpec } from '../../../simulator';
import type { NodeChange, NodeView } from '../lab-ports';
import { findMachine } from '../machine-row';
import { retryWhileLocked } from '../retry-locked';
import type { EnrollingConductor, SimulatorPort } from '../simulator-ports';
import { findScenario, SCENARIOS, type ScenarioAction, type ScenarioDefinition } from './catalogue';

export type ScenarioConductor = Pick<
  EnrollingConductor,
  'getNode' | 'listNodes' | 'onChange' | 'createNode' | 'setProvisionState' | 'setPowerState'
>;
export type ScenarioFleet = Pick<
  SimulatorPort,
  'get' | 'list' | 'addMachine' | 'enrollment' | 'injectFault' | 'clearFault'
>;

export interface ScenarioEngineOptions {
  conductor: ScenarioConductor;
  fleet: ScenarioFleet;
  clock: Clock;
  /** Starts a deploy of the node (the verb needs instance_info the in-process port lacks). */
  deploy: (uuid: string) => Promise<void>;
  logger?: Logger;
  /** Profile of the machines racked for a scenario when none is named. */
  profile?: string;
}

export type RunStatus = 'running' | 'passed' | 'unexpected' | 'failed' | 'cancelled';

export interface ScenarioRunView {
  id: string;
  scenario: string;
  title: string;
  machine: string;
  node: string | null;
  status: RunStatus;
  /** The state the trainee should end up looking at. */
  expect: string;
  startedAt: number;
  endedAt: number | null;
  /** What was done to the machine, once done. */
  injected: string | null;
  outcome: { state: string; reason: string | null } | null;
  /** Faults this run injected that are still on the machine. */
  activeFaults: number;
  log: { at: number; text: string }[];
}

/** Provision states an operation comes to rest in, besides the one the scenario expects. */
const RESTING: Record<ScenarioDefinition['operation'], readonly string[]> = {
  clean: ['available', 'manageable', 'clean failed', 'clean hold'],
  deploy: ['active', 'deploy failed', 'available'],
};

export class ScenarioConflictError extends Error {}

interface Run {
  view: ScenarioRunView;
  definition: ScenarioDefinition;
  faults: FaultSpec[];
  off?: () => void;
}

export function describeAction(action: ScenarioAction): string {
  const { fault } = action;
  if (fault.kind === 'disk-failure') return `disk ${fault.disk} fails every read and write`;
  if (fault.kind === 'slow-disk') return `disk ${fault.disk} ${fault.factor}\u00d7 slower`;
  if (fault.kind === 'link-down') return `NIC ${fault.nic} link down`;
  return FAULT_WORDS[fault.kind] ?? fault.kind;
}

const FAULT_WORDS: Partial<Record<FaultSpec['kind'], string>> = {
  'bmc-unreachable': 'BMC stopped answering',
  'bmc-error': 'BMC answers every request with 500',
  'power-ignored': 'power requests ignored',
  'image-corrupt': 'image downloads corrupted',
  'agent-crash': 'killed the agent process',
};

/**
 * Runs training scenarios: readies a machine, starts an operation on it, watches the conductor's
 * change bus for the scenario's moment and strikes then (a fault through the simulator, or a
 * crashed agent), and reports how the node came to rest. Listens only while runs are going.
 */
export class ScenarioEngine {
  private readonly runs: Run[] = [];
  private nextId = 1;

  constructor(private readonly options: ScenarioEngineOptions) {}

  catalogue() {
    return SCENARIOS.map(({ id, title, description, operation, from, when, expect }) => ({
      id,
      title,
      description,
      operation,
      from,
      when: when.description,
      expect,
    }));
  }

  list(): ScenarioRunView[] {
    return this.runs.map((run) => this.viewOf(run)).reverse();
  }

  /**
   * Starts `scenarioId` on `machine` (a simulated machine's id, whose node must be at rest in
   * the scenario's starting state) or on a freshly racked one. Returns once the run is set up;
   * the operation and the strike follow in the background.
   */
  start(scenarioId: string, machine?: string): ScenarioRunView {
    const definition = findScenario(scenarioId);
    if (!definition) throw new RangeError(`no scenario "${scenarioId}"`);
    const { node, machineId } = machine
      ? this.existing(definition, machine)
      : this.rackOne(definition);
    const run: Run = {
      definition,
      faults: [],
      view: {
        id: String(this.nextId++),
        scenario: definition.id,
        title: definition.title,
        machine: machineId,
        node: node.name ?? node.uuid,
        status: 'running',
        expect: definition.expect,
        startedAt: this.options.clock.now(),
        endedAt: null,
        injected: null,
        outcome: null,
        activeFaults: 0,
        log: [],
      },
    };
    this.runs.push(run);
    this.note(run, machine ? `using ${machineId}` : `racked and enrolled ${machineId}`);
    run.off = this.options.conductor.onChange((change) => this.onChange(run, node.uuid, change));
    void this.kickOff(run, node).catch((error: unknown) => {
      this.finish(run, 'failed', null, `could not start: ${messageOf(error)}`);
    });
    return this.viewOf(run);
  }

  /** Stops a running scenario and clears the faults it injected; the node carries on as it is. */
  async clear(id: string): Promise<ScenarioRunView> {
    const run = this.runs.find((r) => r.view.id === id);
    if (!run) throw new RangeError(`no scenario run ${id}`);
    if (run.view.status === 'running') this.finish(run, 'cancelled', null, 'cancelled');
    for (const fault of run.faults.splice(0)) {
      try {
        this.options.fleet.clearFault(run.view.machine, fault);
        this.note(run, `cleared: ${describeAction({ kind: 'fault', fault })}`);
      } catch (error) {
        this.note(run, `could not clear a fault: ${messageOf(error)}`);
      }
    }
    await Promise.resolve();
    return this.viewOf(run);
  }

  stop(): void {
    for (const run of this.runs) {
      run.off?.();
      run.off = undefined;
    }
  }

  private viewOf(run: Run): ScenarioRunView {
    return { ...structuredClone(run.view), activeFaults: run.faults.length };
  }

  private existing(definition: ScenarioDefinition, id: string) {
    const machine = this.options.fleet.get(id);
    if (!machine) throw new RangeError(`no simulated machine ${id}`);
    const node = this.options.conductor.listNodes().find((n) => findMachine(n, [machine]));
    if (!node) throw new ScenarioConflictError(`${id} is not enrolled`);
    if (node.provision_state !== definition.from || node.target_provision_state) {
      throw new ScenarioConflictError(
        `${id} is ${node.provision_state}; this scenario starts from ${definition.from}`,
      );
    }
    if (this.runs.some((r) => r.view.status === 'running' && r.view.machine === machine.id)) {
      throw new ScenarioConflictError(`a scenario is already running on ${id}`);
    }
    return { node, machineId: machine.id };
  }

  private rackOne(definition: ScenarioDefinition) {
    const { fleet, conductor } = this.options;
    const taken = new Set([
      ...fleet.list().flatMap((m) => [m.id, m.name]),
      ...conductor.listNodes().flatMap((n) => (n.name ? [n.name] : [])),
    ]);
    let name = '';
    for (let i = 1; !name || taken.has(name); i++) name = `drill-${String(i).padStart(2, '0')}`;
    const machine = fleet.addMachine({
      profile: this.options.profile ?? 'small-vm',
      name,
      id: name,
      bootDevice: 'Pxe',
    });
    const node = conductor.createNode({
      ...fleet.enrollment(machine.id),
      provision_state: definition.from,
    });
    return { node, machineId: machine.id };
  }

  private async kickOff(run: Run, node: NodeView): Promise<void> {
    const { conductor, clock } = this.options;
    if (run.definition.operation === 'clean') {
      await retryWhileLocked(clock, () => conductor.setProvisionState(node.uuid, 'provide'));
      this.note(run, 'provide: automated cleaning started');
    } else {
      // A ramdisk still up from cleaning would be reused (fast track) with no BMC call to fail.
      if (conductor.getNode(node.uuid)?.power_state !== 'power off') {
        await retryWhileLocked(clock, () => conductor.setPowerState(node.uuid, 'power off'));
        this.note(run, 'powered off');
      }
      this.note(run, 'deploy requested through the Ironic API');
      await this.options.deploy(node.uuid);
    }
    const now = conductor.getNode(node.uuid);
    if (now) this.judge(run, now);
  }

  private onChange(run: Run, uuid: string, change: NodeChange): void {
    if (change.uuid !== uuid) return;
    if (!change.node) {
      this.finish(run, 'failed', null, 'the node was deleted');
      return;
    }
    this.judge(run, change.node);
  }

  private judge(run: Run, node: NodeView): void {
    if (run.view.status !== 'running') return;
    const { definition } = run;
    if (run.view.injected === null && definition.when.test(node)) this.strike(run);
    // Ironic keeps the target on a failed node (clean failed → manageable), so failures count
    // as at rest whatever their target.
    const resting =
      (!node.target_provision_state || node.provision_state.endsWith('failed')) &&
      (node.provision_state === definition.expect ||
        RESTING[definition.operation].includes(node.provision_state));
    // The starting state is also a resting one: wait until the operation has moved off it.
    if (!resting || (run.view.injected === null && node.provision_state === definition.from))
      return;
    const outcome = { state: node.provision_state, reason: node.last_error };
    if (run.view.injected === null) {
      this.finish(
        run,
        'unexpected',
        outcome,
        `${node.provision_state} before ${definition.when.description}`,
      );
    } else if (node.provision_state === definition.expect) {
      this.finish(run, 'passed', outcome, `ended ${node.provision_state} as expected`);
    } else {
      this.finish(
        run,
        'unexpected',
        outcome,
        `ended ${node.provision_state}, not ${definition.expect}`,
      );
    }
  }

  private strike(run: Run): void {
    const machine = this.options.fleet.get(run.view.machine);
    if (!machine) {
      this.finish(run, 'failed', null, `machine ${run.view.machine} is gone`);
      return;
    }
    const action = run.definition.action(machine);
    run.view.injected = describeAction(action);
    this.note(run, `${run.definition.when.description}: ${run.view.injected}`);
    try {
      this.options.fleet.injectFault(machine.id, action.fault);
      run.faults.push(action.fault);
    } catch (error) {
      this.note(run, `could not inject: ${messageOf(error)}`);
    }
  }

  private finish(
    run: Run,
    status: RunStatus,
    outcome: ScenarioRunView['outcome'],
    text: string,
  ): void {
    if (run.view.status !== 'running') return;
    run.off?.();
    run.off = undefined;
    run.view.status = status;
    run.view.outcome = outcome;
    run.view.endedAt = this.options.clock.now();
    this.note(run, outcome?.reason ? `${text}: ${outcome.reason}` : text);
    this.options.logger?.info(
      { scenario: run.definition.id, machine: run.view.machine, status },
      'scenario ended',
    );
  }

  private note(run: Run, text: string): void {
    run.view.log.push({ at: this.options.clock.now(), text });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
