import type { ProvisionState } from '../../protocol';
import type { NodeRow } from '../db/schema';
import type { CleanStep } from './clean-steps';

/**
 * What differs between cleaning, deploying and servicing for the step engine: names only. Ironic
 * runs all three through the same `process_next_step` code with `step_type` picking these.
 */
export interface StepKind {
  name: 'clean' | 'deploy' | 'service';
  /** Capitalised for messages: "Clean step x failed…", "Deploy step x failed…". */
  label: 'Clean' | 'Deploy' | 'Service';
  /** The operation as a noun: "Cleaning aborted…", "Deploy aborted…". */
  noun: 'Cleaning' | 'Deploy' | 'Service';
  /** The node column holding the running step. */
  field: 'cleanStep' | 'deployStep' | 'serviceStep';
  /** `driver_internal_info` keys of one run. */
  stepsKey: 'clean_steps' | 'deploy_steps' | 'service_steps';
  indexKey: 'clean_step_index' | 'deploy_step_index' | 'service_step_index';
  rebootKey: 'cleaning_reboot' | 'deployment_reboot' | 'servicing_reboot';
  pendingKey: 'clean_step_send_pending' | 'deploy_step_send_pending' | 'service_step_send_pending';
  progressKey: 'clean_step_progress' | 'deploy_step_progress' | 'service_step_progress';
  /** Where the node waits for the agent between heartbeats. */
  waitState: Extract<ProvisionState, 'clean wait' | 'wait call-back' | 'service wait'>;
  /** The agent command that runs a step, its name in the command list, and the step lister. */
  command:
    'clean.execute_clean_step' | 'deploy.execute_deploy_step' | 'service.execute_service_step';
  commandName: 'execute_clean_step' | 'execute_deploy_step' | 'execute_service_step';
  listCommandName: 'get_clean_steps' | 'get_deploy_steps' | 'get_service_steps';
  /** The hardware manager versions parameter sent with each step. */
  versionParam: 'clean_version' | 'deploy_version' | 'service_version';
  /** Keys of the agent's command result: the step echoed back and its result. */
  echoKey: 'clean_step' | 'deploy_step' | 'service_step';
  resultKey: 'clean_result' | 'deploy_result' | 'service_result';
}

export const CLEAN_KIND: StepKind = {
  name: 'clean',
  label: 'Clean',
  noun: 'Cleaning',
  field: 'cleanStep',
  stepsKey: 'clean_steps',
  indexKey: 'clean_step_index',
  rebootKey: 'cleaning_reboot',
  pendingKey: 'clean_step_send_pending',
  progressKey: 'clean_step_progress',
  waitState: 'clean wait',
  command: 'clean.execute_clean_step',
  commandName: 'execute_clean_step',
  listCommandName: 'get_clean_steps',
  versionParam: 'clean_version',
  echoKey: 'clean_step',
  resultKey: 'clean_result',
};

export const DEPLOY_KIND: StepKind = {
  name: 'deploy',
  label: 'Deploy',
  noun: 'Deploy',
  field: 'deployStep',
  stepsKey: 'deploy_steps',
  indexKey: 'deploy_step_index',
  rebootKey: 'deployment_reboot',
  pendingKey: 'deploy_step_send_pending',
  progressKey: 'deploy_step_progress',
  waitState: 'wait call-back',
  command: 'deploy.execute_deploy_step',
  commandName: 'execute_deploy_step',
  listCommandName: 'get_deploy_steps',
  versionParam: 'deploy_version',
  echoKey: 'deploy_step',
  resultKey: 'deploy_result',
};

export const SERVICE_KIND: StepKind = {
  name: 'service',
  label: 'Service',
  noun: 'Service',
  field: 'serviceStep',
  stepsKey: 'service_steps',
  indexKey: 'service_step_index',
  rebootKey: 'servicing_reboot',
  pendingKey: 'service_step_send_pending',
  progressKey: 'service_step_progress',
  waitState: 'service wait',
  command: 'service.execute_service_step',
  commandName: 'execute_service_step',
  listCommandName: 'get_service_steps',
  versionParam: 'service_version',
  echoKey: 'service_step',
  resultKey: 'service_result',
};

/** The running step of this kind, or null (Ironic stores `{}` for none). */
export function currentStep(kind: StepKind, node: NodeRow): CleanStep | null {
  const step = node[kind.field];
  return step && Object.keys(step).length > 0 ? (step as CleanStep) : null;
}

/** A patch setting the running step of this kind. */
export function stepPatch(kind: StepKind, step: CleanStep | null): Partial<NodeRow> {
  return { [kind.field]: step };
}
