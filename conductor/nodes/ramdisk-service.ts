import { randomBytes } from 'node:crypto';
import {
  MASKED_SECRET,
  heartbeatRequestSchema,
  inspectionDataSchema,
  type Inventory,
} from '../../protocol';
import type { Logger } from '../../lib';
import type { NodeRow } from '../db/schema';
import { ConductorError, invalidParameter, nodeLocked } from './errors';
import { fastTrackEnabled, heartbeatAllowed, lookupAllowed } from './fast-track';
import { normalizeMac } from './mac';
import { maskSecrets } from './mask';
import type { NodeService } from './node-service';
import { isUuid } from './node-service';
import { resourceLinks } from './node-view';
import type { WorkerPool } from './worker-pool';

export interface RamdiskOptions {
  fastTrack: boolean;
  autoDiscovery: boolean;
  heartbeatTimeoutS: number;
  /** Heartbeat processing takes a worker outside the reserve; none free → 503. */
  pool?: WorkerPool;
}

export interface LookupResult {
  node: {
    uuid: string;
    properties: Record<string, unknown>;
    instance_info: Record<string, unknown>;
    driver_internal_info: Record<string, unknown>;
    links: { href: string; rel: string }[];
  };
  config: Record<string, unknown>;
}

/**
 * What runs after a heartbeat has been recorded in a state that drives the node forward (clean
 * wait, …). It owns the node lock and must release it. Ironic runs this on a worker after
 * answering 202, and so do we.
 */
export type HeartbeatContinuation = (node: NodeRow, release: () => void) => Promise<void>;

const notFound = () => new ConductorError('NotFound', 'The resource could not be found.');

/** Ironic's `secrets.token_urlsafe()`: 32 random bytes, 43 urlsafe characters. */
export function newAgentToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The agent-facing side: lookup, heartbeat and in-band inspection (research §2.1–2.2). */
export class RamdiskService {
  continuation: HeartbeatContinuation | null = null;
  private readonly inflight = new Set<Promise<void>>();
  /** Nodes whose refused heartbeat token was already logged at error level. */
  private readonly tokenRefused = new Set<string>();

  constructor(
    private readonly nodes: NodeService,
    private readonly options: RamdiskOptions,
    private readonly logger: Logger,
  ) {}

  lookup(addresses: string[], nodeUuid: string | undefined, baseUrl: string): LookupResult {
    const macs = validMacs(addresses);
    if (nodeUuid !== undefined && !isUuid(nodeUuid)) {
      throw invalidParameter(`Expected a UUID for node_uuid but received ${nodeUuid}.`);
    }
    if (macs.length === 0 && !nodeUuid) {
      throw new ConductorError(
        'IncompleteLookup',
        "At least one of 'addresses' and 'node_uuid' parameters is required",
      );
    }
    const node = nodeUuid ? this.nodes.store.getNode(nodeUuid.toLowerCase()) : this.byMacs(macs);
    // Unknown node and wrong state answer alike, so lookup cannot be used to probe the fleet.
    if (!node) {
      this.logger.warn({ macs, nodeUuid }, 'lookup: no node found');
      throw notFound();
    }
    if (!lookupAllowed(node, this.options.fastTrack)) {
      this.logger.warn(
        { node: node.uuid, state: node.provisionState },
        'lookup not allowed in this state',
      );
      throw notFound();
    }
    return this.agentView(node, baseUrl);
  }

  /** The lookup-shaped answer (node subset + config), issuing the token if none was yet. */
  agentView(node: NodeRow, baseUrl: string): LookupResult {
    const { row, token } = this.issueToken(node);
    return {
      node: {
        uuid: row.uuid,
        properties: row.properties,
        instance_info: maskSecrets(row.instanceInfo),
        driver_internal_info: maskSecrets(row.driverInternalInfo),
        links: resourceLinks(baseUrl, 'nodes', row.uuid),
      },
      config: this.config(row, token),
    };
  }

  /** Hands the token out once; later lookups see `******` (research §2.3). */
  private issueToken(node: NodeRow): { row: NodeRow; token: string } {
    if (typeof node.driverInternalInfo.agent_secret_token === 'string') {
      return { row: node, token: MASKED_SECRET };
    }
    const holder = this.nodes.locks.holder(node.uuid);
    if (holder) throw nodeLocked(node.uuid, holder);
    const token = newAgentToken();
    const row = this.nodes.update(
      node.uuid,
      'agent.token_issued',
      { driverInternalInfo: { ...node.driverInternalInfo, agent_secret_token: token } },
      { type: 'agent.token_issued', data: {} },
    );
    this.logger.info({ node: node.uuid }, 'agent token issued');
    return { row, token };
  }

