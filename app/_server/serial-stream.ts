import type { SerialPort } from './lab-ports';

export type SerialMessage =
  /** Replace the screen with this text: the console's recent output. */
  { type: 'reset'; text: string } | { type: 'data'; text: string };

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
): AsyncGenerator<SerialMessage> {
  let pending = '';
  let wake: (() => void) | undefined;
  const off = port.subscribe((chunk) => {
    pending += chunk;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield { type: 'reset', text: port.tail() };
    while (!signal?.aborted) {
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
    signal?.removeEventListener('abort', onAbort);
  }
}
