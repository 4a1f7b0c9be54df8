import { randomBytes } from 'node:crypto';

/**
 * GUIDs as GPT stores them: the first three fields little-endian, the last two as bytes
 * ("mixed endian"), so the text form and the on-disk bytes differ.
 */
export function guidToBytes(guid: string): Uint8Array {
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a GUID: ${guid}`);
  const raw = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  out.writeUInt32LE(raw.readUInt32BE(0), 0);
  out.writeUInt16LE(raw.readUInt16BE(4), 4);
  out.writeUInt16LE(raw.readUInt16BE(6), 6);
  raw.copy(out, 8, 8, 16);
  return out;
}

export function guidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, 16);
  const hex =
    b.readUInt32LE(0).toString(16).padStart(8, '0') +
    b.readUInt16LE(4).toString(16).padStart(4, '0') +
    b.readUInt16LE(6).toString(16).padStart(4, '0') +
    b.subarray(8, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random (version 4) GUID in lower case. */
export function randomGuid(): string {
  return guidFromSeed(randomBytes(16));
}

/** A version-4-shaped GUID taken from 16 bytes (deterministic images use hashed seeds). */
export function guidFromSeed(seed: Uint8Array): string {
  const b = Buffer.from(seed.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
