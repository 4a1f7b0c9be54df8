import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Digests {
  md5: string;
  sha256: string;
  sha512: string;
  size: number;
}

/** md5, sha256 and sha512 in one pass, as bytes go by. */
export class MultiHasher {
  private readonly md5 = createHash('md5');
  private readonly sha256 = createHash('sha256');
  private readonly sha512 = createHash('sha512');
  private size = 0;

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.sha512.update(chunk);
    this.size += chunk.length;
  }

  digest(): Digests {
    return {
      md5: this.md5.digest('hex'),
      sha256: this.sha256.digest('hex'),
      sha512: this.sha512.digest('hex'),
      size: this.size,
    };
  }
}

export function digestBuffer(data: Uint8Array): Digests {
  const h = new MultiHasher();
  h.update(data);
  return h.digest();
}

export async function digestFile(path: string): Promise<Digests> {
  const h = new MultiHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    h.update(chunk as Buffer);
  }
  return h.digest();
}
