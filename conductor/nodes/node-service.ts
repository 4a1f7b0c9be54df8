import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock, Logger } from '../../lib';
import type { NodeStore, NodeFilter } from '../db/node-store';
import type { NodeEventRow, NodeRow, PortRow } from '../db/schema';
import type { ChangeBus } from './change-bus';
import { checkInterface, KNOWN_DRIVERS } from './drivers';
import { ConductorError, invalidParameter, nodeLocked, nodeNotFound } from './errors';
import { applyPatch, validatePatch } from './json-patch';
import { requireMac } from './mac';
import type { NodeLocks } from './node-locks';
import {
  toNodeView,
  toPortView,
  type NodeView,
  type PortView,
  type ViewContext,
} from './node-view';
import { isoNow } from './time';
import {
  STABLE_STATES,
  defaultTarget,
  nextState,
  type ProvisionEvent,
} from '../states/state-machine';
import type { ProvisionState } from '../../protocol';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Ironic allows RFC 3986 unreserved characters in logical names (API 1.10).
const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;

export const isUuid = (text: string) => UUID_RE.test(text);

const jsonObject = z.record(z.string(), z.unknown());

/** Seeding states are for demo labs; the API always creates in enroll. */
export const createNodeSchema = z
  .object({
    uuid: z.string().regex(UUID_RE, 'Expected a UUID').optional(),
    name: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
    driver: z.string().min(1),
    driver_info: jsonObject.optional(),
    properties: jsonObject.optional(),
    instance_info: jsonObject.optional(),
    extra: jsonObject.optional(),
    automated_clean: z.boolean().nullable().optional(),
    boot_interface: z.string().nullable().optional(),
    power_interface: z.string().nullable().optional(),
    management_interface: z.string().nullable().optional(),
    // Accepted for client compatibility, not stored: the embedded conductor has one of each.
    resource_class: z.string().nullable().optional(),
    conductor_group: z.string().optional(),
    owner: z.string().nullable().optional(),
    lessee: z.string().nullable().optional(),
    chassis_uuid: z.string().nullable().optional(),
  })
  .catchall(z.unknown())
  .superRefine((body, ctx) => {
    for (const key of Object.keys(body)) {
      if (!CREATE_KEYS.has(key) && !key.endsWith('_interface')) {
        ctx.addIssue({
          code: 'custom',
          message: `Additional properties are not allowed ('${key}' was unexpected)`,
        });
      }
    }
  });
const CREATE_KEYS = new Set([
  'boot_interface',
  'power_interface',
  'management_interface',
  'uuid',
  'name',
  'description',
  'driver',
  'driver_info',
  'properties',
  'instance_info',
  'extra',
  'automated_clean',
  'resource_class',
  'conductor_group',
  'owner',
  'lessee',
  'chassis_uuid',
]);
export type CreateNodeBody = z.infer<typeof createNodeSchema>;

export interface CreateNodeInput extends CreateNodeBody {
  ports?: { address: string }[];
  provision_state?: 'enroll' | 'manageable' | 'available';
}

const PATCHABLE = new Set([
  'boot_interface',
  'power_interface',
  'management_interface',
  'name',
  'description',
  'driver',
  'driver_info',
  'properties',
  'instance_info',
  'extra',
  'maintenance',
  'maintenance_reason',
  'automated_clean',
]);
const READ_ONLY = new Set([
  'uuid',
  'provision_state',
  'target_provision_state',
  'power_state',
  'target_power_state',
  'driver_internal_info',
  'last_error',
  'reservation',
  'clean_step',
  'deploy_step',
  'created_at',
  'updated_at',
  'provision_updated_at',
  'inspection_started_at',
  'inspection_finished_at',
  'fault',
  'links',
  'ports',
  'states',
  'conductor',
]);
const PATCH_DEFAULTS: Record<string, unknown> = {
  boot_interface: null,
  power_interface: null,
  management_interface: null,
  driver_info: {},
  properties: {},
  instance_info: {},
  extra: {},
  maintenance: false,
};

// Ironic's DELETE_ALLOWED_STATES plus available ([conductor] allow_deleting_available_nodes).
const DELETE_ALLOWED = new Set(['manageable', 'enroll', 'adopt failed', 'available']);

export interface NodeEventInput {
  type: string;
  data?: Record<string, unknown>;
}

export interface NodeServiceOptions {
  store: NodeStore;
  locks: NodeLocks;
  bus: ChangeBus;
  clock: Clock;
  logger: Logger;
  view: () => ViewContext;
}