  private config(node: NodeRow, token: string): Record<string, unknown> {
    return {
      heartbeat_timeout: this.options.heartbeatTimeoutS,
      agent_token: token,
      agent_token_required: true,
      agent_md5_checksum_enable: false,
      disable_deep_image_inspection: false,
      permitted_image_formats: ['raw', 'qcow2', 'iso'],
      agent_skip_bmc_detect: node.driver === 'redfish',
      metrics: {
        backend: 'noop',
        prepend_host: false,
        prepend_uuid: false,
        prepend_host_reverse: true,
        global_prefix: null,
      },
      metrics_statsd: { statsd_host: 'localhost', statsd_port: 8125 },
    };
  }

  private byMacs(macs: string[]): NodeRow | undefined {
    const owners = new Set(this.nodes.store.portsByAddresses(macs).map((p) => p.nodeUuid));
    if (owners.size !== 1) return undefined;
    const [uuid] = owners;
    return this.nodes.store.getNode(uuid!);
  }

  /**
   * Validates and records a heartbeat. Returns once recorded; anything the heartbeat sets in
   * motion (cleaning) continues in the background, see `idle()`.
   */
  heartbeat(ident: string, body: unknown): { recorded: boolean; node: NodeRow } {
    const node = this.nodes.get(ident);
    const parsed = heartbeatRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      throw invalidParameter(
        `Invalid heartbeat: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    }
    const hb = parsed.data;
    if (!/^https?:\/\/[^/\s]+/i.test(hb.callback_url)) {
      throw invalidParameter(
        `Invalid callback_url ${hb.callback_url}: an http(s) URL is required.`,
      );
    }
    const dii = node.driverInternalInfo;
    if (typeof dii.agent_url === 'string' && dii.agent_url !== hb.callback_url) {
      this.logger.error(
        { node: node.uuid, url: hb.callback_url },
        'heartbeat with a changed callback_url',
      );
      throw invalidParameter('Detected change in ramdisk provided "callback_url"');
    }
    if (hb.agent_token === undefined || hb.agent_token === null) {
      throw invalidParameter('Agent token is required for heartbeat processing.');
    }
    if (typeof dii.agent_url !== 'string') {
      const holder = this.nodes.locks.holder(node.uuid);
      if (holder) throw nodeLocked(node.uuid, holder);
    }
    if (typeof dii.agent_secret_token !== 'string' || dii.agent_secret_token !== hb.agent_token) {
      // An orphaned ramdisk (token wiped by a failure) retries every few seconds: say it once.
      const level = this.tokenRefused.has(node.uuid) ? 'debug' : 'error';
      this.tokenRefused.add(node.uuid);
      this.logger[level]({ node: node.uuid }, 'heartbeat with an invalid agent token');
      throw invalidParameter('Invalid or missing agent token received.');
    }
    this.tokenRefused.delete(node.uuid);
    if (!hb.agent_version) throw invalidParameter('Agent did not transmit a version');

    // Ironic spawns a worker for every heartbeat, never from the reserve: none free → 503.
    const worker = this.options.pool?.acquire(false) ?? (() => undefined);
    if (!heartbeatAllowed(node, this.options.fastTrack)) {
      worker();
      this.logger.warn(
        { node: node.uuid, state: node.provisionState },
        'heartbeat in a state that does not accept heartbeats; ignored',
      );
      return { recorded: false, node };
    }
    // Like Ironic's exclusive-lock upgrade without retry: a busy node skips this heartbeat.
    const lock = this.nodes.locks.tryAcquire(node.uuid, 'heartbeat');
    if (!lock) {
      worker();
      this.logger.debug({ node: node.uuid }, 'node busy; heartbeat skipped');
      return { recorded: false, node };
    }
    const release = () => {
      lock();
      worker();
    };
    let row: NodeRow;
    try {
      const first = dii.agent_url !== hb.callback_url || dii.agent_version !== hb.agent_version;
      const next: Record<string, unknown> = {
        ...dii,
        agent_url: hb.callback_url,
        agent_version: hb.agent_version,
        agent_last_heartbeat: this.nodes.now(),
      };
      if (hb.agent_verify_ca) next.agent_verify_ca = hb.agent_verify_ca;
      if (hb.agent_status) next.agent_status = hb.agent_status;
      if (hb.agent_status_message) next.agent_status_message = hb.agent_status_message;
      // Only the first heartbeat of an agent goes to the history; the rest would drown it.
      row = this.nodes.update(
        node.uuid,
        'agent.heartbeat',
        { driverInternalInfo: next },
        first
          ? {
              type: 'agent.connected',
              data: { agent_url: hb.callback_url, agent_version: hb.agent_version },
            }
          : undefined,
      );
    } catch (err) {
      release();
      throw err;
    }
    const continuation = this.continuation;
    if (!continuation || !isActionState(row.provisionState)) {
      release();
      return { recorded: true, node: row };
    }
    const work = continuation(row, release)
      .catch((err: unknown) =>
        this.logger.error({ err, node: row.uuid }, 'heartbeat processing failed'),
      )
      .finally(() => {
        release();
        this.inflight.delete(work);
      });
    this.inflight.add(work);
    return { recorded: true, node: row };
  }

  /** Resolves when background heartbeat work has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * In-band inspection data. Returns the node the data was stored for, enrolling an unknown
   * machine when auto-discovery is on.
   */
  continueInspection(body: unknown, nodeUuid: string | undefined): NodeRow {
    if (nodeUuid !== undefined && !isUuid(nodeUuid)) {
      throw invalidParameter(`Expected a UUID for node_uuid but received ${nodeUuid}.`);
    }
    const parsed = inspectionDataSchema.safeParse(body);
    if (!parsed.success) {
      throw invalidParameter(
        `Invalid inspection data: ${parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const { inventory, logs: _logs, ...pluginData } = parsed.data;
    const macs = validMacs(inventory.interfaces.map((i) => i.mac_address));
    if (macs.length === 0 && !nodeUuid)
      throw new ConductorError('InvalidParameterValue', 'No lookup information provided');
    let node = nodeUuid ? this.nodes.store.getNode(nodeUuid.toLowerCase()) : this.byMacs(macs);
    if (!node) {
      if (!this.options.autoDiscovery) {
        this.logger.warn({ macs }, 'inspection data from an unknown machine');
        throw notFound();
      }
      return this.discover(inventory, pluginData, macs);
    }
    const s = node.provisionState;
    const fastTrackRecord =
      fastTrackEnabled(node, this.options.fastTrack) &&
      ['enroll', 'manageable', 'available'].includes(s);
    if (s !== 'inspect wait' && !fastTrackRecord) {
      this.logger.warn(
        { node: node.uuid, state: s },
        'inspection data for a node not being inspected',
      );
      throw notFound();
    }
    const holder = this.nodes.locks.holder(node.uuid);
    if (holder) throw nodeLocked(node.uuid, holder);
    const at = this.nodes.now();
    this.nodes.store.transaction(() => {
      this.nodes.store.putInventory({ nodeUuid: node!.uuid, inventory, pluginData, createdAt: at });
      this.addMissingPorts(node!.uuid, macs, at);
    });
    const patch = {
      properties: { ...node.properties, ...propertiesFrom(inventory) },
      inspectionFinishedAt: at,
      inspectionStartedAt: node.inspectionStartedAt ?? at,
    };
    if (s === 'inspect wait') {
      node = this.nodes.transition(node, 'done', {
        patch,
        data: { reason: 'inspection finished' },
      });
    } else {
      node = this.nodes.update(node.uuid, 'inspection.recorded', patch, {
        type: 'inspection.recorded',
        data: { provision_state: s, fast_track: true },
      });
    }
    this.logger.info({ node: node.uuid }, 'inspection data stored');
    return node;
  }

  private discover(
    inventory: Inventory,
    pluginData: Record<string, unknown>,
    macs: string[],
  ): NodeRow {
    const created = this.nodes.create({
      driver: 'fake-hardware',
      properties: propertiesFrom(inventory),
      extra: { auto_discovered: true },
      driver_info: inventory.bmc_address ? { bmc_address: inventory.bmc_address } : {},
      ports: macs.map((address) => ({ address })),
    });
    const at = this.nodes.now();
    this.nodes.store.putInventory({ nodeUuid: created.uuid, inventory, pluginData, createdAt: at });
    this.logger.info({ node: created.uuid, macs }, 'auto-discovered a new machine');
    return this.nodes.update(
      created.uuid,
      'inspection.discovered',
      { inspectionStartedAt: at, inspectionFinishedAt: at },
      { type: 'inspection.discovered', data: { macs } },
    );
  }

  private addMissingPorts(nodeUuid: string, macs: string[], at: string): void {
    for (const mac of macs) {
      if (!this.nodes.store.getPortByAddress(mac)) this.nodes.insertPort(nodeUuid, mac, at);
    }
  }
}

function isActionState(state: string): boolean {
  return (
    state === 'clean wait' ||
    state === 'wait call-back' ||
    state === 'service wait' ||
    state === 'rescue wait'
  );
}

function validMacs(addresses: string[]): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const mac = normalizeMac(a);
    if (mac && !out.includes(mac)) out.push(mac);
  }
  return out;
}

/** Scheduling properties Ironic's inspection derives from an inventory. */
export function propertiesFrom(inventory: Inventory): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  if (inventory.cpu.count !== null) props.cpus = inventory.cpu.count;
  if (inventory.cpu.architecture) props.cpu_arch = inventory.cpu.architecture;
  if (inventory.memory.physical_mb !== null) props.memory_mb = inventory.memory.physical_mb;
  const largest = Math.max(0, ...inventory.disks.map((d) => d.size));
  // Ironic reports the root disk less one GiB for the partition table and alignment.
  if (largest > 0) props.local_gb = Math.max(0, Math.floor(largest / 2 ** 30) - 1);
  props.boot_mode = inventory.boot.current_boot_mode;
  return props;
}
