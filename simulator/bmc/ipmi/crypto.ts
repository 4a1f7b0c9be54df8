import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** RMCP+ cipher suite 3 primitives (IPMI 2.0 §13.28-13.29). */
export function hmacSha1(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha1', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

export interface SessionKeys {
  sik: Buffer;
  /** Integrity key K1. */
  k1: Buffer;
  /** Confidentiality key: the first 16 bytes of K2. */
  aesKey: Buffer;
}

export function deriveKeys(
  kg: Buffer,
  rm: Buffer,
  rc: Buffer,
  role: number,
  username: Buffer,
): SessionKeys {
  const sik = hmacSha1(kg, rm, rc, Buffer.from([role, username.length]), username);
  const k1 = hmacSha1(sik, Buffer.alloc(20, 0x01));
  const k2 = hmacSha1(sik, Buffer.alloc(20, 0x02));
  return { sik, k1, aesKey: k2.subarray(0, 16) };
}

/** AES-CBC-128 with IPMI's padding (1, 2, 3, … then the pad length); output is IV ‖ ciphertext. */
export function encryptPayload(key: Buffer, plaintext: Buffer): Buffer {
  const padLength = (16 - ((plaintext.length + 1) % 16)) % 16;
  const pad = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const body = Buffer.concat([
    cipher.update(Buffer.concat([plaintext, pad, Buffer.from([padLength])])),
    cipher.final(),
  ]);
  return Buffer.concat([iv, body]);
}

/** Inverse of encryptPayload; undefined when the payload cannot be a valid ciphertext. */
export function decryptPayload(key: Buffer, payload: Buffer): Buffer | undefined {
  if (payload.length < 32 || (payload.length - 16) % 16 !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key, payload.subarray(0, 16)).setAutoPadding(
    false,
  );
  const plain = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const padLength = plain[plain.length - 1]!;
  if (padLength >= 16 || padLength + 1 > plain.length) return undefined;
  return plain.subarray(0, plain.length - 1 - padLength);
}
