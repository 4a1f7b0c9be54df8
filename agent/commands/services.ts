import type { Inventory, LookupNode } from '../../protocol';
import type { AgentConfig } from '../config/agent-config';
import type { Host } from '../host';

/** What command extensions may use of the running agent. */
export interface AgentServices {
  readonly host: Host;
  readonly config: AgentConfig;
  /** A freshly collected inventory (IPA's get_hardware_info is never cached). */
  collectInventory(signal?: AbortSignal): Promise<Inventory>;
  /** The node from the last lookup, or null before lookup / in standalone mode. */
  readonly node: LookupNode | null;
  /** UUIDs recorded by the last image write (`standby.get_partition_uuids`). */
  readonly partitionUuids: Record<string, unknown>;
}
