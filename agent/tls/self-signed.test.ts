import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate, ipBytes } from './self-signed';

describe('auto-TLS certificate', () => {
  const now = Date.UTC(2026, 6, 1, 12, 0, 0);

  it('is a self-signed EC P-384 certificate for the advertised IP, valid 30 days', () => {
    const { certPem, keyPem } = generateSelfSignedCertificate({
      ipAddress: '192.0.2.10',
      commonName: 'node-17',
      curve: 'p384',
      now,
      allowedClockSkewS: 3600,
    });
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toBe('CN=node-17');
    expect(cert.issuer).toBe('CN=node-17');
    expect(cert.subjectAltName).toBe('IP Address:192.0.2.10');
    expect(cert.checkIP('192.0.2.10')).toBe('192.0.2.10');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(new Date(cert.validFrom).getTime()).toBe(now - 3600_000);
    expect(new Date(cert.validTo).getTime()).toBe(now + 30 * 86_400_000);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // openssl agrees on the details IPA sets.
    const dir = mkdtempSync(join(tmpdir(), 'cert-'));
    try {
      writeFileSync(join(dir, 'c.pem'), certPem);
      const text = execFileSync('openssl', [
        'x509',
        '-in',
        join(dir, 'c.pem'),
        '-noout',
        '-text',
      ]).toString();
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA512/);
      expect(text).toMatch(/X509v3 Subject Alternative Name: critical\s+IP Address:192\.0\.2\.10/);
      expect(text).toMatch(/Version: 3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves TLS that a client trusting it as CA verifies by IP (IPv4 and IPv6)', async () => {
    for (const ip of ['127.0.0.1', '::1']) {
      const { certPem, keyPem } = generateSelfSignedCertificate({
        ipAddress: ip,
        commonName: 'agent',
        curve: 'p256',
        now: Date.now(),
        allowedClockSkewS: 3600,
      });
      const server = createServer({ cert: certPem, key: keyPem }, (_req, res) => res.end('ok'));
      await new Promise<void>((r) => server.listen(0, ip, r));
      const { port } = server.address() as AddressInfo;
      const host = ip.includes(':') ? `[${ip}]` : ip;
      const dispatcher = new Agent({ connect: { ca: certPem } });
      try {
        const res = await fetch(`https://${host}:${port}/`, { dispatcher });
        expect(await res.text()).toBe('ok');
      } finally {
        await dispatcher.close();
        await new Promise((r) => server.close(r));
      }
    }
  });

  it('encodes IPv6 addresses', () => {
    expect(ipBytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipBytes('2001:db8::5').toString('hex')).toBe('20010db8000000000000000000000005');
    expect(ipBytes('::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(ipBytes('10.1.2.3').toString('hex')).toBe('0a010203');
  });
});