/**
 * The node registry: every write goes through `update`, which persists the row and its event in
 * one transaction and then tells the listeners. Transport-free; the API and the Conductor class
 * both call it.
 */
export class NodeService {
  readonly store: NodeStore;
  readonly locks: NodeLocks;
  private readonly bus: ChangeBus;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly viewCtx: () => ViewContext;

  constructor(opts: NodeServiceOptions) {
    this.store = opts.store;
    this.locks = opts.locks;
    this.bus = opts.bus;
    this.clock = opts.clock;
    this.logger = opts.logger;
    this.viewCtx = opts.view;
  }

  now(): string {
    return isoNow(this.clock);
  }

  view(row: NodeRow): NodeView {
    return toNodeView(row, this.viewCtx());
  }

  portView(row: PortRow): PortView {
    return toPortView(row, this.viewCtx().baseUrl);
  }

  find(ident: string): NodeRow | undefined {
    return isUuid(ident)
      ? this.store.getNode(ident.toLowerCase())
      : this.store.getNodeByName(ident);
  }

  get(ident: string): NodeRow {
    const row = this.find(ident);
    if (!row) throw nodeNotFound(ident);
    return row;
  }

  list(filter: NodeFilter = {}): NodeRow[] {
    return this.store.listNodes(filter);
  }

  /** Persists a change and its event atomically, then notifies listeners. */
  update(uuid: string, reason: string, patch: Partial<NodeRow>, event?: NodeEventInput): NodeRow {
    const at = this.now();
    // One statement is atomic by itself; a transaction only when the event goes with it.
    const row = event
      ? this.store.transaction(() => {
          const updated = this.store.updateNode(uuid, { ...patch, updatedAt: at });
          this.store.appendEvent({ nodeUuid: uuid, at, type: event.type, data: event.data ?? {} });
          return updated;
        })
      : this.store.updateNode(uuid, { ...patch, updatedAt: at });
    this.bus.emit(uuid, reason, () => this.view(row));
    return row;
  }

  /**
   * Moves a node through the provision state machine. The target is kept across the steps of one
   * operation (manual cleaning keeps `manageable`), set from `opts.target`, or the state's own.
   */
  transition(
    row: NodeRow,
    event: ProvisionEvent,
    opts: {
      target?: ProvisionState | null;
      patch?: Partial<NodeRow>;
      data?: Record<string, unknown>;
    } = {},
  ): NodeRow {
    const to = nextState(row.provisionState, event);
    if (!to) {
      throw new ConductorError(
        'InvalidStateRequested',
        `The requested action "${event}" can not be performed on node "${row.uuid}" while it is in state "${row.provisionState}".`,
      );
    }
    let target: ProvisionState | null;
    if (STABLE_STATES.has(to)) target = null;
    else if (opts.target !== undefined) target = opts.target;
    else if (row.targetProvisionState && !STABLE_STATES.has(row.provisionState as ProvisionState)) {
      target = row.targetProvisionState as ProvisionState;
    } else target = defaultTarget(to);
    this.logger.info(
      { node: row.uuid, from: row.provisionState, to, event },
      'provision state change',
    );
    return this.update(
      row.uuid,
      'provision.transition',
      {
        ...opts.patch,
        provisionState: to,
        targetProvisionState: target,
        provisionUpdatedAt: this.now(),
      },
      {
        type: 'provision.transition',
        data: { from: row.provisionState, to, event, target, ...opts.data },
      },
    );
  }

  /** Appends an event without changing the node (still notifies, so timelines update live). */
  recordEvent(uuid: string, type: string, data: Record<string, unknown> = {}): NodeEventRow {
    const ev = this.store.appendEvent({ nodeUuid: uuid, at: this.now(), type, data });
    const row = this.store.getNode(uuid);
    this.bus.emit(uuid, type, () => (row ? this.view(row) : null));
    return ev;
  }

  events(ident: string, afterId?: number, limit?: number): NodeEventRow[] {
    const row = this.find(ident);
    return this.store.listEvents(row?.uuid ?? ident, afterId, limit);
  }

