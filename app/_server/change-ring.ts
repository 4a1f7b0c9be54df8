/**
 * A bounded history of recent changes, so a browser that lost its event stream can resume from
 * the last event id it saw instead of reloading everything. Ids carry an epoch (one per process)
 * because sequence numbers restart with the server: an id from an earlier run must never be
 * mistaken for a recent one.
 */
export interface RingEvent<T> {
  id: string;
  seq: number;
  payload: T;
}

export type SnapshotReason = 'fresh' | 'unknown-id' | 'other-epoch' | 'too-old' | 'ahead';

export type ResumePlan<T> =
  | { kind: 'replay'; afterSeq: number; events: RingEvent<T>[] }
  /** Send the full state, tagged with `id`/`seq`: it already contains every change up to it. */
  | { kind: 'snapshot'; reason: SnapshotReason; id: string; seq: number };

export class ChangeRing<T> {
  private readonly events: RingEvent<T>[] = [];
  private seq = 0;

  constructor(
    readonly epoch: string,
    readonly capacity: number,
  ) {
    if (!/^[a-z0-9]+$/i.test(epoch)) throw new RangeError(`epoch must be alphanumeric: ${epoch}`);
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  get latestSeq(): number {
    return this.seq;
  }

  get latestId(): string {
    return this.idOf(this.seq);
  }

  get size(): number {
    return this.events.length;
  }

  idOf(seq: number): string {
    return `${this.epoch}-${seq}`;
  }

  push(payload: T): RingEvent<T> {
    this.seq += 1;
    const event = { id: this.idOf(this.seq), seq: this.seq, payload };
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.shift();
    return event;
  }

  /** What a client that last saw `lastEventId` needs to catch up. */
  plan(lastEventId: string | null | undefined): ResumePlan<T> {
    if (lastEventId === null || lastEventId === undefined || lastEventId === '') {
      return this.snapshot('fresh');
    }
    const match = /^([a-z0-9]+)-(\d+)$/i.exec(lastEventId);
    if (!match) return this.snapshot('unknown-id');
    if (match[1] !== this.epoch) return this.snapshot('other-epoch');
    const lastSeq = Number(match[2]);
    if (lastSeq > this.seq) return this.snapshot('ahead');
    const oldest = this.events[0]?.seq ?? this.seq + 1;
    if (lastSeq < oldest - 1) return this.snapshot('too-old');
    return {
      kind: 'replay',
      afterSeq: lastSeq,
      events: this.events.filter((e) => e.seq > lastSeq),
    };
  }

  private snapshot(reason: SnapshotReason): ResumePlan<T> {
    return { kind: 'snapshot', reason, id: this.latestId, seq: this.seq };
  }
}
