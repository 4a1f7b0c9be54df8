import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createLogger, systemClock, type Clock, type Logger } from '../lib';
import { DEFAULT_HEARTBEAT_TIMEOUT_S, IRONIC_DEFAULT_PORT, type Inventory } from '../protocol';
import { createApiServer } from './api/server';
import { FakePower } from './bmc/fake-power';
import type { BootDevice, PowerDriver, PowerTarget } from './bmc/power-driver';
import { PowerService } from './bmc/power-service';
import { PowerSync } from './bmc/power-sync';
import { RedfishDispatchers } from './bmc/redfish-client';
import { RedfishPower } from './bmc/redfish-power';
import { IpmiPower } from './bmc/ipmi-power';
import { openDatabase, type OpenDatabase } from './db/database';
import { NodeStore } from './db/node-store';
import { ChangeBus, type NodeChange } from './nodes/change-bus';
import { NodeLocks } from './nodes/node-locks';
import { WorkerPool } from './nodes/worker-pool';
import { NodeService, type CreateNodeInput } from './nodes/node-service';
import type { NodeView } from './nodes/node-view';
import { RamdiskService } from './nodes/ramdisk-service';
import { AgentClient } from './agent/agent-client';
import { Cleaning } from './provision/cleaning';
import { Adopting } from './provision/adopting';
import { Deploying } from './provision/deploying';
import type { EraseSettings } from './provision/erase-settings';
import { ProvisionService } from './provision/provision-service';
import { ProvisionTimeouts, type TimeoutOptions } from './provision/provision-timeouts';
import { RamdiskBoot } from './provision/ramdisk-boot';
import { Rescuing } from './provision/rescuing';
import { Servicing } from './provision/servicing';
import { STUCK_STATES_TREATED_AS_FAIL, type ApiVerb } from './states/state-machine';
import type { ProvisionState } from '../protocol';
import { Agent } from 'undici';

export interface ConductorOptions {
  /** The database file lives here; created if missing. */
  dataDir: string;
  /** Default 127.0.0.1:6385; port 0 picks a free port. */
  listen?: { host?: string; port?: number };
  /** Base URL for links; defaults to the bound address. */
  publicUrl?: string;
  clock?: Clock;
  logger?: Logger;
  /** `[deploy] fast_track`; default true in the embedded conductor. */
  fastTrack?: boolean;
  /** Enrol unknown machines that post inspection data; default false. */
  autoDiscovery?: boolean;
  /** Sent to agents as `heartbeat_timeout`; default 300. */
  heartbeatTimeoutS?: number;
  /** `[conductor] sync_power_state_interval`; default 120 s. */
  powerSyncIntervalMs?: number;
  /**
   * `[conductor] force_power_state_during_sync`, default true as in Ironic: a node whose BMC
   * disagrees with the database is powered back to the database state. False records the BMC's.
   */
  forcePowerStateDuringSync?: boolean;
  /** `[conductor] automated_clean`: provide runs cleaning; default true. */
  automatedClean?: boolean;
  /**
   * `[conductor] clean_step_priority_override`: `interface.step` → priority for automated
   * cleaning; 0 disables a step (e.g. `{ 'deploy.erase_devices': 0 }`, as labs often do).
   */
  cleanStepPriorityOverride?: Readonly<Record<string, number>>;
  /**
   * Ironic's `[deploy]` erase options handed to the agent at each cleaning, e.g.
   * `{ diskErasureConcurrency: 4 }` to erase four disks at once (default 1, as in Ironic).
   */
  erase?: Partial<EraseSettings>;
  /**
   * `[conductor] workers_pool_size` (default 300, 5 % reserved for API requests): how many
   * operations and heartbeats run at once; beyond it the API answers 503, as Ironic does.
   */
  workersPoolSize?: number;
  /**
   * `[conductor] max_concurrent_clean` (default 50) and `max_concurrent_deploy` (default 250):
   * how many nodes may clean or deploy at once; beyond, requests get 503 and should be retried.
   */
  maxConcurrentClean?: number;
  maxConcurrentDeploy?: number;
  /** Connections per Redfish service (a simulator serves every BMC from one), default 32. */
  redfishConnections?: number;
  /** Callback timeouts and how often they are checked (Ironic defaults: 1800 s, every 60 s). */
  provisionTimeouts?: TimeoutOptions;
}

/** One entry of a node's history. */
export interface NodeEvent {
  id: number;
  node_uuid: string;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

interface Running {
  db: OpenDatabase;
  nodes: NodeService;
  ramdisk: RamdiskService;
  power: PowerService;
  powerSync: PowerSync;
  provision: ProvisionService;
  timeouts: ProvisionTimeouts;
  dispatchers: RedfishDispatchers;
  agentDispatcher: Agent;
  agentClient: AgentClient;
  api: FastifyInstance;
  apiUrl: string;
}

/**
 * The embedded Ironic-compatible conductor: node registry, agent endpoints, power through the
 * BMC, persistence. One process, one SQLite file; a restart on the same dataDir keeps everything.
 */
export class Conductor {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly bus: ChangeBus;
  private readonly locks = new NodeLocks();
  private running: Running | null = null;