  create(input: CreateNodeInput): NodeRow {
    const { ports = [], provision_state = 'enroll', ...body } = input;
    const parsed = createNodeSchema.safeParse(body);
    if (!parsed.success)
      throw invalidParameter(parsed.error.issues.map((i) => i.message).join('; '));
    const b = parsed.data;
    this.checkDriver(b.driver);
    const interfaces = {
      bootInterface: b.boot_interface ?? null,
      powerInterface: b.power_interface ?? null,
      managementInterface: b.management_interface ?? null,
    };
    checkInterfaces(b.driver, interfaces);
    const name = b.name ?? null;
    if (name !== null) this.checkName(name, undefined);
    const uuid = (b.uuid ?? randomUUID()).toLowerCase();
    if (this.store.getNode(uuid)) {
      throw new ConductorError('InvalidState', `A node with UUID ${uuid} already exists.`);
    }
    const macs = ports.map((p) => requireMac(p.address));
    for (const mac of macs) this.checkMacFree(mac);
    const at = this.now();
    const row = this.store.transaction(() => {
      const created = this.store.insertNode({
        uuid,
        name,
        description: b.description ?? null,
        driver: b.driver,
        driverInfo: b.driver_info ?? {},
        ...interfaces,
        provisionState: provision_state,
        targetProvisionState: null,
        powerState: null,
        targetPowerState: null,
        maintenance: false,
        properties: b.properties ?? {},
        instanceInfo: b.instance_info ?? {},
        driverInternalInfo: {},
        extra: b.extra ?? {},
        automatedClean: b.automated_clean ?? null,
        createdAt: at,
        provisionUpdatedAt: at,
      });
      for (const mac of macs) this.insertPort(uuid, mac, at);
      this.store.appendEvent({
        nodeUuid: uuid,
        at,
        type: 'node.created',
        data: { provision_state, driver: b.driver, name },
      });
      return created;
    });
    this.logger.info({ node: uuid, name }, 'node created');
    this.bus.emit(uuid, 'node.created', this.view(row));
    return row;
  }

