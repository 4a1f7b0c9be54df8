import type { CommandContext } from '../commands/extension';
import { RestError } from '../commands/errors';

export type StepPhase = 'clean' | 'deploy' | 'service';

/** A step as IPA's managers describe it (research/ipa.md §4.5). */
export interface HardwareStep {
  step: string;
  priority: number;
  interface: string;
  reboot_requested: boolean;
  abortable?: boolean;
  argsinfo?: Record<string, { description: string; required: boolean }> | null;
  [extra: string]: unknown;
}

export interface DispatchCall {
  node: Record<string, unknown> | null;
  ports: unknown[];
  /** Keyword arguments (a step's `args` merged over the command's extra parameters). */
  kwargs: Record<string, unknown>;
  ctx: CommandContext;
}

/**
 * How the command extensions reach the hardware managers (research/ipa.md §4.4).
 * `ManagerDispatcher` implements it over loaded managers; `NO_HARDWARE_MANAGERS` is the empty
 * one for tests that want no managers at all.
 */
export interface HardwareDispatcher {
  /**
   * Loads and evaluates the managers (IPA does it at the start of `run`); a bad plugin or no
   * supporting manager rejects. Optional for dispatchers that need no loading.
   */
  start?(signal?: AbortSignal): Promise<void>;
  /** Ends whatever the managers still run in the background. */
  stop?(): Promise<void>;
  /** `{<manager name>: <version>}` of every loaded manager (`hardware_manager_version`). */
  versions(): Record<string, string>;
  /** IPA's `cache_node`: remembers the node Ironic sent with a step call. */
  cacheNode(node: Record<string, unknown> | null): Promise<void>;
  /** Deduplicated steps of a phase, grouped by manager class name. */
  getSteps(
    phase: StepPhase,
    node: Record<string, unknown> | null,
    ports: unknown[],
    ctx: CommandContext,
  ): Promise<Record<string, HardwareStep[]>>;
  /** `dispatch_to_managers`: the first manager implementing `method` answers. */
  dispatch(method: string, call: DispatchCall): Promise<unknown>;
  /** `dispatch_to_all_managers`: `{<ManagerClassName>: answer}` of all that implement it. */
  dispatchAll(method: string, call: DispatchCall): Promise<Record<string, unknown>>;
}

/** No manager implements the method (IPA's HardwareManagerMethodNotFound). */
export class HardwareManagerMethodNotFound extends RestError {
  /**
   * `reasons`: why managers that implement the method declined (IncompatibleHardwareMethodError
   * details), appended so the operator learns more than IPA's bare "Could not find method".
   */
  constructor(method: string, reasons: readonly string[] = []) {
    super(
      'HardwareManagerMethodNotFound',
      500,
      'No HardwareManager found to handle method',
      `Could not find method: ${method}` +
        (reasons.length > 0 ? ` (declined: ${reasons.join('; ')})` : ''),
    );
  }
}

/** The agent without hardware managers: no steps, every dispatch "not found". */
export const NO_HARDWARE_MANAGERS: HardwareDispatcher = {
  versions: () => ({}),
  cacheNode: () => Promise.resolve(),
  getSteps: () => Promise.resolve({}),
  dispatch: (method) => Promise.reject(new HardwareManagerMethodNotFound(method)),
  dispatchAll: (method) => Promise.reject(new HardwareManagerMethodNotFound(method)),
};
