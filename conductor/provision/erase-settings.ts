/**
 * Ironic's `[deploy]` disk erasure options. Ironic hands them to the agent in
 * `driver_internal_info` each time it prepares cleaning (`agent_add_clean_params`); the agent's
 * `erase_devices` reads them there before its own configuration.
 */
export interface EraseSettings {
  /** `shred_random_overwrite_iterations`, default 1. */
  shredRandomOverwriteIterations: number;
  /** `shred_final_overwrite_with_zeros`, default true. */
  shredFinalOverwriteWithZeros: boolean;
  /** `continue_if_disk_secure_erase_fails`, default false. */
  continueIfDiskSecureEraseFails: boolean;
  /** `enable_ata_secure_erase`, default true. */
  enableAtaSecureErase: boolean;
  /** `enable_nvme_secure_erase`, default true. */
  enableNvmeSecureErase: boolean;
  /** `disk_erasure_concurrency`: disks the agent erases at once, default 1. */
  diskErasureConcurrency: number;
  /** `erase_skip_read_only`, default false. */
  eraseSkipReadOnly: boolean;
}

export const DEFAULT_ERASE_SETTINGS: Readonly<EraseSettings> = {
  shredRandomOverwriteIterations: 1,
  shredFinalOverwriteWithZeros: true,
  continueIfDiskSecureEraseFails: false,
  enableAtaSecureErase: true,
  enableNvmeSecureErase: true,
  diskErasureConcurrency: 1,
  eraseSkipReadOnly: false,
};

/** The `driver_internal_info` keys Ironic sets for the agent, under Ironic's names. */
export function agentCleanParams(overrides: Partial<EraseSettings> = {}): Record<string, unknown> {
  const s = { ...DEFAULT_ERASE_SETTINGS, ...overrides };
  return {
    agent_erase_devices_iterations: s.shredRandomOverwriteIterations,
    agent_erase_devices_zeroize: s.shredFinalOverwriteWithZeros,
    agent_continue_if_secure_erase_failed: s.continueIfDiskSecureEraseFails,
    // The older name, still read by agents before the NVMe option existed.
    agent_continue_if_ata_erase_failed: s.continueIfDiskSecureEraseFails,
    agent_enable_nvme_secure_erase: s.enableNvmeSecureErase,
    agent_enable_ata_secure_erase: s.enableAtaSecureErase,
    disk_erasure_concurrency: s.diskErasureConcurrency,
    agent_erase_skip_read_only: s.eraseSkipReadOnly,
  };
}
