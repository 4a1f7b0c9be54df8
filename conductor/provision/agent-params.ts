import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';

/**
 * What Ironic wipes of an agent when the operation that used it fails or ends (`wipe_token_and_url`):
 * the next agent must look up again and get a token of its own.
 */
export const AGENT_TOKEN_KEYS = ['agent_secret_token', 'agent_url', 'agent_verify_ca'] as const;

/** `node` and `ports` as every step command carries them (secrets masked, as Ironic sends). */
export function agentStepParams(nodes: NodeService, node: NodeRow): Record<string, unknown> {
  return {
    node: nodes.view(node),
    ports: nodes.store.listPorts(node.uuid).map((p) => nodes.portView(p)),
  };
}
