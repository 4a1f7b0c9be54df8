import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';

/** `node` and `ports` as every step command carries them (secrets masked, as Ironic sends). */
export function agentStepParams(nodes: NodeService, node: NodeRow): Record<string, unknown> {
  return {
    node: nodes.view(node),
    ports: nodes.store.listPorts(node.uuid).map((p) => nodes.portView(p)),
  };
}
