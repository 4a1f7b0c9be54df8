import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedfishClient, RedfishDispatchers } from './redfish-client';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  token: string | undefined;
}

/** A minimal Redfish service; `withSessions` decides whether it has a SessionService. */
async function service(withSessions: boolean) {
  const seen: Seen[] = [];
  let logins = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push({
      method: req.method!,
      url: req.url!,
      auth: req.headers.authorization,
      token: req.headers['x-auth-token'] as string | undefined,
    });
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/redfish/v1/') {
        return json(200, withSessions ? { SessionService: { '@odata.id': '/x' } } : {});
      }
      if (req.url === '/redfish/v1/SessionService/Sessions' && req.method === 'POST') {
        if (!withSessions) return json(404, {});
        logins++;
        return json(
          201,
          {},
          {
            'x-auth-token': `token-${logins}`,
            location: `/redfish/v1/SessionService/Sessions/${logins}`,
          },
        );
      }
      if (req.url === '/redfish/v1/Systems/1') {
        const ok = withSessions
          ? req.headers['x-auth-token'] === `token-${logins}`
          : req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`;
        return ok ? json(200, { PowerState: 'On' }) : json(401, {});
      }
      json(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    seen,
    address: `http://127.0.0.1:${port}`,
    expireSessions: () => logins++,
  };
}

describe('Redfish authentication', () => {
  let server: Server | undefined;
  let dispatchers: RedfishDispatchers | undefined;
  afterEach(async () => {
    await dispatchers?.close();
    server?.close();
  });

  const client = (address: string) =>
    new RedfishClient(
      { address, systemId: '/redfish/v1/Systems/1', username: 'u', password: 'p', verifyCa: true },
      dispatchers!.verifying,
      dispatchers!.sessions,
    );

  it('falls back to basic auth when the service has no SessionService', async () => {
    const svc = await service(false);
    server = svc.server;
    dispatchers = new RedfishDispatchers(2);
    expect(await client(svc.address).getPowerState()).toBe('On');
    expect(await client(svc.address).getPowerState()).toBe('On');
    expect(svc.seen.filter((s) => s.method === 'POST')).toEqual([]);
    expect(svc.seen.filter((s) => s.url === '/redfish/v1/Systems/1').every((s) => s.auth)).toBe(
      true,
    );
  });

  it('shares one login among concurrent callers and logs in again after a 401', async () => {
    const svc = await service(true);
    server = svc.server;
    dispatchers = new RedfishDispatchers(2);
    const states = await Promise.all(
      Array.from({ length: 5 }, () => client(svc.address).getPowerState()),
    );
    expect(states).toEqual(Array(5).fill('On'));
    const posts = () => svc.seen.filter((s) => s.method === 'POST').length;
    expect(posts()).toBe(1);
    svc.expireSessions();
    expect(await client(svc.address).getPowerState()).toBe('On');
    expect(posts()).toBe(2);
    await dispatchers.close();
    dispatchers = undefined;
    const deletes = svc.seen.filter((s) => s.method === 'DELETE');
    expect(deletes).toEqual([
      {
        method: 'DELETE',
        url: '/redfish/v1/SessionService/Sessions/3',
        auth: undefined,
        token: 'token-3',
      },
    ]);
  });
});
