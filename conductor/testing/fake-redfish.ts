import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';

export interface FakeBmc {
  url: string;
  power: 'On' | 'Off';
  /** GETs that still report the old state after a reset, to exercise polling. */
  lag: number;
  /** A BMC that accepts resets and does nothing (a stuck power supply). */
  ignoreResets: boolean;
  resets: string[];
  patches: unknown[];
  requests: number;
  close(): Promise<void>;
}

/** A one-system Redfish BMC on loopback with basic auth (admin/password). */
export async function startFakeRedfish(initial: 'On' | 'Off' = 'Off'): Promise<FakeBmc> {
  const app: FastifyInstance = Fastify({ logger: false });
  let pending: { to: 'On' | 'Off'; after: number } | null = null;
  const bmc: FakeBmc = {
    url: '',
    power: initial,
    lag: 0,
    ignoreResets: false,
    resets: [],
    patches: [],
    requests: 0,
    close: () => app.close(),
  };
  const expected = `Basic ${Buffer.from('admin:password').toString('base64')}`;
  app.addHook('onRequest', (req, reply, done) => {
    bmc.requests++;
    if (req.headers.authorization !== expected) {
      void reply
        .code(401)
        .send({ error: { code: 'Base.1.8.NoValidSession', message: 'bad credentials' } });
      return;
    }
    done();
  });
  app.get('/redfish/v1/Systems', () => ({
    Members: [{ '@odata.id': '/redfish/v1/Systems/1' }],
  }));
  app.get('/redfish/v1/Systems/1', () => {
    if (pending) {
      if (pending.after <= 0) {
        bmc.power = pending.to;
        pending = null;
      } else pending.after--;
    }
    return {
      Id: '1',
      PowerState: bmc.power,
      Actions: {
        '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset' },
      },
    };
  });
  app.post<{ Body: { ResetType: string } }>(
    '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset',
    (req, reply) => {
      const type = req.body.ResetType;
      bmc.resets.push(type);
      const to = type === 'On' ? 'On' : 'Off';
      if (bmc.ignoreResets) return reply.code(204).send();
      if (bmc.lag > 0) pending = { to, after: bmc.lag };
      else bmc.power = to;
      return reply.code(204).send();
    },
  );
  app.patch('/redfish/v1/Systems/1', (req, reply) => {
    bmc.patches.push(req.body);
    return reply.code(204).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  bmc.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return bmc;
}

/** A loopback URL nobody listens on: connections are refused at once. */
export async function deadBmcUrl(): Promise<string> {
  const app = Fastify();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  await app.close();
  return `http://127.0.0.1:${port}`;
}
