import type { Clock, Logger } from '../../lib';
import type { InspectionData } from '../../protocol';
import { exponentialWait } from './backoff';
import { type IronicHttp, describeError, ironicErrorText } from './http-client';

export const INSPECTION_ATTEMPTS = 5;

export class InspectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InspectionError';
  }
}

export interface PostInspectionOptions {
  http: IronicHttp;
  /** `inspection_callback_url`, a comma-separated list used verbatim. */
  callbackUrl: string;
  data: InspectionData;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Sends the inspection data as IPA does: no Ironic version header (so Ironic answers in the
 * legacy `{uuid}` shape), 5 attempts with waits 1.5·2^n clamped to 5–30 s on transport
 * errors, 5xx and 409; other statuses end inspection. Returns the node UUID, if given.
 */
export async function postInspectionData(options: PostInspectionOptions): Promise<string | null> {
  const { clock, logger, signal } = options;
  const urls = options.callbackUrl
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  let lastMessage = 'no callback URL';
  for (let attempt = 1; attempt <= INSPECTION_ATTEMPTS; attempt++) {
    let retryable = true;
    for (const url of urls) {
      try {
        const res = await options.http.request(url, {
          method: 'POST',
          body: options.data,
          absolute: true,
          signal,
        });
        if (res.status >= 200 && res.status < 300) {
          let uuid: string | null = null;
          try {
            const body = JSON.parse(res.text) as { uuid?: unknown };
            uuid = typeof body.uuid === 'string' ? body.uuid : null;
          } catch {
            // an empty or non-JSON answer still means the data arrived
          }
          logger.info({ uuid }, 'inspection data sent');
          return uuid;
        }
        lastMessage = `Error ${res.status}: ${ironicErrorText(res.text)}`;
        retryable = res.status >= 500 || res.status === 409;
        break;
      } catch (err) {
        if (signal?.aborted) throw err;
        lastMessage = describeError(err);
      }
    }
    if (!retryable) break;
    if (attempt < INSPECTION_ATTEMPTS) {
      const waitS = exponentialWait(attempt, 1.5, 5, 30);
      logger.warn({ attempt, waitS }, `inspection POST failed: ${lastMessage}`);
      await clock.sleep(waitS * 1000, signal);
    }
  }
  throw new InspectionError(`inspection data could not be sent: ${lastMessage}`);
}