  patch(ident: string, body: unknown): NodeRow {
    const ops = validatePatch(body);
    const row = this.get(ident);
    this.assertUnlocked(row.uuid);
    const current: Record<string, unknown> = {
      name: row.name,
      description: row.description,
      driver: row.driver,
      driver_info: row.driverInfo,
      properties: row.properties,
      instance_info: row.instanceInfo,
      extra: row.extra,
      maintenance: row.maintenance,
      maintenance_reason: row.maintenanceReason,
      automated_clean: row.automatedClean,
      boot_interface: row.bootInterface,
      power_interface: row.powerInterface,
      management_interface: row.managementInterface,
    };
    const next = applyPatch(current, ops, PATCHABLE, READ_ONLY, PATCH_DEFAULTS);
    const parsed = patchedNodeSchema.safeParse(next);
    if (!parsed.success) {
      throw invalidParameter(
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const n = parsed.data;
    if (n.driver !== row.driver) this.checkDriver(n.driver);
    // A new hardware type without a new choice goes back to that type's defaults, as in Ironic.
    const keep = (path: string, value: string | null) =>
      n.driver !== row.driver && !ops.some((o) => o.path === path) ? null : value;
    const interfaces = {
      bootInterface: keep('/boot_interface', n.boot_interface),
      powerInterface: keep('/power_interface', n.power_interface),
      managementInterface: keep('/management_interface', n.management_interface),
    };
    checkInterfaces(n.driver, interfaces);
    if (n.name !== null && n.name !== row.name) this.checkName(n.name, row.uuid);
    const changed = ops.map((o) => o.path);
    return this.update(
      row.uuid,
      'node.updated',
      {
        name: n.name,
        description: n.description,
        driver: n.driver,
        driverInfo: n.driver_info,
        ...interfaces,
        properties: n.properties,
        instanceInfo: n.instance_info,
        extra: n.extra,
        maintenance: n.maintenance,
        maintenanceReason: n.maintenance ? n.maintenance_reason : null,
        fault: n.maintenance ? row.fault : null,
        automatedClean: n.automated_clean,
      },
      { type: 'node.updated', data: { paths: changed } },
    );
  }

  /** PUT/DELETE /v1/nodes/{id}/maintenance; clearing maintenance also clears the fault. */
  setMaintenance(ident: string, on: boolean, reason: string | null): NodeRow {
    const row = this.get(ident);
    return this.update(
      row.uuid,
      'node.maintenance',
      on
        ? { maintenance: true, maintenanceReason: reason }
        : { maintenance: false, maintenanceReason: null, fault: null },
      { type: on ? 'maintenance.set' : 'maintenance.unset', data: on ? { reason } : {} },
    );
  }

  delete(ident: string): void {
    const row = this.get(ident);
    this.assertUnlocked(row.uuid);
    if (!row.maintenance && !DELETE_ALLOWED.has(row.provisionState)) {
      throw new ConductorError(
        'InvalidState',
        `Can not delete node "${row.uuid}" while it is in provision state "${row.provisionState}". Valid provision states to start deletion are: ${[...DELETE_ALLOWED].join(', ')}, or put the node in maintenance.`,
      );
    }
    this.store.transaction(() => {
      this.store.deleteNode(row.uuid);
      this.store.appendEvent({
        nodeUuid: row.uuid,
        at: this.now(),
        type: 'node.deleted',
        data: {},
      });
    });
    this.logger.info({ node: row.uuid }, 'node deleted');
    this.bus.emit(row.uuid, 'node.deleted', null);
  }

  createPort(input: {
    address: unknown;
    node_uuid: unknown;
    pxe_enabled?: unknown;
    extra?: unknown;
  }): PortRow {
    const mac = requireMac(input.address);
    if (typeof input.node_uuid !== 'string' || !isUuid(input.node_uuid)) {
      throw invalidParameter(
        `Expected a UUID for node_uuid but received ${String(input.node_uuid)}.`,
      );
    }
    const node = this.store.getNode(input.node_uuid.toLowerCase());
    if (!node) throw nodeNotFound(input.node_uuid);
    if (input.pxe_enabled !== undefined && typeof input.pxe_enabled !== 'boolean') {
      throw invalidParameter('pxe_enabled must be a boolean.');
    }
    const extra = jsonObject.optional().safeParse(input.extra);
    if (!extra.success) throw invalidParameter('extra must be an object.');
    this.checkMacFree(mac);
    const at = this.now();
    const port = this.store.transaction(() => {
      const p = this.insertPort(
        node.uuid,
        mac,
        at,
        input.pxe_enabled as boolean | undefined,
        extra.data,
      );
      this.store.appendEvent({
        nodeUuid: node.uuid,
        at,
        type: 'port.created',
        data: { address: mac },
      });
      return p;
    });
    this.bus.emit(node.uuid, 'port.created', this.view(node));
    return port;
  }

  /** Adds ports for MACs not yet known anywhere; used by inspection. Call inside a transaction. */
  insertPort(
    nodeUuid: string,
    mac: string,
    at: string,
    pxeEnabled = true,
    extra: Record<string, unknown> = {},
  ): PortRow {
    return this.store.insertPort({
      uuid: randomUUID(),
      address: mac,
      nodeUuid,
      pxeEnabled,
      extra,
      createdAt: at,
    });
  }

  assertUnlocked(uuid: string): void {
    const holder = this.locks.holder(uuid);
    if (holder) throw nodeLocked(uuid, holder);
  }

  private checkDriver(driver: string): void {
    if (!KNOWN_DRIVERS.has(driver)) {
      throw invalidParameter(
        `No valid host was found. Reason: No conductor service registered which supports driver ${driver}.`,
      );
    }
  }

  private checkName(name: string, selfUuid: string | undefined): void {
    if (!NAME_RE.test(name) || isUuid(name)) {
      throw new ConductorError(
        'InvalidParameterValue',
        `Expected a logical name but received ${name}.`,
      );
    }
    const other = this.store.getNodeByName(name);
    if (other && other.uuid !== selfUuid) {
      throw new ConductorError('DuplicateName', `A node with name ${name} already exists.`);
    }
  }

  private checkMacFree(mac: string): void {
    if (this.store.getPortByAddress(mac)) {
      throw new ConductorError(
        'MACAlreadyExists',
        `A port with MAC address ${mac} already exists.`,
      );
    }
  }
}

const patchedNodeSchema = z.object({
  name: z.string().nullable(),
  description: z.string().nullable(),
  driver: z.string().min(1),
  driver_info: jsonObject,
  properties: jsonObject,
  instance_info: jsonObject,
  extra: jsonObject,
  maintenance: z.boolean(),
  maintenance_reason: z.string().nullable(),
  automated_clean: z.boolean().nullable(),
  boot_interface: z.string().nullable(),
  power_interface: z.string().nullable(),
  management_interface: z.string().nullable(),
});

function checkInterfaces(
  driver: string,
  i: {
    bootInterface: string | null;
    powerInterface: string | null;
    managementInterface: string | null;
  },
): void {
  checkInterface(driver, 'boot', i.bootInterface);
  checkInterface(driver, 'power', i.powerInterface);
  checkInterface(driver, 'management', i.managementInterface);
}
