import type { FastifyInstance } from 'fastify';
import { ConductorError, invalidParameter } from '../../nodes/errors';
import { NODE_LIST_FIELDS, PORT_LIST_FIELDS, type NodeView } from '../../nodes/node-view';
import type { ApiContext } from '../context';
import { parseBool, parseFields, pick } from '../fields';
import { atLeast } from '../microversion';
import { nextLink, paginate, parsePaging, rowKey, type PagingQuery } from '../paging';
import type { NodeRow, PortRow } from '../../db/schema';
import { BOOT_DEVICES } from '../../bmc/power-driver';

type ListQuery = PagingQuery & {
  detail?: string;
  fields?: string;
  provision_state?: string;
  maintenance?: string;
  driver?: string;
};

// Columns a list may be sorted by (Ironic refuses the JSON ones and computed fields).
const NODE_SORTABLE: ReadonlySet<string> = new Set([
  'uuid',
  'name',
  'description',
  'driver',
  'provision_state',
  'target_provision_state',
  'power_state',
  'target_power_state',
  'maintenance',
  'maintenance_reason',
  'fault',
  'last_error',
  'automated_clean',
  'created_at',
  'updated_at',
  'provision_updated_at',
  'inspection_started_at',
  'inspection_finished_at',
]);
const PORT_SORTABLE: ReadonlySet<string> = new Set([
  'uuid',
  'address',
  'node_uuid',
  'pxe_enabled',
  'created_at',
  'updated_at',
]);

const nodeKey = (row: NodeRow, key: string) => (row as Record<string, unknown>)[rowKey(key)];
const portKey = (row: PortRow, key: string) => (row as Record<string, unknown>)[rowKey(key)];

const NODE_FIELDS: readonly string[] = [
  'uuid',
  'name',
  'description',
  'driver',
  'driver_info',
  'boot_interface',
  'power_interface',
  'management_interface',
  'driver_internal_info',
  'properties',
  'instance_info',
  'extra',
  'provision_state',
  'target_provision_state',
  'power_state',
  'target_power_state',
  'maintenance',
  'maintenance_reason',
  'fault',
  'last_error',
  'reservation',
  'clean_step',
  'deploy_step',
  'service_step',
  'automated_clean',
  'instance_uuid',
  'resource_class',
  'console_enabled',
  'protected',
  'retired',
  'conductor_group',
  'conductor',
  'created_at',
  'updated_at',
  'provision_updated_at',
  'inspection_started_at',
  'inspection_finished_at',
  'links',
  'ports',
  'states',
];
const PORT_FIELDS: readonly string[] = [
  'uuid',
  'address',
  'node_uuid',
  'pxe_enabled',
  'extra',
  'local_link_connection',
  'internal_info',
  'physical_network',
  'portgroup_uuid',
  'is_smartnic',
  'created_at',
  'updated_at',
  'links',
];

/** `?detail`/`?fields` as Ironic combines them: both at once is an error. */
function shape(
  detailForced: boolean,
  q: { detail?: string; fields?: string },
  all: readonly string[],
  list: readonly string[],
) {
  const detail = detailForced || (parseBool(q.detail, 'detail') ?? false);
  const fields = parseFields(q.fields, all);
  if (detail && fields) {
    throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
  }
  return fields ?? (detail ? null : list);
}

