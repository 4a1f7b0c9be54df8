import type { AgentConfig } from '../../config/agent-config';
import type { NodeInfo } from '../manager';
import { boolSetting, intSetting, nodeSection } from './node-info';

/** How disks are erased: the node's `driver_internal_info` (set by Ironic) over the agent's own. */
export interface EraseOptions {
  /** Random overwrite passes of the shred fallback. */
  iterations: number;
  /** A final pass of zeros after the random ones. */
  zeroize: boolean;
  /** Fall back to shred when a secure erase fails (instead of failing the step). */
  continueIfSecureEraseFailed: boolean;
  ataSecureErase: boolean;
  nvmeSecureErase: boolean;
  concurrency: number;
  skipReadOnly: boolean;
}

/** research/ipa.md §5.2: key names and IPA's defaults; the agent config stands in for Ironic's. */
export function eraseOptions(node: NodeInfo | null | undefined, config: AgentConfig): EraseOptions {
  const info = nodeSection(node, 'driver_internal_info');
  const key = (k: string) => `driver_internal_info.${k}`;
  const continueFlag =
    info.agent_continue_if_secure_erase_failed ?? info.agent_continue_if_ata_erase_failed;
  return {
    iterations: intSetting(
      info.agent_erase_devices_iterations,
      key('agent_erase_devices_iterations'),
      config.shred_random_overwrite_iterations,
    ),
    zeroize: boolSetting(
      info.agent_erase_devices_zeroize,
      key('agent_erase_devices_zeroize'),
      config.shred_final_overwrite_with_zeros,
    ),
    continueIfSecureEraseFailed: boolSetting(
      continueFlag,
      key('agent_continue_if_secure_erase_failed'),
      config.continue_if_disk_secure_erase_fails,
    ),
    ataSecureErase: boolSetting(
      info.agent_enable_ata_secure_erase,
      key('agent_enable_ata_secure_erase'),
      config.enable_ata_secure_erase,
    ),
    nvmeSecureErase: boolSetting(
      info.agent_enable_nvme_secure_erase,
      key('agent_enable_nvme_secure_erase'),
      config.enable_nvme_secure_erase,
    ),
    concurrency: intSetting(
      info.disk_erasure_concurrency,
      key('disk_erasure_concurrency'),
      config.disk_erasure_concurrency,
      1,
    ),
    skipReadOnly: boolSetting(
      info.agent_erase_skip_read_only,
      key('agent_erase_skip_read_only'),
      config.erase_skip_read_only,
    ),
  };
}