  constructor(private readonly options: ConductorOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger({ name: 'conductor' });
    this.bus = new ChangeBus(this.logger);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const o = this.options;
    const db = openDatabase(o.dataDir);
    let baseUrl = o.publicUrl?.replace(/\/$/, '') ?? '';
    const nodes = new NodeService({
      store: new NodeStore(db.db),
      locks: this.locks,
      bus: this.bus,
      clock: this.clock,
      logger: this.logger,
      view: () => ({
        baseUrl,
        conductorName: hostname(),
        reservation: (uuid) => (this.locks.isLocked(uuid) ? hostname() : null),
      }),
    });
    const pool = new WorkerPool({ size: o.workersPoolSize });
    const ramdisk = new RamdiskService(
      nodes,
      {
        pool,
        fastTrack: o.fastTrack ?? true,
        autoDiscovery: o.autoDiscovery ?? false,
        heartbeatTimeoutS: o.heartbeatTimeoutS ?? DEFAULT_HEARTBEAT_TIMEOUT_S,
      },
      this.logger,
    );
    const dispatchers = new RedfishDispatchers(o.redfishConnections);
    const fake = new FakePower();
    const drivers = new Map<string, PowerDriver>([
      ['redfish', new RedfishPower({ clock: this.clock, dispatchers })],
      ['ipmi', new IpmiPower({ clock: this.clock })],
      ['fake-hardware', fake],
      ['manual-management', fake],
    ]);
    const power = new PowerService(nodes, drivers, this.logger, pool);
    const powerSync = new PowerSync(nodes, power, this.clock, this.logger, {
      intervalMs: o.powerSyncIntervalMs ?? 120_000,
      force: o.forcePowerStateDuringSync ?? true,
    });
    // Agents that sent no certificate get an unverified TLS connection (Ironic's [agent]
    // verify_ca = False); those with auto TLS are verified against their `agent_verify_ca`.
    const agentDispatcher = new Agent({ connections: 4, connect: { rejectUnauthorized: false } });
    const agentClient = new AgentClient({ dispatcher: agentDispatcher, clock: this.clock });
    const boot = new RamdiskBoot(nodes, power, this.logger);
    const fastTrack = o.fastTrack ?? true;
    const cleaning = new Cleaning({
      nodes,
      power,
      agent: agentClient,
      boot,
      clock: this.clock,
      logger: this.logger,
      fastTrack,
      automatedClean: o.automatedClean ?? true,
      priorityOverrides: o.cleanStepPriorityOverride,
      erase: o.erase,
    });
    const deploying = new Deploying({
      nodes,
      power,
      agent: agentClient,
      boot,
      cleaning,
      clock: this.clock,
      logger: this.logger,
      fastTrack,
    });
    const rescuing = new Rescuing({ nodes, power, agent: agentClient, boot, logger: this.logger });
    const servicing = new Servicing({
      nodes,
      power,
      agent: agentClient,
      boot,
      clock: this.clock,
      logger: this.logger,
      fastTrack,
    });
    const adopting = new Adopting(nodes, power, this.logger);
    const provision = new ProvisionService({
      nodes,
      power,
      cleaning,
      deploying,
      rescuing,
      adopting,
      servicing,
      boot,
      logger: this.logger,
      pool,
      maxConcurrentClean: o.maxConcurrentClean,
      maxConcurrentDeploy: o.maxConcurrentDeploy,
    });
    ramdisk.continuation = (row) => provision.onHeartbeat(row);
    const timeouts = new ProvisionTimeouts(
      nodes,
      cleaning,
      this.clock,
      this.logger,
      o.provisionTimeouts,
      deploying,
      rescuing,
      servicing,
    );
    failStuckNodes(nodes, cleaning, deploying, rescuing);
    const api = createApiServer({
      nodes,
      ramdisk,
      power,
      provision,
      logger: this.logger,
      baseUrl: () => baseUrl,
    });
    try {
      await api.listen({
        host: o.listen?.host ?? '127.0.0.1',
        port: o.listen?.port ?? IRONIC_DEFAULT_PORT,
      });
    } catch (err) {
      await dispatchers.close();
      await agentDispatcher.close();
      db.close();
      throw err;
    }
    const apiUrl = boundUrl(api.server.address() as AddressInfo);
    if (!baseUrl) baseUrl = apiUrl;
    powerSync.start();
    timeouts.start();
    this.running = {
      db,
      nodes,
      ramdisk,
      power,
      powerSync,
      provision,
      timeouts,
      dispatchers,
      agentDispatcher,
      agentClient,
      api,
      apiUrl,
    };
    this.logger.info({ apiUrl }, 'conductor started');
  }

  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = null;
    await r.api.close();
    r.timeouts.stop();
    await r.powerSync.stop();
    await Promise.all([r.ramdisk.idle(), r.power.idle(), r.provision.idle()]);
    await r.dispatchers.close();
    await r.agentClient.close();
    await r.agentDispatcher.close();
    r.db.close();
    this.logger.info('conductor stopped');
  }

