import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { defaultAgentConfig } from '../config';
import { LinuxHost } from '../host/linux';
import { createClientDispatcher } from './client-dispatcher';

const silent = createLogger({ name: 'test', level: 'silent' });

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function makePki(dir: string) {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    ossl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  key('ca');
  ossl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=Test CA',
    '-days',
    '2',
    '-out',
    'ca.crt',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    key(name);
    ossl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }
  return (f: string) => join(dir, f);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('outgoing TLS dispatcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  const path = makePki(dir);
  const read = (f: string) => readFileSync(path(f), 'utf8');
  const host = new LinuxHost();
  let plainUrl: string;
  let mutualUrl: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    const plain = createServer({ key: read('server.key'), cert: read('server.crt') }, (_q, s) =>
      s.end('plain'),
    );
    const mutual = createServer(
      {
        key: read('server.key'),
        cert: read('server.crt'),
        ca: read('ca.crt'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) =>
        res.end(
          `hello ${(req.socket as unknown as { getPeerCertificate(): { subject: { CN: string } } }).getPeerCertificate().subject.CN}`,
        ),
    );
    servers.push(plain, mutual);
    plainUrl = await listen(plain);
    mutualUrl = await listen(mutual);
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (
    url: string,
    overrides: Parameters<typeof defaultAgentConfig>[0],
    logger = silent,
  ) => {
    const dispatcher = await createClientDispatcher(host, defaultAgentConfig(overrides), logger);
    try {
      return await (await fetch(url, { dispatcher })).text();
    } finally {
      await dispatcher.close();
    }
  };

  it('rejects a server signed by an unknown CA by default', async () => {
    await expect(get(plainUrl, {})).rejects.toThrow();
  });

  it('trusts the server with cafile', async () => {
    expect(await get(plainUrl, { cafile: path('ca.crt') })).toBe('plain');
  });

  it('skips verification with insecure', async () => {
    expect(await get(plainUrl, { insecure: true })).toBe('plain');
  });

  it('presents a client certificate with certfile and keyfile', async () => {
    await expect(get(mutualUrl, { cafile: path('ca.crt') })).rejects.toThrow();
    expect(
      await get(mutualUrl, {
        cafile: path('ca.crt'),
        certfile: path('client.crt'),
        keyfile: path('client.key'),
      }),
    ).toBe('hello client');
  });

  it('warns and uses no client certificate when only one of the pair is set', async () => {
    const warnings: string[] = [];
    const logger = createLogger({
      name: 'test',
      level: 'warn',
      destination: {
        write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg),
      },
    });
    await expect(
      get(mutualUrl, { cafile: path('ca.crt'), certfile: path('client.crt') }, logger),
    ).rejects.toThrow();
    expect(warnings).toEqual(['certfile is set without keyfile; no client certificate is used']);
  });
});
