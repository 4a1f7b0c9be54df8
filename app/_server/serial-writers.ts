import type { Clock, TimerHandle } from '../../lib';

/** Who holds a serial console's keyboard. */
export interface SerialWriter {
  /** A browser tab's id; never shown. */
  session: string;
  /** What other watchers see ("ops-laptop", "tab 3f2a"). */
  label: string;
  /** Lab-clock milliseconds. */
  since: number;
  expiresAt: number;
}

export type ClaimResult = { ok: true; writer: SerialWriter } | { ok: false; writer: SerialWriter };

/** How long a writer keeps the keyboard without typing or renewing. */
export const WRITER_LEASE_MS = 60_000;

/**
 * One writer per serial console, any number of read-only watchers: two people typing into one
 * boot prompt garble both (the reason BMCs allow a single SOL session). The writer holds a lease
 * renewed by typing or by its page while open; a closed tab frees the console when the lease
 * runs out, and a watcher may take over explicitly (force), as orthos2 and Cockpit let operators
 * kick a stuck session.
 */
export class SerialWriters {
  private readonly writers = new Map<string, SerialWriter>();
  private readonly listeners = new Map<string, Set<(writer: SerialWriter | null) => void>>();
  /** Wakes when a lease runs out, so watchers learn the keyboard is free without asking. */
  private readonly expiries = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly leaseMs = WRITER_LEASE_MS,
  ) {}

  /** The current writer of a console, or null when the keyboard is free (or its lease ran out). */
  writer(console: string): SerialWriter | null {
    const writer = this.writers.get(console);
    if (!writer) return null;
    if (writer.expiresAt <= this.clock.now()) {
      this.writers.delete(console);
      this.emit(console, null);
      return null;
    }
    return writer;
  }

  /** Takes the keyboard when free or already ours; `force` takes it from someone else. */
  claim(console: string, session: string, label: string, force = false): ClaimResult {
    const current = this.writer(console);
    if (current && current.session !== session && !force) return { ok: false, writer: current };
    const now = this.clock.now();
    const writer: SerialWriter = {
      session,
      label,
      since: current?.session === session ? current.since : now,
      expiresAt: now + this.leaseMs,
    };
    this.writers.set(console, writer);
    this.scheduleExpiry(console, writer);
    if (current?.session !== session || current.label !== label) this.emit(console, writer);
    return { ok: true, writer };
  }

  /** Extends the lease if `session` writes; false when it does not (it lost the keyboard). */
  renew(console: string, session: string): boolean {
    const current = this.writer(console);
    if (current?.session !== session) return false;
    current.expiresAt = this.clock.now() + this.leaseMs;
    this.scheduleExpiry(console, current);
    return true;
  }

  /** Gives the keyboard back; a no-op for a session that does not hold it. */
  release(console: string, session: string): void {
    if (this.writer(console)?.session !== session) return;
    this.writers.delete(console);
    this.clock.clearTimeout(this.expiries.get(console));
    this.expiries.delete(console);
    this.emit(console, null);
  }

  /** Drops every lease timer (the lab is stopping). */
  stop(): void {
    for (const handle of this.expiries.values()) this.clock.clearTimeout(handle);
    this.expiries.clear();
  }

  /** Called with the new writer (or null) whenever it changes hands. */
  watch(console: string, listener: (writer: SerialWriter | null) => void): () => void {
    let set = this.listeners.get(console);
    if (!set) this.listeners.set(console, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(console);
    };
  }

  private scheduleExpiry(console: string, writer: SerialWriter): void {
    this.clock.clearTimeout(this.expiries.get(console));
    const handle = this.clock.setTimeout(
      () => {
        this.expiries.delete(console);
        this.writer(console);
      },
      Math.max(0, writer.expiresAt - this.clock.now()),
    );
    this.expiries.set(console, handle);
  }

  private emit(console: string, writer: SerialWriter | null): void {
    for (const listener of this.listeners.get(console) ?? []) listener(writer);
  }
}

const registries = new WeakMap<object, SerialWriters>();

/**
 * The lab's registry, made on first use, so it lives exactly as long as the lab. The lease is
 * people's time: on a lab clock running `simSpeed` times faster it is stretched to match.
 */
export function serialWritersFor(lab: {
  clock: Clock;
  info(): { simSpeed: number };
}): SerialWriters {
  let writers = registries.get(lab);
  if (!writers) {
    writers = new SerialWriters(lab.clock, WRITER_LEASE_MS * Math.max(1, lab.info().simSpeed));
    registries.set(lab, writers);
  }
  return writers;
}
