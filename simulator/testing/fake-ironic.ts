import Fastify from 'fastify';
import type { InspectionData } from '../../protocol';

export interface FakeNode {
  uuid: string;
  macs: string[];
}

/**
 * The few Ironic endpoints an agent talks to, recording what it sent: version discovery,
 * continue_inspection, lookup, heartbeat. For tests of the fleet with the real agent.
 */
export async function startFakeIronic(nodes: FakeNode[], options: { anyMac?: boolean } = {}) {
  const app = Fastify();
  const inspections: InspectionData[] = [];
  const lookups: string[] = [];
  const heartbeats: Array<{ node: string; callback_url: string }> = [];
  app.get('/', (_request, reply) =>
    reply.send({
      name: 'OpenStack Ironic API',
      default_version: { id: 'v1', version: '1.88', min_version: '1.1', status: 'CURRENT' },
    }),
  );
  app.post('/v1/continue_inspection', (request, reply) => {
    const data = request.body as InspectionData;
    inspections.push(data);
    const macs = data.inventory.interfaces.map((i) => i.mac_address);
    const node = nodes.find((n) => n.macs.some((m) => macs.includes(m)));
    return reply.send({ uuid: node?.uuid ?? null });
  });
  app.get<{ Querystring: { addresses?: string } }>('/v1/lookup', (request, reply) => {
    const addresses = (request.query.addresses ?? '').split(',');
    let node = nodes.find((n) => n.macs.some((m) => addresses.includes(m)));
    if (!node && options.anyMac && addresses[0]) {
      // Scale runs: every machine that asks is a node, named by its first MAC.
      node = { uuid: uuidFromMac(addresses[0]), macs: addresses };
      nodes.push(node);
    }
    if (!node)
      return reply
        .code(404)
        .send({ error_message: JSON.stringify({ faultstring: 'Node not found' }) });
    lookups.push(node.uuid);
    return reply.send({
      node: { uuid: node.uuid, properties: {}, instance_info: {}, driver_internal_info: {} },
      config: { heartbeat_timeout: 300, agent_token: 't'.repeat(43), agent_token_required: true },
    });
  });
  app.post<{ Params: { node: string }; Body: { callback_url: string } }>(
    '/v1/heartbeat/:node',
    async (request, reply) => {
      heartbeats.push({ node: request.params.node, callback_url: request.body.callback_url });
      return reply.code(202).send();
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    inspections,
    lookups,
    heartbeats,
    close: () => app.close(),
  };
}

function uuidFromMac(mac: string): string {
  const hex = mac.replace(/:/g, '').padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** Advances a fake clock in steps, letting real loopback I/O happen between steps. */
export async function waitFor(
  clock: { advance(ms: number): Promise<void> },
  predicate: () => boolean,
  { stepMs = 1000, maxSteps = 2000 } = {},
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (predicate()) return;
    await clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('waitFor: condition not reached');
}
