import type { Logger } from '../../lib';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import { deployValidationError } from './image-info';

/**
 * Adoption as Ironic's `_do_adoption`: a machine already running its workload is taken over
 * without touching it. The image information must validate, the instance boots from disk from
 * now on; power stays as it is. Failure → `adopt failed` with `last_error`. Runs under the node
 * lock held by its caller.
 */
export class Adopting {
  constructor(
    private readonly nodes: NodeService,
    private readonly power: PowerService,
    private readonly logger: Logger,
  ) {}

  async adopt(node: NodeRow): Promise<void> {
    try {
      const problem = deployValidationError(node);
      if (problem) throw new Error(problem);
      const driver = this.power.driverFor(node);
      if (driver.setBootDevice) await driver.setBootDevice(node, 'disk', true);
    } catch (err) {
      const message = `Error while attempting to adopt node ${node.uuid}: ${(err as Error).message}.`;
      this.logger.error({ node: node.uuid, error: message }, 'adoption failed');
      this.nodes.transition(this.nodes.get(node.uuid), 'fail', {
        patch: { lastError: message },
        data: { error: message },
      });
      return;
    }
    this.nodes.transition(this.nodes.get(node.uuid), 'done', { patch: { lastError: null } });
  }
}
