import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type CertificateCurve = 'p256' | 'p384' | 'p521';

export interface SelfSignedCertificate {
  /** PEM certificate, also what the heartbeat sends as `agent_verify_ca`. */
  certPem: string;
  /** PEM PKCS#8 private key, unencrypted. */
  keyPem: string;
}

export interface SelfSignedOptions {
  /** The advertised IP address; becomes the (critical) subjectAltName. */
  ipAddress: string;
  commonName: string;
  curve: CertificateCurve;
  /** Epoch ms of "now". */
  now: number;
  /** Seconds not-before is moved back to tolerate clock skew (IPA: 3600). */
  allowedClockSkewS: number;
  /** IPA's certificates are valid 30 days (research/ipa.md §1.7). */
  validDays?: number;
}

const CURVES: Record<CertificateCurve, string> = {
  p256: 'prime256v1',
  p384: 'secp384r1',
  p521: 'secp521r1',
};

/**
 * IPA's auto-TLS certificate: an EC key on the chosen curve and a self-signed X.509 v3
 * certificate, CN = hostname, SAN = the advertised IP, signed ECDSA-SHA512. Node can sign but
 * not build certificates, so the DER is assembled here.
 */
export function generateSelfSignedCertificate(options: SelfSignedOptions): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: CURVES[options.curve],
  });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = new Date(options.now - options.allowedClockSkewS * 1000);
  const notAfter = new Date(options.now + (options.validDays ?? 30) * 86_400_000);
  const name = seq(set(seq(oid('2.5.4.3'), utf8(options.commonName))));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // positive
  const sigAlg = seq(oid('1.2.840.10045.4.3.4')); // ecdsa-with-SHA512
  const san = seq(tlv(0x87, ipBytes(options.ipAddress)));
  const extensions = explicit(
    3,
    seq(seq(oid('2.5.29.17'), tlv(0x01, Buffer.from([0xff])), octets(san))),
  );
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sigAlg,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    Buffer.from(spki),
    extensions,
  );
  const signature = sign('sha512', tbs, { key: privateKey, dsaEncoding: 'der' });
  const cert = seq(tbs, sigAlg, bitString(signature));
  return {
    certPem: pem('CERTIFICATE', cert),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 | n, content);
const octets = (content: Buffer) => tlv(0x04, content);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  if (d.getUTCFullYear() < 2050) return tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.replace(
      v4[1]!,
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`,
    );
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
