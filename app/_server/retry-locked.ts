import type { Clock } from '../../lib';

/** Like python-ironicclient: a node busy with another operation is retried, not reported. */
export const LOCK_RETRIES = 5;
export const LOCK_RETRY_INTERVAL_MS = 1_000;

export function isNodeLocked(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'NodeLocked'
  );
}

/**
 * Runs `fn`, retrying while the conductor answers NodeLocked (its power sync or a running
 * operation holds the node for a moment); any other error, or the last NodeLocked, is thrown.
 */
export async function retryWhileLocked<T>(clock: Clock, fn: () => T | Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isNodeLocked(error) || attempt >= LOCK_RETRIES) throw error;
      await clock.sleep(LOCK_RETRY_INTERVAL_MS);
    }
  }
}
