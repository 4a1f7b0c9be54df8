import type { Clock, Logger } from '../../lib';
import type { LookupResponse } from '../../protocol';
import { type RandomSource, randomExponentialWait } from './backoff';
import { LookupNodeError } from './errors';
import type { IronicClient } from './ironic-client';

/** Extra waits after 409 (node locked by a conductor), in seconds; the last repeats. */
export const LOOKUP_CONFLICT_WAITS_S = [5, 10, 30] as const;
export const LOOKUP_MAX_WAIT_S = 60;

export interface LookupOptions {
  client: IronicClient;
  macs: readonly string[];
  nodeUuid: string | null;
  /** `lookup_timeout`, seconds of trying in total. */
  timeoutS: number;
  /** `lookup_interval`, the floor of the wait between attempts, seconds. */
  intervalS: number;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  signal?: AbortSignal;
  onAttemptFailed?: (info: { attempt: number; message: string; retryInMs: number }) => void;
}

/**
 * IPA's lookup retry loop: full-jitter exponential waits between `lookup_interval` and 60 s,
 * extra 5/10/30 s waits on 409, giving up once `lookup_timeout` has passed.
 */
export async function lookupNode(options: LookupOptions): Promise<LookupResponse> {
  const { clock, logger, signal } = options;
  const started = clock.now();
  let conflicts = 0;
  for (let attempt = 1; ; attempt++) {
    const result = await options.client.lookupOnce(options.macs, options.nodeUuid, signal);
    if (result.kind === 'found') {
      logger.info({ node: result.data.node.uuid, attempt }, 'lookup succeeded');
      return result.data;
    }
    if (result.kind === 'conflict') {
      const waitS =
        LOOKUP_CONFLICT_WAITS_S[Math.min(conflicts, LOOKUP_CONFLICT_WAITS_S.length - 1)]!;
      conflicts++;
      logger.warn({ attempt, waitS }, `lookup conflict (node locked): ${result.message}`);
      await clock.sleep(waitS * 1000, signal);
    } else {
      logger.warn({ attempt }, `lookup failed: ${result.message}`);
    }
    const elapsedS = (clock.now() - started) / 1000;
    if (elapsedS >= options.timeoutS) {
      throw new LookupNodeError(
        `Could not look up node info. Check logs for details. (${attempt} attempts in ${Math.round(elapsedS)} s; last: ${result.message})`,
      );
    }
    const waitS = randomExponentialWait(
      options.random,
      attempt,
      options.intervalS,
      LOOKUP_MAX_WAIT_S,
    );
    options.onAttemptFailed?.({ attempt, message: result.message, retryInMs: waitS * 1000 });
    await clock.sleep(waitS * 1000, signal);
  }
}
