import type { Logger } from '../../lib';
import type { CommandProgress, LookupConfig } from '../../protocol';
import type { AgentConfig } from '../config/agent-config';
import type { Host } from '../host';
import type { HardwareSupportLevel } from './support';

/** The node as Ironic sends it with step calls (`node.as_dict(secure=True)`). */
export type NodeInfo = Record<string, unknown>;

/** IPA's keyword arguments: `node`, `ports` and whatever the step or caller adds. */
export interface ManagerKwargs {
  node?: NodeInfo | null;
  ports?: unknown[];
  [name: string]: unknown;
}

/** What every manager call may use: the machine, the settings, and the other managers. */
export interface ManagerEnv {
  readonly host: Host;
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Aborted when the agent stops; long steps check it between chunks of work. */
  readonly signal: AbortSignal;
  /** IPA's `get_cached_node()`: the node of the last step call or lookup, or null. */
  readonly node: NodeInfo | null;
  /** `dispatch_to_managers`: the best-supporting manager that implements `method` answers. */
  dispatch(method: string, kwargs?: ManagerKwargs): Promise<unknown>;
  /** `dispatch_to_all_managers`: `{<className>: answer}` of every manager implementing it. */
  dispatchAll(method: string, kwargs?: ManagerKwargs): Promise<Record<string, unknown>>;
  /** Progress of the running command (`command_progress`); a no-op outside commands. */
  reportProgress(progress: CommandProgress): void;
  /** Settings Ironic pushed in the lookup answer, or null (standalone, before lookup). */
  readonly lookupConfig: LookupConfig | null;
  /** Keeps a written image's partition UUIDs for `standby.get_partition_uuids`. */
  recordPartitionUuids(uuids: Record<string, unknown>): void;
}

/** What the running agent lends its hardware managers. */
export interface AgentBridge {
  readonly lookupConfig: LookupConfig | null;
  recordPartitionUuids(uuids: Record<string, unknown>): void;
}

/**
 * One dispatchable method: a step (`erase_devices`) or a helper other managers may call
 * (`erase_block_device`, `get_os_install_device`). Throwing IncompatibleHardwareMethodError
 * lets the next manager try; any other error ends the dispatch.
 */
export type ManagerMethod = (kwargs: ManagerKwargs, env: ManagerEnv) => unknown;

export type StepInterface =
  'deploy' | 'raid' | 'bios' | 'management' | 'firmware' | 'power' | 'vendor';

export interface StepArgInfo {
  description: string;
  required: boolean;
}

/** A step as a manager lists it (research/ipa.md §4.5). `step` names a method in `methods`. */
export interface StepDefinition {
  step: string;
  priority: number;
  interface: StepInterface;
  reboot_requested: boolean;
  /** Clean and service steps say whether the operator may abort them. */
  abortable?: boolean;
  argsinfo?: Record<string, StepArgInfo> | null;
}

export type StepList = readonly StepDefinition[];

/**
 * The contract of a hardware manager (IPA's `HardwareManager`). Only `name`, `version` and
 * `evaluateHardwareSupport` are required; everything a manager can do is in `methods`.
 */
export interface HardwareManager {
  /** `HARDWARE_MANAGER_NAME`: the key of `hardware_manager_version`. */
  readonly name: string;
  /** `HARDWARE_MANAGER_VERSION`: bump it when steps change, so Ironic restarts cleaning. */
  readonly version: string;
  /** Groups this manager's steps in `get_*_steps` results (IPA uses the Python class name). */
  readonly className?: string;
  /** 0 (NONE) drops the manager; higher levels are asked first. */
  evaluateHardwareSupport(env: ManagerEnv): HardwareSupportLevel | Promise<HardwareSupportLevel>;
  /** Called once all managers have been evaluated. */
  initialize?(env: ManagerEnv): void | Promise<void>;
  getCleanSteps?(kwargs: ManagerKwargs, env: ManagerEnv): StepList | Promise<StepList>;
  getDeploySteps?(kwargs: ManagerKwargs, env: ManagerEnv): StepList | Promise<StepList>;
  getServiceSteps?(kwargs: ManagerKwargs, env: ManagerEnv): StepList | Promise<StepList>;
  readonly methods: Readonly<Record<string, ManagerMethod>>;
}

/** What a plugin factory receives once, when the agent starts. */
export interface ManagerFactoryEnv {
  readonly host: Host;
  readonly config: AgentConfig;
  readonly logger: Logger;
}

/** A plugin module's default export: a manager or a function that makes one. */
export type HardwareManagerFactory = (
  env: ManagerFactoryEnv,
) => HardwareManager | Promise<HardwareManager>;

/** Typing helper for plugin authors: returns its argument. */
export function defineHardwareManager<M extends HardwareManager>(manager: M): M {
  return manager;
}