  get apiUrl(): string {
    return this.started().apiUrl;
  }

  listNodes(): NodeView[] {
    const { nodes } = this.started();
    return nodes.list().map((r) => nodes.view(r));
  }

  getNode(ident: string): NodeView | undefined {
    const { nodes } = this.started();
    const row = nodes.find(ident);
    return row ? nodes.view(row) : undefined;
  }

  /** `provision_state` other than enroll is only for seeding demo labs. */
  createNode(input: CreateNodeInput): NodeView {
    const { nodes } = this.started();
    return nodes.view(nodes.create(input));
  }

  getInventory(ident: string): Inventory | null {
    const { nodes } = this.started();
    const row = nodes.find(ident);
    if (!row) return null;
    return (nodes.store.getInventory(row.uuid)?.inventory as Inventory | undefined) ?? null;
  }

  /** Resolves once the BMC confirms; rejects with the node's last_error when it did not. */
  async setPowerState(ident: string, target: PowerTarget): Promise<NodeView> {
    const { nodes, power } = this.started();
    const outcome = await power.request(ident, target).done;
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return nodes.view(outcome.node);
  }

  /** PATCH /v1/nodes/{id}: JSON-patch operations on the node's fields, as Ironic takes them. */
  patchNode(ident: string, ops: unknown[]): NodeView {
    const { nodes } = this.started();
    return nodes.view(nodes.patch(ident, ops));
  }

  /** PUT (on, with a reason) or DELETE (off) /v1/nodes/{id}/maintenance. */
  setMaintenance(ident: string, on: boolean, reason: string | null = null): NodeView {
    const { nodes } = this.started();
    return nodes.view(nodes.setMaintenance(ident, on, on ? reason : null));
  }

  /**
   * PUT /v1/nodes/{id}/management/boot_device: the next boot (or, `persistent`, every boot)
   * from this device, set through the BMC under the node's lock as Ironic does.
   */
  async setBootDevice(ident: string, device: BootDevice, persistent = false): Promise<void> {
    await this.started().power.setBootDevice(ident, device, persistent);
  }

  /**
   * A provision verb (`manage`, `provide`, `clean` with `clean_steps`, `inspect`, `abort`,
   * `unhold`, `active`/`deploy`/`rebuild` with an optional `configdrive` and `deploy_steps`,
   * `deleted`/`undeploy`, `adopt`, `rescue` with `rescue_password`, `unrescue`), as PUT /v1/nodes/{id}/states/provision. Returns the node once the
   * verb is accepted and the first transition made; the rest runs on and shows up through
   * onChange. Throws the API's error (with `status`) when the verb is refused.
   */
  setProvisionState(
    ident: string,
    target: ApiVerb,
    extra: {
      clean_steps?: unknown[];
      disable_ramdisk?: boolean;
      configdrive?: string;
      deploy_steps?: unknown[];
      service_steps?: unknown[];
      rescue_password?: string;
    } = {},
  ): NodeView {
    const { nodes, provision } = this.started();
    provision.request(ident, { target, ...extra });
    return nodes.view(nodes.get(ident));
  }

  /** Resolves when no background work (power changes, provisioning, heartbeats) is running. */
  async idle(): Promise<void> {
    const r = this.started();
    await Promise.all([r.ramdisk.idle(), r.power.idle(), r.provision.idle()]);
  }

  eventsFor(ident: string, opts: { afterId?: number; limit?: number } = {}): NodeEvent[] {
    const { nodes } = this.started();
    return nodes.events(ident, opts.afterId, opts.limit).map((e) => ({
      id: e.id,
      node_uuid: e.nodeUuid,
      at: e.at,
      type: e.type,
      data: e.data,
    }));
  }

  onChange(listener: (change: NodeChange) => void): () => void {
    return this.bus.subscribe(listener);
  }

  private started(): Running {
    if (!this.running) throw new Error('the conductor is not started');
    return this.running;
  }
}

/**
 * Nodes left mid-operation by a previous process cannot be resumed (the work was in memory):
 * fail them as Ironic does for a dead conductor. Wait states survive: the next heartbeat resumes.
 */
function failStuckNodes(
  nodes: NodeService,
  cleaning: Cleaning,
  deploying: Deploying,
  rescuing: Rescuing,
): void {
  for (const node of nodes.list()) {
    const state = node.provisionState as ProvisionState;
    if (!STUCK_STATES_TREATED_AS_FAIL.has(state)) continue;
    const message = `The conductor restarted while node ${node.uuid} was ${state}; the operation was abandoned.`;
    if (state === 'cleaning') cleaning.fail(node, message, { stepRunning: false });
    else if (state === 'deploying') deploying.fail(node, message);
    else if (state === 'rescuing') rescuing.fail(node, message);
    else nodes.transition(node, 'fail', { patch: { lastError: message } });
  }
}

function boundUrl(addr: AddressInfo): string {
  let host = addr.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
}
