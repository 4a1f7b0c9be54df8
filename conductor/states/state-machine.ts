import type { ProvisionState } from '../../protocol';

/**
 * Ironic's provision state machine (ironic/common/state_machine.py, research conductor-bmc.md
 * §1.3), as data. Pure: no I/O, no clock.
 */

/** Verbs an API client may send as `target` to PUT /v1/nodes/{id}/states/provision. */
export const API_VERBS = [
  'manage',
  'provide',
  'inspect',
  'clean',
  'abort',
  'active',
  'deploy',
  'deleted',
  'undeploy',
  'rebuild',
  'adopt',
  'rescue',
  'unrescue',
  'unhold',
  'service',
] as const;
export type ApiVerb = (typeof API_VERBS)[number];

/** Internal events the conductor fires itself. */
export type InternalEvent = 'done' | 'fail' | 'wait' | 'resume' | 'hold';

/** FSM events: API verbs normalised (`active`/`deploy` → deploy, `deleted`/`undeploy` → delete). */
export type ProvisionEvent =
  | 'manage'
  | 'provide'
  | 'inspect'
  | 'clean'
  | 'abort'
  | 'deploy'
  | 'delete'
  | 'rebuild'
  | 'adopt'
  | 'rescue'
  | 'unrescue'
  | 'unhold'
  | 'service'
  | InternalEvent;

export function verbToEvent(verb: ApiVerb): ProvisionEvent {
  if (verb === 'active' || verb === 'deploy') return 'deploy';
  if (verb === 'deleted' || verb === 'undeploy') return 'delete';
  return verb;
}

type Table = Partial<Record<ProvisionState, Partial<Record<ProvisionEvent, ProvisionState>>>>;

export const TRANSITIONS: Readonly<Table> = {
  enroll: { manage: 'verifying' },
  verifying: { done: 'manageable', fail: 'enroll' },
  manageable: {
    provide: 'cleaning',
    clean: 'cleaning',
    inspect: 'inspecting',
    adopt: 'adopting',
  },
  inspecting: { done: 'manageable', wait: 'inspect wait', fail: 'inspect failed' },
  'inspect wait': {
    done: 'manageable',
    resume: 'inspecting',
    fail: 'inspect failed',
    abort: 'inspect failed',
  },
  'inspect failed': { inspect: 'inspecting', manage: 'manageable' },
  available: { deploy: 'deploying', manage: 'manageable' },
  cleaning: {
    done: 'available',
    wait: 'clean wait',
    hold: 'clean hold',
    fail: 'clean failed',
    manage: 'manageable',
  },
  'clean wait': {
    resume: 'cleaning',
    hold: 'clean hold',
    fail: 'clean failed',
    abort: 'clean failed',
  },
  'clean hold': { unhold: 'clean wait', abort: 'clean failed' },
  'clean failed': { manage: 'manageable' },
  deploying: {
    done: 'active',
    wait: 'wait call-back',
    hold: 'deploy hold',
    fail: 'deploy failed',
  },
  'wait call-back': {
    resume: 'deploying',
    hold: 'deploy hold',
    fail: 'deploy failed',
    delete: 'deleting',
    abort: 'deploy failed',
  },
  'deploy hold': { unhold: 'wait call-back', abort: 'deploy failed' },
  'deploy failed': { deploy: 'deploying', rebuild: 'deploying', delete: 'deleting' },
  active: {
    rebuild: 'deploying',
    delete: 'deleting',
    rescue: 'rescuing',
    service: 'servicing',
  },
  deleting: { clean: 'cleaning', fail: 'error' },
  error: { rebuild: 'deploying', delete: 'deleting' },
  adopting: { done: 'active', fail: 'adopt failed' },
  'adopt failed': { adopt: 'adopting', manage: 'manageable' },
  rescuing: { done: 'rescue', wait: 'rescue wait', fail: 'rescue failed' },
  'rescue wait': {
    resume: 'rescuing',
    fail: 'rescue failed',
    abort: 'rescue failed',
    delete: 'deleting',
  },
  rescue: { rescue: 'rescuing', unrescue: 'unrescuing', delete: 'deleting' },
  'rescue failed': { rescue: 'rescuing', unrescue: 'unrescuing', delete: 'deleting' },
  unrescuing: { done: 'active', fail: 'unrescue failed' },
  'unrescue failed': { rescue: 'rescuing', unrescue: 'unrescuing', delete: 'deleting' },
  servicing: {
    done: 'active',
    wait: 'service wait',
    hold: 'service hold',
    fail: 'service failed',
  },
  'service wait': {
    resume: 'servicing',
    fail: 'service failed',
    abort: 'service failed',
    delete: 'deleting',
  },
  'service hold': {
    service: 'servicing',
    unhold: 'service wait',
    abort: 'service failed',
    fail: 'service failed',
  },
  'service failed': {
    service: 'servicing',
    rescue: 'rescuing',
    abort: 'active',
    delete: 'deleting',
    wait: 'service wait',
    hold: 'service hold',
  },
};

/** Stable states: no target while in them. */
export const STABLE_STATES: ReadonlySet<ProvisionState> = new Set([
  'enroll',
  'manageable',
  'available',
  'active',
  'error',
  'rescue',
]);

export const FAILURE_STATES: ReadonlySet<ProvisionState> = new Set([
  'deploy failed',
  'clean failed',
  'inspect failed',
  'rescue failed',
  'unrescue failed',
  'adopt failed',
  'service failed',
]);

/** States whose owner dying means failure rather than resumption. */
export const STUCK_STATES_TREATED_AS_FAIL: ReadonlySet<ProvisionState> = new Set([
  'deploying',
  'cleaning',
  'verifying',
  'inspecting',
  'adopting',
  'rescuing',
  'unrescuing',
  'deleting',
  'servicing',
]);

/** Where an event leads from a state, or null when Ironic refuses it. */
export function nextState(from: string, event: ProvisionEvent): ProvisionState | null {
  return TRANSITIONS[from as ProvisionState]?.[event] ?? null;
}

export function isVerbAllowed(from: string, verb: ApiVerb): boolean {
  return nextState(from, verbToEvent(verb)) !== null;
}

/**
 * The `target_provision_state` Ironic records while a node sits in (or passes through) `state`.
 * Stable states have none; for cleaning the caller keeps manual (manageable) vs automated
 * (available), which this table cannot know.
 */
export function defaultTarget(state: ProvisionState): ProvisionState | null {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- stable states share the default
  switch (state) {
    case 'verifying':
    case 'inspecting':
    case 'inspect wait':
    case 'inspect failed':
      return 'manageable';
    case 'cleaning':
    case 'clean wait':
    case 'clean hold':
    case 'clean failed':
      return 'available';
    case 'deploying':
    case 'wait call-back':
    case 'deploy hold':
    case 'deploy failed':
    case 'adopting':
    case 'adopt failed':
    case 'unrescuing':
    case 'unrescue failed':
    case 'servicing':
    case 'service wait':
    case 'service hold':
    case 'service failed':
      return 'active';
    case 'deleting':
      return 'available';
    case 'rescuing':
    case 'rescue wait':
    case 'rescue failed':
      return 'rescue';
    default:
      return null;
  }
}
