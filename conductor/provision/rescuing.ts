import { sha256Crypt, type Logger } from '../../lib';
import { type AgentClient, commandErrorText } from '../agent/agent-client';
import type { PowerService } from '../bmc/power-service';
import type { NodeRow } from '../db/schema';
import type { NodeService } from '../nodes/node-service';
import type { RamdiskBoot } from './ramdisk-boot';
import { AGENT_TOKEN_KEYS } from './agent-params';

export interface RescuingOptions {
  nodes: NodeService;
  power: PowerService;
  agent: AgentClient;
  boot: RamdiskBoot;
  logger: Logger;
}

const PASSWORD_KEYS = ['rescue_password', 'hashed_rescue_password'] as const;

/**
 * Rescue and unrescue as Ironic's agent rescue interface does them: `rescue` powers the instance
 * off and boots the agent ramdisk (`rescuing` → `rescue wait`); on its first heartbeat the agent
 * gets `rescue.finalize_rescue` with the SHA-256 crypt of the password (`hashed: true`), stops its
 * API and the node is in `rescue`; the conductor forgets the password. `unrescue` boots the
 * instance from disk again (→ `active`).
 * Every method runs under the node lock held by its caller.
 */
export class Rescuing {
  constructor(private readonly o: RescuingOptions) {}

  private get nodes(): NodeService {
    return this.o.nodes;
  }

  /** Entered `rescuing` with the password the API was given. */
  async start(node: NodeRow, password: string): Promise<void> {
    let row = this.nodes.update(
      node.uuid,
      'rescue.started',
      {
        lastError: null,
        instanceInfo: {
          ...node.instanceInfo,
          rescue_password: password,
          hashed_rescue_password: sha256Crypt(password),
        },
      },
      { type: 'rescue.started', data: {} },
    );
    try {
      row = await this.o.power.changeLocked(row, 'power off');
      row = await this.o.boot.bootRamdisk(row);
    } catch (err) {
      await this.failAfterPowerOff(row, `Failed to rescue: ${(err as Error).message}`);
      return;
    }
    this.nodes.transition(row, 'wait');
  }

  /** A heartbeat in `rescue wait`: hand the password to the agent and finish. */
  async onHeartbeat(node: NodeRow): Promise<void> {
    const row = this.nodes.update(node.uuid, 'rescue.heartbeat', {
      provisionUpdatedAt: this.nodes.now(),
    });
    if (row.maintenance) {
      await this.failAfterPowerOff(row, 'Rescue aborted as node is in maintenance mode');
      return;
    }
    try {
      const result = await this.o.agent.executeCommand(
        row,
        'rescue.finalize_rescue',
        {
          rescue_password: row.instanceInfo.hashed_rescue_password,
          hashed: true,
        },
        false,
      );
      if (result.command_status !== 'SUCCEEDED') {
        throw new Error(
          `Agent returned bad result for command finalize_rescue: ${commandErrorText(result)}`,
        );
      }
    } catch (err) {
      await this.failAfterPowerOff(
        this.nodes.get(node.uuid),
        `Asynchronous exception: Node failed to perform rescue operation. Exception: ${(err as Error).message} for node ${node.uuid}`,
      );
      return;
    }
    const resumed = this.nodes.transition(row, 'resume');
    this.nodes.recordEvent(node.uuid, 'rescue.finalized', {});
    // The agent has the password now: Ironic's rescue clean-up forgets it.
    this.nodes.transition(resumed, 'done', {
      patch: { lastError: null, instanceInfo: withoutPasswords(resumed.instanceInfo) },
    });
  }

  /** Entered `unrescuing`: back to the instance on disk. */
  async unrescue(node: NodeRow): Promise<void> {
    let row = this.nodes.update(node.uuid, 'rescue.unrescue', {
      instanceInfo: withoutPasswords(node.instanceInfo),
    });
    try {
      row = await this.o.power.changeLocked(row, 'power off');
      const driver = this.o.power.driverFor(row);
      if (driver.setBootDevice) await driver.setBootDevice(row, 'disk', true);
      row = await this.o.power.changeLocked(row, 'power on');
    } catch (err) {
      const message = `Failed to unrescue: ${(err as Error).message}`;
      this.o.logger.error({ node: node.uuid, error: message }, 'unrescue failed');
      this.nodes.transition(this.nodes.get(node.uuid), 'fail', {
        patch: { lastError: message },
        data: { error: message },
      });
      return;
    }
    const dii = { ...row.driverInternalInfo };
    for (const k of AGENT_TOKEN_KEYS) delete dii[k];
    this.nodes.transition(row, 'done', { patch: { lastError: null, driverInternalInfo: dii } });
  }

  /** The abort verb in `rescue wait`. */
  abort(node: NodeRow): NodeRow {
    return this.fail(node, 'By request, the rescue operation was aborted.', 'abort');
  }

  /**
   * Ironic's `rescuing_error_handler` without the power action (see failAfterPowerOff): the
   * password and the agent's address are forgotten, `last_error` set, `rescue failed`.
   */
  fail(node: NodeRow, message: string, event: 'fail' | 'abort' = 'fail'): NodeRow {
    this.o.logger.error({ node: node.uuid, error: message }, 'rescue failed');
    const dii = { ...node.driverInternalInfo };
    for (const k of AGENT_TOKEN_KEYS) delete dii[k];
    return this.nodes.transition(node, event, {
      patch: {
        lastError: message,
        instanceInfo: withoutPasswords(node.instanceInfo),
        driverInternalInfo: dii,
      },
      data: { error: message },
    });
  }

  /** A failed rescue leaves the machine off, as Ironic's error handler does. */
  private async failAfterPowerOff(node: NodeRow, message: string): Promise<void> {
    let row = node;
    try {
      row = await this.o.power.changeLocked(row, 'power off');
    } catch (err) {
      this.o.logger.warn({ node: node.uuid, err: (err as Error).message }, 'power off failed');
      row = this.nodes.get(node.uuid);
    }
    this.fail(row, message);
  }
}

function withoutPasswords(ii: Record<string, unknown>): Record<string, unknown> {
  const out = { ...ii };
  for (const k of PASSWORD_KEYS) delete out[k];
  return out;
}
