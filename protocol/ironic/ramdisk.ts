import { z } from 'zod';
import { inventorySchema } from '../ipa/inventory';

/** `GET /v1/lookup` response (research/conductor-bmc.md §2.1). */
export const lookupNodeSchema = z.object({
  uuid: z.string(),
  properties: z.record(z.string(), z.unknown()),
  instance_info: z.record(z.string(), z.unknown()),
  driver_internal_info: z.record(z.string(), z.unknown()),
  links: z.array(z.object({ href: z.string(), rel: z.string() })).optional(),
});

export const lookupConfigSchema = z
  .object({
    heartbeat_timeout: z.number().positive(),
    agent_token: z.string().nullable().optional(),
    agent_token_required: z.boolean().optional(),
    agent_md5_checksum_enable: z.boolean().optional(),
    disable_deep_image_inspection: z.boolean().optional(),
    permitted_image_formats: z.array(z.string()).optional(),
    agent_skip_bmc_detect: z.boolean().optional(),
    enable_bios_bootloader_install: z.boolean().optional(),
    tls_min_version: z.string().optional(),
    tls_cipher_suites: z.string().nullable().optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
    metrics_statsd: z.record(z.string(), z.unknown()).optional(),
    agent_containers: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export const lookupResponseSchema = z.object({
  node: lookupNodeSchema,
  config: lookupConfigSchema,
});
export type LookupNode = z.infer<typeof lookupNodeSchema>;
export type LookupConfig = z.infer<typeof lookupConfigSchema>;
export type LookupResponse = z.infer<typeof lookupResponseSchema>;

/** Token Ironic sends on a second lookup: the token was already handed out. */
export const MASKED_SECRET = '******';

/** `POST /v1/heartbeat/{node}` body. */
export const heartbeatRequestSchema = z.object({
  callback_url: z.string(),
  agent_token: z.string().nullable().optional(),
  agent_version: z.string().optional(),
  agent_verify_ca: z.string().nullable().optional(),
  agent_status: z.enum(['start', 'end', 'error']).optional(),
  agent_status_message: z.string().optional(),
});
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

/** `POST /v1/continue_inspection` body: collectors' output plus `error`. */
export const inspectionDataSchema = z
  .object({
    inventory: inventorySchema,
    root_disk: z.unknown().optional(),
    boot_interface: z.string().nullable().optional(),
    configuration: z.unknown().optional(),
    logs: z.string().optional(),
    error: z.string().nullable().optional(),
  })
  .passthrough();
export type InspectionData = z.infer<typeof inspectionDataSchema>;

/** Default `[api] ramdisk_heartbeat_timeout`. */
export const DEFAULT_HEARTBEAT_TIMEOUT_S = 300;
/** Default Ironic API port. */
export const IRONIC_DEFAULT_PORT = 6385;
