/**
 * The machine's serial port as a BMC would capture it: a bounded ring of the most recent bytes
 * plus live listeners (the console's xterm, the CLI). Old output falls off the front.
 */
export type SerialListener = (chunk: string) => void;

export class SerialConsole {
  // Allocated on first output, so a fleet of idle machines costs no console memory.
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
    const ring = (this.ring ??= Buffer.alloc(this.capacity));
    for (const byte of data) {
      const at = (this.start + this.length) % this.capacity;
      ring[at] = byte;
      if (this.length < this.capacity) this.length++;
      else this.start = (this.start + 1) % this.capacity;
    }
    for (const listener of this.listeners) {
      try {
        listener(text);
      } catch {
        // A broken viewer must not stop the machine.
      }
    }
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
    for (let i = 0; i < this.length; i++) out[i] = ring[(this.start + i) % this.capacity]!;
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
