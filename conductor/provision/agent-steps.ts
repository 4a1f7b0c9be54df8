import { z } from 'zod';
import { type AgentClient, commandErrorText } from '../agent/agent-client';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { agentStepParams } from './agent-params';
import { agentStepSchema } from './clean-steps';
import type { StepKind } from './step-kind';

export type AgentStep = z.infer<typeof agentStepSchema>;

const perManagerSchema = z.record(z.string(), z.array(agentStepSchema));

/** What the agent answered to `get_<kind>_steps`: its steps per hardware manager, and versions. */
export interface AgentStepList {
  byManager: Record<string, AgentStep[]>;
  /** `hardware_manager_version`, sent back with every step so a changed ramdisk is noticed. */
  versions: unknown;
}

/**
 * `<kind>.get_<kind>_steps` on the agent (Ironic's `get_<kind>_steps` in agent_base, one code
 * path for all three kinds), checked: a failed command or an unknown shape is an error whose
 * message names the kind.
 */
export async function listAgentSteps(
  agent: AgentClient,
  nodes: NodeService,
  node: NodeRow,
  kind: StepKind,
): Promise<AgentStepList> {
  const result = await agent.executeCommand(
    node,
    `${kind.name}.${kind.listCommandName}`,
    agentStepParams(nodes, node),
    true,
  );
  if (result.command_status !== 'SUCCEEDED') {
    throw new Error(`the agent could not list ${kind.name} steps: ${commandErrorText(result)}`);
  }
  const body = z
    .object({ hardware_manager_version: z.unknown().optional() })
    .passthrough()
    .safeParse(result.command_result);
  const byManager = perManagerSchema.safeParse(
    body.success ? (body.data as Record<string, unknown>)[kind.stepsKey] : undefined,
  );
  if (!body.success || !byManager.success) {
    throw new Error(`the agent returned ${kind.name} steps in an unknown shape`);
  }
  return { byManager: byManager.data, versions: body.data.hardware_manager_version ?? {} };
}
