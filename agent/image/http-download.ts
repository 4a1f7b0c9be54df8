import { type Dispatcher, request } from 'undici';
import type { Clock, Logger } from '../../lib';
import { redactUrl } from '../log/redact-url';
import { ImageDownloadError, ImageDownloadFatalError, ImageDownloadTimeoutError } from './errors';

/** Where downloaded bytes go. `begin` precedes the first byte of every response. */
export interface DownloadSink {
  /**
   * A response starts delivering bytes at `offset`: 0 for a fresh start (the sink must forget
   * what it had), or the count already delivered when a Range request resumed the transfer.
   */
  begin(offset: number, total: number | null, url: string): void | Promise<void>;
  data(chunk: Uint8Array): void | Promise<void>;
}

export interface DownloadOptions {
  imageId: string;
  urls: readonly string[];
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Picks a dispatcher per URL (proxies); falls back to `dispatcher`. */
  dispatcherFor?: (url: string) => Dispatcher | undefined;
  headers?: Readonly<Record<string, string>>;
  /** No byte for this long (connecting, waiting for headers, or between chunks) is a failure. */
  connectionTimeoutMs: number;
  /** Further attempts per URL after a connection error or 5xx (IPA's connection retries). */
  retries: number;
  retryIntervalMs: number;
  /** Total time allowed for the download in ms (image_download_max_duration); 0 = unlimited. */
  maxDurationMs?: number;
  /** Resume an interrupted transfer with a Range request (default true). */
  resume?: boolean;
}

export interface DownloadResult {
  url: string;
  bytes: number;
  total: number | null;
  /** Responses that ended early and were resumed or restarted. */
  interruptions: number;
}

/** Thrown by a sink to stop the download at once (a write error is no network failure). */
class SinkFailure extends Error {
  constructor(readonly error: unknown) {
    super('sink failed');
  }
}

/**
 * IPA's streamed download (§8.3): every URL in order, each retried on connection errors and 5xx
 * up to `retries` times `retryIntervalMs` apart; a 4xx stops everything. Unlike IPA, a
 * transfer cut mid-stream resumes with `Range: bytes=N-` (guarded by `If-Range` on the ETag),
 * so a dropped connection late in a large image costs only the retry, not the bytes before it;
 * a server that ignores the range restarts the sink from zero.
 */
