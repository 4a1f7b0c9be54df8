import type { CommandResult, Inventory, LookupConfig, LookupNode } from '../../protocol';
import type { AgentConfig } from '../config/agent-config';
import type { HardwareDispatcher } from '../hardware/dispatch';
import type { Host } from '../host';

/** What command extensions may use of the running agent. */
export interface AgentServices {
  readonly host: Host;
  readonly config: AgentConfig;
  readonly hardware: HardwareDispatcher;
  /** A freshly collected inventory (IPA's get_hardware_info is never cached). */
  collectInventory(signal?: AbortSignal): Promise<Inventory>;
  /** The node from the last lookup, or null before lookup / in standalone mode. */
  readonly node: LookupNode | null;
  /** Settings Ironic pushed in the lookup answer, or null. */
  readonly lookupConfig: LookupConfig | null;
  /** UUIDs recorded by the last image write (`standby.get_partition_uuids`). */
  readonly partitionUuids: Record<string, unknown>;
  /** The agent's log ring as text. */
  agentLog(): string;
  /** Every recorded command result. */
  commandResults(): CommandResult[];
  /**
   * Stops the API (after the current response) and the heartbeats, as IPA's `serve_api = False`
   * after finalize_rescue and lockdown.
   */
  stopServingApi(reason: 'rescue' | 'lockdown'): void;
}
