import type { FastifyInstance } from 'fastify';
import { ConductorError, invalidParameter } from '../../nodes/errors';
import type { ApiContext } from '../context';
import { atLeast } from '../microversion';

const notFound = () => new ConductorError('NotFound', 'The resource could not be found.');

export function ramdiskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { addresses?: string | string[]; node_uuid?: string } }>(
    '/v1/lookup',
    (request) => {
      if (!atLeast(request, 22)) throw notFound();
      const raw = request.query.addresses;
      const addresses = (Array.isArray(raw) ? raw : raw ? [raw] : [])
        .flatMap((a) => a.split(','))
        .filter(Boolean);
      return ctx.ramdisk.lookup(addresses, request.query.node_uuid || undefined, ctx.baseUrl());
    },
  );

  app.post<{ Params: { ident: string } }>('/v1/heartbeat/:ident', (request, reply) => {
    if (!atLeast(request, 22)) throw notFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.agent_version !== undefined && !atLeast(request, 36)) {
      throw invalidParameter('Field "agent_version" not recognised');
    }
    if (body.agent_verify_ca !== undefined && !atLeast(request, 68)) {
      throw invalidParameter('Field "agent_verify_ca" not recognised in this version');
    }
    if (
      (body.agent_status !== undefined || body.agent_status_message !== undefined) &&
      !atLeast(request, 72)
    ) {
      throw invalidParameter('Fields "agent_status" and "agent_status_message" not recognised.');
    }
    ctx.ramdisk.heartbeat(request.params.ident, body);
    return reply.code(202).send();
  });

  app.post<{ Querystring: { node_uuid?: string } }>('/v1/continue_inspection', (request, reply) => {
    const legacy = request.apiVersion.major === 1 && request.apiVersion.minor === 1;
    const withUuid = request.query.node_uuid !== undefined;
    // 1.1 (no header, as IPA sends it) is accepted for ironic-inspector compatibility.
    if ((!legacy && !atLeast(request, 83)) || (withUuid && !atLeast(request, 84))) {
      throw new ConductorError('NotFound', 'API version 1.83 or newer is required');
    }
    const node = ctx.ramdisk.continueInspection(request.body, request.query.node_uuid);
    reply.code(202);
    if (atLeast(request, 84)) return ctx.ramdisk.agentView(node, ctx.baseUrl());
    return { uuid: node.uuid };
  });
}
