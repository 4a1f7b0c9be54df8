import { isVerbAllowed, TRANSITIONS, verbToEvent, type ApiVerb } from '../../conductor';

/** The provision verbs offered as plain buttons: none of them needs input or erases anything. */
export const CONSOLE_VERBS = ['manage', 'provide', 'inspect', 'abort', 'unhold'] as const;
export type ConsoleVerb = (typeof CONSOLE_VERBS)[number];

/**
 * Which verbs the conductor would accept from a provision state, decided by the conductor's own
 * state machine, so the console never offers what the API would refuse.
 */
export function allowedVerbs(provisionState: string): ConsoleVerb[] {
  return CONSOLE_VERBS.filter((verb) => isApiAllowed(provisionState, verb));
}

/** Every action the machine page offers, plain verbs and those that open a form. */
export const MACHINE_ACTIONS = [
  'manage',
  'provide',
  'inspect',
  'clean',
  'deploy',
  'undeploy',
  'abort',
  'unhold',
  'boot device',
  'maintenance',
] as const;
export type MachineAction = (typeof MACHINE_ACTIONS)[number];

export interface ActionState {
  action: MachineAction;
  allowed: boolean;
  /** Why not, in words an operator can act on; null when allowed. */
  reason: string | null;
}

/** What availability depends on: the node as the conductor shows it. */
export interface ActionNode {
  provision_state: string;
  target_provision_state: string | null;
  maintenance: boolean;
  driver: string;
}

/** Hardware types whose management interface can set the boot device here. */
const BOOT_DEVICE_DRIVERS: ReadonlySet<string> = new Set(['redfish']);

const PROVISION_VERB: Partial<Record<MachineAction, ApiVerb>> = {
  manage: 'manage',
  provide: 'provide',
  inspect: 'inspect',
  clean: 'clean',
  deploy: 'deploy',
  undeploy: 'undeploy',
  abort: 'abort',
  unhold: 'unhold',
};

/**
 * States where the conductor is doing the work itself (`cleaning`, `deploying`, …): it accepts no
 * verb there, even though its table lists internal events such as deleting → cleaning.
 */
const isWorking = (state: string) => state.endsWith('ing');

function isApiAllowed(state: string, verb: ApiVerb): boolean {
  return !isWorking(state) && isVerbAllowed(state, verb);
}

/** The states a verb is accepted from, to tell the operator where it would work. */
export function statesAllowing(verb: ApiVerb): string[] {
  const event = verbToEvent(verb);
  return Object.entries(TRANSITIONS)
    .filter(([state, events]) => !isWorking(state) && events?.[event] !== undefined)
    .map(([state]) => state);
}

function provisionReason(node: ActionNode, verb: ApiVerb): string | null {
  const state = node.provision_state;
  if (isApiAllowed(state, verb)) {
    // The conductor validates deploys before accepting them and refuses nodes in maintenance.
    if (verb === 'deploy' && node.maintenance) return 'Take the machine out of maintenance first';
    return null;
  }
  if (isWorking(state)) return `Wait: the conductor is ${state}`;
  const from = statesAllowing(verb);
  return `Not from "${state}"; only from ${from.map((s) => `"${s}"`).join(', ')}`;
}

/** Every action with whether the conductor would accept it now and, if not, why. */
export function actionStates(node: ActionNode): ActionState[] {
  return MACHINE_ACTIONS.map((action) => {
    const verb = PROVISION_VERB[action];
    let reason: string | null = null;
    if (verb) reason = provisionReason(node, verb);
    else if (action === 'boot device') {
      if (!BOOT_DEVICE_DRIVERS.has(node.driver)) {
        reason = `The ${node.driver} hardware type cannot set the boot device here`;
      } else if (isWorking(node.provision_state)) {
        reason = `Wait: the conductor is ${node.provision_state} and sets the boot device itself`;
      }
    }
    return { action, allowed: reason === null, reason };
  });
}