export async function download(opts: DownloadOptions, sink: DownloadSink): Promise<DownloadResult> {
  const { clock, logger } = opts;
  const resume = opts.resume ?? true;
  const overall = new AbortController();
  const onOuterAbort = () => overall.abort(opts.signal?.reason);
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  const deadline =
    opts.maxDurationMs && opts.maxDurationMs > 0
      ? clock.setTimeout(() => {
          timedOut = true;
          overall.abort(new Error('maximum download duration reached'));
        }, opts.maxDurationMs)
      : undefined;
  const failures: string[] = [];
  let interruptions = 0;
  try {
    for (const url of opts.urls) {
      const safeUrl = redactUrl(url);
      let position = 0;
      let etag: string | null = null;
      let consecutive = 0;
      for (;;) {
        if (timedOut)
          throw new ImageDownloadTimeoutError(opts.imageId, (opts.maxDurationMs ?? 0) / 1000);
        if (overall.signal.aborted) throw abortReason(overall.signal);
        const attempt = new AbortController();
        const onOverall = () => attempt.abort(overall.signal.reason);
        overall.signal.addEventListener('abort', onOverall, { once: true });
        let last = clock.now();
        let stalled = false;
        let timer = clock.setTimeout(function check() {
          const idle = clock.now() - last;
          if (idle >= opts.connectionTimeoutMs) {
            stalled = true;
            attempt.abort(new Error(`no data for ${opts.connectionTimeoutMs} ms`));
          } else {
            timer = clock.setTimeout(check, opts.connectionTimeoutMs - idle);
          }
        }, opts.connectionTimeoutMs);
        let progressed = false;
        try {
          const headers: Record<string, string> = { ...opts.headers };
          const ranged = resume && position > 0;
          if (ranged) {
            headers.range = `bytes=${position}-`;
            if (etag) headers['if-range'] = etag;
          }
          const res = await request(url, {
            method: 'GET',
            headers,
            dispatcher: opts.dispatcherFor?.(url) ?? opts.dispatcher,
            signal: attempt.signal,
            headersTimeout: 0,
            bodyTimeout: 0,
          });
          last = clock.now();
          const status = res.statusCode;
          if (status >= 400 && status < 500 && !(status === 416 && ranged)) {
            await res.body.dump().catch(() => undefined);
            throw new ImageDownloadFatalError(opts.imageId, `${safeUrl} answered HTTP ${status}`);
          }
          let total: number | null = null;
          if (status === 200) {
            total = numberHeader(res.headers['content-length']);
            if (position > 0) logger.info({ url: safeUrl }, 'server ignored the range: restarting');
            position = 0;
            etag = headerText(res.headers.etag);
          } else if (status === 206 && ranged) {
            const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
              headerText(res.headers['content-range']) ?? '',
            );
            if (!range || Number(range[1]) !== position) {
              await res.body.dump().catch(() => undefined);
              position = 0;
              throw new Error(`unexpected Content-Range ${String(res.headers['content-range'])}`);
            }
            total = range[3] === '*' ? null : Number(range[3]);
          } else if (status === 416 && ranged) {
            await res.body.dump().catch(() => undefined);
            const m = /\/(\d+)$/.exec(headerText(res.headers['content-range']) ?? '');
            if (m && Number(m[1]) === position)
              return { url, bytes: position, total: position, interruptions };
            position = 0;
            throw new Error('range not satisfiable');
          } else {
            await res.body.dump().catch(() => undefined);
            throw new Error(`HTTP ${status}`);
          }
          try {
            await sink.begin(position, total, url);
          } catch (err) {
            throw new SinkFailure(err);
          }
          for await (const chunk of res.body as AsyncIterable<Buffer>) {
            last = clock.now();
            try {
              await sink.data(chunk);
            } catch (err) {
              throw new SinkFailure(err);
            }
            position += chunk.length;
            progressed = true;
          }
          if (total !== null && position !== total) {
            throw new Error(`connection closed after ${position} of ${total} bytes`);
          }
          return { url, bytes: position, total, interruptions };
        } catch (err) {
          if (err instanceof SinkFailure) throw asError(err.error);
          if (err instanceof ImageDownloadFatalError) throw err;
          if (timedOut)
            throw new ImageDownloadTimeoutError(opts.imageId, (opts.maxDurationMs ?? 0) / 1000);
          if (overall.signal.aborted) throw abortReason(overall.signal);
          const reason = stalled ? `no data for ${opts.connectionTimeoutMs} ms` : errorText(err);
          if (progressed) interruptions++;
          consecutive = progressed ? 1 : consecutive + 1;
          if (!resume) position = 0;
          if (consecutive > opts.retries) {
            failures.push(`${safeUrl}: ${reason}`);
            logger.warn({ url: safeUrl, reason }, 'image download failed, giving up on this URL');
            break;
          }
          logger.warn(
            { url: safeUrl, reason, attempt: consecutive, resumeAt: position },
            'image download attempt failed, retrying',
          );
        } finally {
          clock.clearTimeout(timer);
          overall.signal.removeEventListener('abort', onOverall);
          // A response left unread would keep its connection (and the dispatcher's close) busy.
          attempt.abort(new Error('download attempt ended'));
        }
        if (opts.retryIntervalMs > 0) await clock.sleep(opts.retryIntervalMs, overall.signal);
      }
    }
  } catch (err) {
    if (timedOut && !(err instanceof ImageDownloadTimeoutError)) {
      throw new ImageDownloadTimeoutError(opts.imageId, (opts.maxDurationMs ?? 0) / 1000);
    }
    throw err;
  } finally {
    clock.clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  throw new ImageDownloadError(opts.imageId, failures.join('; ') || 'no URL to download from');
}

/** A small text (a checksum file) over the same client, with the same retries. */
export async function downloadText(
  opts: DownloadOptions,
  url: string,
  maxBytes = 1024 * 1024,
): Promise<string> {
  let parts: Buffer[] = [];
  let size = 0;
  await download(
    { ...opts, urls: [url] },
    {
      begin: (offset) => {
        if (offset === 0) {
          parts = [];
          size = 0;
        }
      },
      data: (chunk) => {
        size += chunk.length;
        if (size > maxBytes)
          throw new ImageDownloadError(
            opts.imageId,
            `${redactUrl(url)} is larger than ${maxBytes} bytes`,
          );
        parts.push(Buffer.from(chunk));
      },
    },
  );
  return Buffer.concat(parts).toString('utf8');
}

function numberHeader(v: string | string[] | undefined): number | null {
  const s = headerText(v);
  if (s === null || !/^\d+$/.test(s)) return null;
  return Number(s);
}

function headerText(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = (err as { code?: unknown }).code;
    const base = err.message || (typeof code === 'string' ? code : err.name);
    return cause instanceof Error && cause.message && !base.includes(cause.message)
      ? `${base} (${cause.message})`
      : base;
  }
  return String(err);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('download aborted');
}
