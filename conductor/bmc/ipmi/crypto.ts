import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Cipher suite 3's primitives (IPMI 2.0 §13.28–13.29): HMAC-SHA1 keys, AES-CBC-128 payloads. */
export function hmacSha1(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha1', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

export interface SessionKeys {
  /** Session integrity key. */
  sik: Buffer;
  /** K1: keys HMAC-SHA1-96 on every in-session packet. */
  k1: Buffer;
  /** First 16 bytes of K2: the AES-128 key. */
  aesKey: Buffer;
}

/**
 * SIK = HMAC(Kg, Rm ‖ Rc ‖ role ‖ name length ‖ name); K1/K2 = HMAC(SIK, twenty 0x01/0x02 bytes).
 * Without a BMC key, Kg is the user's password.
 */
export function sessionKeys(
  kg: Buffer,
  rm: Buffer,
  rc: Buffer,
  role: number,
  username: Buffer,
): SessionKeys {
  const sik = hmacSha1(kg, rm, rc, Buffer.from([role, username.length]), username);
  return {
    sik,
    k1: hmacSha1(sik, Buffer.alloc(20, 0x01)),
    aesKey: hmacSha1(sik, Buffer.alloc(20, 0x02)).subarray(0, 16),
  };
}

/** IV ‖ AES-128-CBC(plaintext ‖ 1, 2, … ‖ pad length); the pad fills to a 16-byte block. */
export function encrypt(key: Buffer, plaintext: Buffer, iv: Buffer = randomBytes(16)): Buffer {
  const padLength = (16 - ((plaintext.length + 1) % 16)) % 16;
  const pad = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([
    iv,
    cipher.update(Buffer.concat([plaintext, pad, Buffer.from([padLength])])),
    cipher.final(),
  ]);
}

/** Inverse of encrypt; undefined when the payload is not a well-formed ciphertext. */
export function decrypt(key: Buffer, payload: Buffer): Buffer | undefined {
  if (payload.length < 32 || payload.length % 16 !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key, payload.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const padLength = plain[plain.length - 1]!;
  // The pad bytes themselves are not checked: some BMCs fill them differently.
  if (padLength > 15) return undefined;
  return plain.subarray(0, plain.length - 1 - padLength);
}