export function nodeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const listNodes = (detailForced: boolean, q: ListQuery, path: string) => {
    const fields = shape(detailForced, q, NODE_FIELDS, NODE_LIST_FIELDS);
    const paging = parsePaging(q, NODE_SORTABLE);
    const rows = ctx.nodes.list({
      provisionState: q.provision_state,
      maintenance: parseBool(q.maintenance, 'maintenance'),
      driver: q.driver,
    });
    const { items, next } = pagedViews(ctx, rows, q, paging, fields, {
      path,
      keyOf: nodeKey,
      kind: 'Node',
      view: (r) => ctx.nodes.view(r),
    });
    return { nodes: items, ...(next ? { next } : {}) };
  };

  app.get<{ Querystring: ListQuery }>('/v1/nodes', (req) =>
    listNodes(false, req.query, '/v1/nodes'),
  );
  app.get<{ Querystring: ListQuery }>('/v1/nodes/detail', (req) => {
    if (req.query.fields !== undefined)
      throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
    return listNodes(true, req.query, '/v1/nodes/detail');
  });

  app.get<{ Params: { ident: string }; Querystring: { fields?: string } }>(
    '/v1/nodes/:ident',
    (req) => {
      const fields = parseFields(req.query.fields, NODE_FIELDS);
      const view: NodeView = ctx.nodes.view(ctx.nodes.get(req.params.ident));
      return fields ? pick(view, fields) : view;
    },
  );

  app.post('/v1/nodes', (req, reply) => {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidParameter('A JSON object describing the node is required.');
    }
    if ('provision_state' in body) {
      throw invalidParameter("'/provision_state' is an internal attribute and can not be set");
    }
    const row = ctx.nodes.create(body as Parameters<typeof ctx.nodes.create>[0]);
    const view = ctx.nodes.view(row);
    return reply.code(201).header('Location', view.links[0]!.href).send(view);
  });

  app.patch<{ Params: { ident: string } }>('/v1/nodes/:ident', (req) =>
    ctx.nodes.view(ctx.nodes.patch(req.params.ident, req.body)),
  );

  app.delete<{ Params: { ident: string } }>('/v1/nodes/:ident', (req, reply) => {
    ctx.nodes.delete(req.params.ident);
    return reply.code(204).send();
  });

  app.get<{ Params: { ident: string } }>('/v1/nodes/:ident/inventory', (req) => {
    if (!atLeast(req, 81)) throw new ConductorError('NotFound', 'The resource could not be found.');
    const node = ctx.nodes.get(req.params.ident);
    const inv = ctx.nodes.store.getInventory(node.uuid);
    if (!inv) {
      throw new ConductorError(
        'InventoryNotFound',
        `Inventory for node ${node.uuid} could not be found.`,
      );
    }
    return { inventory: inv.inventory, plugin_data: inv.pluginData };
  });

  app.get<{
    Params: { ident: string };
    Querystring: PagingQuery & { detail?: string; fields?: string };
  }>('/v1/nodes/:ident/ports', (req) => {
    const node = ctx.nodes.get(req.params.ident);
    return pagedPorts(ctx, ctx.nodes.store.listPorts(node.uuid), req.query, {
      path: `/v1/nodes/${node.uuid}/ports`,
      detailForced: false,
    });
  });

  app.get<{ Params: { ident: string } }>('/v1/nodes/:ident/states', (req) => {
    const v = ctx.nodes.view(ctx.nodes.get(req.params.ident));
    return {
      power_state: v.power_state,
      target_power_state: v.target_power_state,
      provision_state: v.provision_state,
      target_provision_state: v.target_provision_state,
      provision_updated_at: v.provision_updated_at,
      last_error: v.last_error,
      console_enabled: v.console_enabled,
      raid_config: {},
      target_raid_config: {},
    };
  });

  app.put<{ Params: { ident: string } }>('/v1/nodes/:ident/states/power', (req, reply) => {
    const body = (req.body ?? {}) as { target?: unknown; timeout?: unknown };
    if (typeof body.target !== 'string') throw invalidParameter('A power "target" is required.');
    if (body.timeout !== undefined && !(typeof body.timeout === 'number' && body.timeout > 0)) {
      throw invalidParameter('"timeout" must be a positive integer.');
    }
    const { accepted, done } = ctx.power.request(req.params.ident, body.target);
    // The outcome lands in the node (power_state / last_error); the HTTP answer does not wait.
    done.catch((err: unknown) =>
      ctx.logger.error({ err, node: accepted.uuid }, 'power change crashed'),
    );
    return reply
      .code(202)
      .header('Location', `${ctx.baseUrl()}/v1/nodes/${accepted.uuid}/states`)
      .send();
  });

  app.put<{ Params: { ident: string } }>('/v1/nodes/:ident/maintenance', (req, reply) => {
    const body = (req.body ?? {}) as { reason?: unknown };
    if (body.reason !== undefined && body.reason !== null && typeof body.reason !== 'string') {
      throw invalidParameter('"reason" must be a string.');
    }
    ctx.nodes.setMaintenance(req.params.ident, true, (body.reason as string | undefined) ?? null);
    return reply.code(202).send();
  });

  app.delete<{ Params: { ident: string } }>('/v1/nodes/:ident/maintenance', (req, reply) => {
    ctx.nodes.setMaintenance(req.params.ident, false, null);
    return reply.code(202).send();
  });

  app.put<{ Params: { ident: string } }>(
    '/v1/nodes/:ident/management/boot_device',
    async (req, reply) => {
      const body = (req.body ?? {}) as { boot_device?: unknown; persistent?: unknown };
      if (typeof body.boot_device !== 'string') {
        throw invalidParameter('A "boot_device" is required.');
      }
      if (body.persistent !== undefined && typeof body.persistent !== 'boolean') {
        throw invalidParameter('"persistent" must be a boolean.');
      }
      await ctx.power.setBootDevice(req.params.ident, body.boot_device, body.persistent === true);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { ident: string } }>('/v1/nodes/:ident/management/boot_device', (req) =>
    ctx.power.getBootDevice(req.params.ident),
  );

  app.get<{ Params: { ident: string } }>(
    '/v1/nodes/:ident/management/boot_device/supported',
    (req) => {
      const node = ctx.nodes.get(req.params.ident);
      const driver = ctx.power.driverFor(node);
      return { supported_boot_devices: driver.setBootDevice ? [...BOOT_DEVICES] : [] };
    },
  );

  app.get<{ Params: { ident: string } }>('/v1/nodes/:ident/validate', (req) => {
    const node = ctx.nodes.get(req.params.ident);
    let power: { result: boolean; reason?: string } = { result: true };
    try {
      ctx.power.driverFor(node).validate(node);
    } catch (err) {
      power = { result: false, reason: (err as Error).message };
    }
    const unsupported = { result: null, reason: 'not supported by the embedded conductor' };
    return {
      power,
      management: power,
      boot: { result: true },
      deploy: { result: true },
      inspect: { result: true },
      network: { result: true },
      console: unsupported,
      rescue: unsupported,
      raid: unsupported,
      bios: unsupported,
      storage: { result: true },
    };
  });

  app.put<{ Params: { ident: string } }>('/v1/nodes/:ident/states/provision', (req, reply) => {
    if (!ctx.provision) throw invalidParameter('Provisioning actions are not available.');
    ctx.provision.request(req.params.ident, req.body, req.apiVersion.minor);
    return reply
      .code(202)
      .header(
        'Location',
        `${ctx.baseUrl()}/v1/nodes/${ctx.nodes.get(req.params.ident).uuid}/states`,
      )
      .send();
  });
}

