import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from '../agent/tls';
import { AgentClient } from '../conductor/agent/agent-client';
import type { NodeRow } from '../conductor/db/schema';
import { FakeClock } from '../lib';

// The conductor verifies an auto-TLS agent with the certificate the agent sent as
// `agent_verify_ca` (Ironic's rule), judging validity dates on its own Clock, so a lab on scaled
// time accepts certificates that the wall clock would call "not yet valid".

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 5, 1); // far ahead of the wall clock, as a scaled lab clock runs

const cert = (ip: string, now = T0) =>
  generateSelfSignedCertificate({
    ipAddress: ip,
    commonName: 'agent',
    curve: 'p256',
    now,
    allowedClockSkewS: 3600,
  });

let server: Server | undefined;
let dispatcher: Agent | undefined;
let client: AgentClient | undefined;

afterEach(async () => {
  await client?.close();
  await dispatcher?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(pair: { certPem: string; keyPem: string }): Promise<string> {
  server = createServer({ cert: pair.certPem, key: pair.keyPem }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    const ok = req.url?.includes('agent_token=tok');
    res.statusCode = ok ? 200 : 401;
    res.end(JSON.stringify(ok ? { commands: [] } : { faultstring: 'Token invalid.' }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function clientAt(now: number): AgentClient {
  dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  client = new AgentClient({ dispatcher, clock: new FakeClock(now) });
  return client;
}

const node = (url: string, ca?: string) =>
  ({
    uuid: 'n1',
    driverInternalInfo: {
      agent_url: url,
      agent_secret_token: 'tok',
      ...(ca ? { agent_verify_ca: ca } : {}),
    },
  }) as unknown as NodeRow;

describe('agent TLS verification with agent_verify_ca', () => {
  it('accepts the pinned certificate, dated by the conductor clock not the wall clock', async () => {
    const pair = cert('127.0.0.1');
    const url = await serve(pair);
    expect(T0 - 3600_000).toBeGreaterThan(Date.now()); // the wall clock would refuse it
    await expect(clientAt(T0 + DAY).listCommands(node(url, pair.certPem))).resolves.toEqual([]);
  });

  it('refuses a certificate that is not the one the agent sent', async () => {
    const url = await serve(cert('127.0.0.1'));
    const other = cert('127.0.0.1');
    await expect(clientAt(T0).listCommands(node(url, other.certPem))).rejects.toThrow(
      /unreachable: certificate is not signed by the agent_verify_ca on file/,
    );
  });

  it('refuses a certificate outside its validity on the conductor clock', async () => {
    const pair = cert('127.0.0.1');
    const url = await serve(pair);
    await expect(clientAt(T0 + 31 * DAY).listCommands(node(url, pair.certPem))).rejects.toThrow(
      /certificate has expired/,
    );
    await client!.close();
    await dispatcher!.close();
    await expect(clientAt(T0 - 2 * DAY).listCommands(node(url, pair.certPem))).rejects.toThrow(
      /certificate is not yet valid/,
    );
  });

  it('refuses a certificate issued for another address', async () => {
    const pair = cert('192.0.2.7');
    const url = await serve(pair);
    await expect(clientAt(T0).listCommands(node(url, pair.certPem))).rejects.toThrow(
      /IP: 127\.0\.0\.1 is not in the cert's list: 192\.0\.2\.7/,
    );
  });

  it('talks to an agent that sent no certificate without verification (verify_ca off)', async () => {
    const url = await serve(cert('127.0.0.1'));
    await expect(clientAt(T0).listCommands(node(url))).resolves.toEqual([]);
  });
});
