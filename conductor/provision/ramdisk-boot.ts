import type { Logger } from '../../lib';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';

const AGENT_KEYS = ['agent_secret_token', 'agent_url', 'agent_verify_ca', 'agent_last_heartbeat'];

/**
 * Boots a node into the agent ramdisk: the boot interface prepares the next boot (one-time
 * network boot, or for `redfish-virtual-media` the deploy ISO inserted and a one-time CD boot),
 * then reboot (or power on). The previous agent's token and URL are wiped first: the fresh agent
 * must get a new token at lookup (an agent that is told `******` with no token of its own locks
 * itself down).
 */
export class RamdiskBoot {
  constructor(
    private readonly nodes: NodeService,
    private readonly power: PowerService,
    private readonly logger: Logger,
  ) {}

  async bootRamdisk(node: NodeRow): Promise<NodeRow> {
    await this.prepareBoot(node);
    const dii = { ...node.driverInternalInfo };
    if (!dii.agent_secret_token_pregenerated) for (const k of AGENT_KEYS) delete dii[k];
    const wiped = this.nodes.update(node.uuid, 'agent.reset', { driverInternalInfo: dii });
    // Ask the BMC, not the database: power may have changed behind the conductor's back.
    const actual = await this.power.read(wiped).catch(() => wiped.powerState);
    const target = actual === 'power on' ? 'rebooting' : 'power on';
    this.logger.info({ node: node.uuid, target }, 'booting the ramdisk');
    return this.power.changeLocked(wiped, target);
  }

  /** Makes the node's next boot load the agent, without touching power (reserved reboots). */
  async prepareBoot(node: NodeRow): Promise<void> {
    const driver = this.power.driverFor(node);
    if (driver.prepareRamdiskBoot) await driver.prepareRamdiskBoot(node);
    else if (driver.setBootDevice) await driver.setBootDevice(node, 'pxe');
  }

  /**
   * Ironic's `clean_up_ramdisk`, once the agent is done with the node (end of cleaning,
   * inspection, or before the instance boots): ejects the deploy ISO of a virtual-media boot.
   */
  async cleanUpRamdisk(node: NodeRow): Promise<void> {
    const driver = this.power.driverFor(node);
    if (!driver.cleanUpRamdisk) return;
    await driver.cleanUpRamdisk(node).catch((err: unknown) =>
      // A stuck ISO must not fail the operation that is ending; the next boot ejects it anyway.
      this.logger.warn({ node: node.uuid, err: (err as Error).message }, 'ramdisk clean-up failed'),
    );
  }
}
