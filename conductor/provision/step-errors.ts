import type { NodeRow } from '../db/schema';
import { stepName, type CleanStep } from './clean-steps';
import type { StepKind } from './step-kind';

/**
 * A failure already worded for the operator, as Ironic's `log_and_raise_deployment_error`
 * records it: the engine only puts the step in front (`Deploy step x failed: <message>`).
 */
export class StepFailure extends Error {}

/**
 * `last_error` for a step the agent reported FAILED, as Ironic's `process_next_step` words it for
 * every step type: `Deploy step deploy.write_image failed on node <uuid>. <agent's error>`.
 */
export function agentStepError(
  kind: StepKind,
  node: NodeRow,
  step: CleanStep,
  error: string,
): string {
  return `${kind.label} step ${stepName(step)} failed on node ${node.uuid}. ${error}`;
}

/**
 * `last_error` when running a step raised in the conductor (its own step, or sending an agent
 * step): `do_next_deploy_step` says `Deploy step x failed: <error>.` (no trailing dot when the step
 * worded it itself), `do_next_clean_step`/`do_next_service_step` `Node <uuid> failed step
 * <the step as Python prints a dict>: <error>`.
 */
export function conductorStepError(
  kind: StepKind,
  node: NodeRow,
  step: CleanStep,
  err: unknown,
): string {
  const message = err instanceof Error ? err.message : String(err);
  if (kind.name === 'deploy') {
    const dot = err instanceof StepFailure || message.endsWith('.') ? '' : '.';
    return `Deploy step ${stepName(step)} failed: ${message}${dot}`;
  }
  return `Node ${node.uuid} failed step ${pythonRepr(step)}: ${message}`;
}

/**
 * `last_error` for an error while handling a heartbeat in the wait state, with the stage Ironic's
 * `_heartbeat_<kind>_wait` names: `Failed to process the next deploy step: <error>`, …
 */
export function heartbeatError(
  kind: StepKind,
  node: NodeRow,
  step: CleanStep | null,
  message: string,
): string {
  if (kind.name === 'deploy') {
    const loading = node.driverInternalInfo.agent_cached_deploy_steps === undefined;
    return `${loading ? 'Failed to load in-band deploy steps' : 'Failed to process the next deploy step'}: ${message}`;
  }
  const what = kind.name === 'clean' ? 'cleaning' : 'service';
  return step
    ? `Node failed to check ${what} progress: ${message}`
    : `Node failed to start the first ${what} step: ${message}`;
}

/** `Reboot requested by deploy step {…} failed for node <uuid>: <error>` (`_post_step_reboot`). */
export function rebootError(
  kind: StepKind,
  node: NodeRow,
  step: CleanStep,
  message: string,
): string {
  return `Reboot requested by ${kind.name} step ${pythonRepr(step)} failed for node ${node.uuid}: ${message}`;
}

/** A JSON value as Python's `str()` prints the dict Ironic formats into its messages. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return typeof value === 'bigint' ? value.toString() : 'None';
}

function pythonString(s: string): string {
  // Python quotes with ' unless the text holds a ' and no ".
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}
