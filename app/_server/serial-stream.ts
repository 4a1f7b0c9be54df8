import type { SerialPort } from './lab-ports';
import type { SerialWriter } from './serial-writers';

export type SerialMessage =
  /** Replace the screen with this text: the console's recent output. */
  | { type: 'reset'; text: string }
  | { type: 'data'; text: string }
  /** Who holds the keyboard now (null: nobody; anyone may take it). */
  | { type: 'writer'; writer: SerialWriter | null };

/** Where the stream learns who writes; absent for consoles nobody can type into. */
export interface WriterSource {
  current(): SerialWriter | null;
  watch(listener: (writer: SerialWriter | null) => void): () => void;
}

/** Past this much unsent output, a slow reader gets a fresh tail instead of the backlog. */
const MAX_BACKLOG = 256 * 1024;

/**
 * A serial console as a stream: the recent output first, then new output as it is written,
 * coalesced while the reader is busy. Listens before reading the tail, in the same tick, so no
 * byte falls between the two.
 */
export async function* serialStream(
  port: SerialPort,
  signal?: AbortSignal,
  writers?: WriterSource,
): AsyncGenerator<SerialMessage> {
  let pending = '';
  let wake: (() => void) | undefined;
  /** The latest writer not yet sent; undefined when there is no news. */
  let writer: SerialWriter | null | undefined = writers ? writers.current() : undefined;
  const off = port.subscribe((chunk) => {
    pending += chunk;
    wake?.();
  });
  const offWriter = writers?.watch((next) => {
    writer = next;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield { type: 'reset', text: port.tail() };
    while (!signal?.aborted) {
      if (writer !== undefined) {
        const news: SerialWriter | null = writer;
        writer = undefined;
        yield { type: 'writer', writer: news };
        continue;
      }
      if (pending.length > MAX_BACKLOG) {
        pending = '';
        yield { type: 'reset', text: port.tail() };
        continue;
      }
      if (pending !== '') {
        const text = pending;
        pending = '';
        yield { type: 'data', text };
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    off();
    offWriter?.();
    signal?.removeEventListener('abort', onAbort);
  }
}
