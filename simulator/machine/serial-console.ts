/**
 * The machine's serial port as a BMC would capture it: a bounded ring of the most recent bytes
 * plus live listeners (the console's xterm, the CLI). Old output falls off the front.
 */
export type SerialListener = (chunk: string) => void;

/** First allocation: enough for POST and a halt message, which is all most idle machines print. */
const INITIAL_BYTES = 2 * 1024;

export class SerialConsole {
  // Allocated on first output and grown by doubling up to `capacity`: 10,000 powered-on machines
  // halted after POST then cost ~2 KiB each, not the 64 KiB a busy agent's console needs.
  private ring: Buffer | undefined;
  private start = 0;
  private length = 0;
  private readonly listeners = new Set<SerialListener>();

  constructor(readonly capacity = 64 * 1024) {}

  write(text: string): void {
    if (text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    const data =
      bytes.length > this.capacity ? bytes.subarray(bytes.length - this.capacity) : bytes;
    const ring = this.room(data.length);
    for (const byte of data) {
      const at = (this.start + this.length) % ring.length;
      ring[at] = byte;
      if (this.length < ring.length) this.length++;
      else this.start = (this.start + 1) % ring.length;
    }
    for (const listener of this.listeners) {
      try {
        listener(text);
      } catch {
        // A broken viewer must not stop the machine.
      }
    }
  }

  /** The ring, grown (contents kept, unwrapped) if `incoming` more bytes would not fit yet. */
  private room(incoming: number): Buffer {
    const needed = Math.min(this.capacity, this.length + incoming);
    const current = this.ring;
    if (current && current.length >= needed) return current;
    let size = current ? current.length : Math.min(this.capacity, INITIAL_BYTES);
    while (size < needed) size = Math.min(this.capacity, size * 2);
    const grown = Buffer.alloc(size);
    if (current)
      for (let i = 0; i < this.length; i++) grown[i] = current[(this.start + i) % current.length]!;
    this.start = 0;
    this.ring = grown;
    return grown;
  }

  /** Bytes held for the ring now (grows with output up to `capacity`). */
  get allocatedBytes(): number {
    return this.ring?.length ?? 0;
  }

  /** Writes one line the way a serial terminal expects it (CR LF). */
  line(text: string): void {
    this.write(`${text}\r\n`);
  }

  /** Everything still in the ring, decoded; a character cut at the ring's edge is skipped. */
  tail(): string {
    const ring = this.ring;
    if (!ring) return '';
    const out = Buffer.alloc(this.length);
    for (let i = 0; i < this.length; i++) out[i] = ring[(this.start + i) % ring.length]!;
    let skip = 0;
    while (skip < out.length && (out[skip]! & 0xc0) === 0x80) skip++;
    return out.subarray(skip).toString('utf8');
  }

  subscribe(listener: SerialListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
