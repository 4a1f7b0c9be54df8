import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS = 5000;

/**
 * crypt(3) SHA-256 (`$5$`, Drepper's SHA-crypt, default 5000 rounds), what IPA writes for an
 * unhashed rescue password and what Ironic stores as `hashed_rescue_password`. Node has no
 * crypt(3), so it is computed here; the agent and the conductor share it.
 */
export function sha256Crypt(password: string, salt?: string): string {
  const s = Buffer.from((salt ?? randomSalt()).slice(0, 16), 'utf8');
  const p = Buffer.from(password, 'utf8');
  const sha = () => createHash('sha256');

  const b = sha().update(p).update(s).update(p).digest();
  const a = sha().update(p).update(s);
  let i = p.length;
  for (; i > 32; i -= 32) a.update(b);
  a.update(b.subarray(0, i));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  const digestA = a.digest();

  const dp = sha();
  for (let n = 0; n < p.length; n++) dp.update(p);
  const pSeq = repeat(dp.digest(), p.length);
  const ds = sha();
  for (let n = 0; n < 16 + digestA[0]!; n++) ds.update(s);
  const sSeq = repeat(ds.digest(), s.length);

  let c = digestA;
  for (let r = 0; r < ROUNDS; r++) {
    const h = sha();
    h.update(r & 1 ? pSeq : c);
    if (r % 3) h.update(sSeq);
    if (r % 7) h.update(pSeq);
    h.update(r & 1 ? c : pSeq);
    c = h.digest();
  }

  const order: [number, number, number][] = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
  ];
  let out = '';
  for (const [x, y, z] of order) out += b64(c[x]!, c[y]!, c[z]!, 4);
  out += b64(0, c[31]!, c[30]!, 3);
  return `$5$${s.toString('utf8')}$${out}`;
}

function repeat(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let off = 0; off < length; off += block.length)
    block.copy(out, off, 0, Math.min(block.length, length - off));
  return out;
}

function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return s;
}

function randomSalt(): string {
  return [...randomBytes(16)].map((v) => ALPHABET[v & 0x3f]).join('');
}
