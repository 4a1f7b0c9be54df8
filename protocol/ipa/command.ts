import { z } from 'zod';

/** IPA's command states; CLEAN_VERSION_MISMATCH is used for clean, deploy and service alike. */
export const CommandStatus = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CLEAN_VERSION_MISMATCH: 'CLEAN_VERSION_MISMATCH',
} as const;
export type CommandStatus = (typeof CommandStatus)[keyof typeof CommandStatus];

/** IPA's serialized RESTError: `{type, code, message, details}`. */
export const commandErrorSchema = z.object({
  type: z.string(),
  code: z.number().int(),
  message: z.string(),
  details: z.string(),
});
export type CommandError = z.infer<typeof commandErrorSchema>;

/**
 * Progress of a long step while RUNNING: our addition to IPA's result, which conductors that do
 * not know it ignore.
 */
export const commandProgressSchema = z.object({
  fraction: z.number().min(0).max(1),
  bytes_done: z.number().nonnegative().optional(),
  bytes_total: z.number().nonnegative().optional(),
  bytes_per_second: z.number().nonnegative().optional(),
  message: z.string().optional(),
});
export type CommandProgress = z.infer<typeof commandProgressSchema>;

export const commandResultSchema = z.object({
  id: z.string(),
  command_name: z.string(),
  command_status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'CLEAN_VERSION_MISMATCH']),
  command_error: commandErrorSchema.nullable(),
  command_result: z.unknown(),
  command_progress: commandProgressSchema.optional(),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

export const commandListSchema = z.object({ commands: z.array(commandResultSchema) });
export type CommandList = z.infer<typeof commandListSchema>;

/** Body of `POST /v1/commands/`. */
export const commandRequestSchema = z.object({
  name: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

/** `GET /v1/status`. */
export const agentStatusSchema = z.object({
  started_at: z.number(),
  version: z.string(),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;