/**
 * One page of a collection as Ironic lists it: sorted and cut by `limit`/`marker`, views built for
 * the page only (a fleet of 10,000 is listed 1,000 at a time), `fields` applied, and a `next`
 * link when more rows follow.
 */
function pagedViews<R extends { uuid: string }, V extends object>(
  ctx: ApiContext,
  rows: readonly R[],
  q: PagingQuery,
  paging: ReturnType<typeof parsePaging>,
  fields: readonly string[] | null,
  opts: {
    path: string;
    keyOf: (row: R, key: string) => unknown;
    kind: string;
    view: (row: R) => V;
  },
): { items: unknown[]; next: string | undefined } {
  const { page, more } = paginate(rows, paging, {
    uuidOf: (r) => r.uuid,
    keyOf: opts.keyOf,
    kind: opts.kind,
  });
  const views = page.map(opts.view);
  return {
    items: views.map((v) => (fields ? pick(v, fields) : v)),
    next: more
      ? nextLink(
          ctx.baseUrl(),
          opts.path,
          q as Record<string, string | undefined>,
          paging.limit,
          page.at(-1)!.uuid,
        )
      : undefined,
  };
}

/** A page of ports as Ironic lists them, with a `next` link when the page is full. */
function pagedPorts(
  ctx: ApiContext,
  rows: PortRow[],
  q: PagingQuery & { detail?: string; fields?: string },
  opts: { path: string; detailForced: boolean },
) {
  const fields = shape(opts.detailForced, q, PORT_FIELDS, PORT_LIST_FIELDS);
  const paging = parsePaging(q, PORT_SORTABLE);
  const { items, next } = pagedViews(ctx, rows, q, paging, fields, {
    path: opts.path,
    keyOf: portKey,
    kind: 'Port',
    view: (p) => ctx.nodes.portView(p),
  });
  return { ports: items, ...(next ? { next } : {}) };
}

export function portRoutes(app: FastifyInstance, ctx: ApiContext): void {
  type PortQuery = PagingQuery & {
    detail?: string;
    fields?: string;
    node_uuid?: string;
    node?: string;
    address?: string;
  };
  const listPorts = (detailForced: boolean, q: PortQuery, path: string) => {
    let nodeUuid: string | undefined;
    const nodeIdent = q.node_uuid ?? q.node;
    if (nodeIdent) nodeUuid = ctx.nodes.get(nodeIdent).uuid;
    let rows = ctx.nodes.store.listPorts(nodeUuid);
    if (q.address) rows = rows.filter((p) => p.address === q.address!.toLowerCase());
    return pagedPorts(ctx, rows, q, { path, detailForced });
  };
  app.get<{ Querystring: PortQuery }>('/v1/ports', (req) =>
    listPorts(false, req.query, '/v1/ports'),
  );
  app.get<{ Querystring: PortQuery }>('/v1/ports/detail', (req) =>
    listPorts(true, req.query, '/v1/ports/detail'),
  );
  app.get<{ Params: { uuid: string } }>('/v1/ports/:uuid', (req) => {
    const port = ctx.nodes.store.getPort(req.params.uuid.toLowerCase());
    if (!port)
      throw new ConductorError('PortNotFound', `Port ${req.params.uuid} could not be found.`);
    return ctx.nodes.portView(port);
  });
  app.post('/v1/ports', (req, reply) => {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidParameter('A JSON object describing the port is required.');
    }
    const b = body as Record<string, unknown>;
    const allowed = new Set(['address', 'node_uuid', 'pxe_enabled', 'extra']);
    const unknown = Object.keys(b).filter((k) => !allowed.has(k));
    if (unknown.length) {
      throw invalidParameter(
        `Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} unexpected)`,
      );
    }
    const port = ctx.nodes.createPort({
      address: b.address,
      node_uuid: b.node_uuid,
      pxe_enabled: b.pxe_enabled,
      extra: b.extra,
    });
    const view = ctx.nodes.portView(port);
    return reply.code(201).header('Location', view.links[0]!.href).send(view);
  });
}
