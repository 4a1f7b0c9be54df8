import { type Dispatcher, fetch as undiciFetch } from 'undici';
import type { Clock, Logger } from '../../lib';
import { IRONIC_VERSION_HEADER, OPENSTACK_REQUEST_ID_HEADER } from '../../protocol';
import { redactUrl } from '../log/redact-url';
import { IronicConnectionError } from './errors';

export type FetchLike = typeof undiciFetch;

export interface HttpResponse {
  status: number;
  text: string;
  url: string;
}

export interface IronicHttpOptions {
  /** Base URLs, tried in order; the first that answers moves to the front. */
  urls: string[];
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  globalRequestId?: string | null;
  dispatcher?: Dispatcher;
  fetch?: FetchLike;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** `X-OpenStack-Ironic-API-Version`; omitted when undefined. */
  version?: string;
  signal?: AbortSignal;
  /** Absolute URL, bypassing the base URL list (inspection callbacks). */
  absolute?: boolean;
}

/**
 * JSON over HTTP to Ironic as IPA's client does it: fail over between URLs only on
 * transport errors, per-request timeout on the injected clock, IPA's headers.
 */
export class IronicHttp {
  private urls: string[];
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: IronicHttpOptions) {
    this.urls = options.urls.map((u) => u.replace(/\/+$/, ''));
    this.fetchImpl = options.fetch ?? undiciFetch;
  }

  get baseUrls(): readonly string[] {
    return this.urls;
  }

  /** `path` is appended to each base URL in turn (or used as is with `absolute`). */
  async request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const targets = options.absolute ? [path] : this.urls.map((base) => `${base}${path}`);
    if (targets.length === 0) throw new IronicConnectionError('no Ironic API URL configured');
    let lastError: unknown;
    for (let i = 0; i < targets.length; i++) {
      const url = targets[i]!;
      try {
        const res = await this.once(url, options);
        if (!options.absolute && i > 0) {
          // Remember the URL that worked, as IPA rotates it to the front.
          const base = this.urls[i]!;
          this.urls = [base, ...this.urls.filter((u) => u !== base)];
        }
        return res;
      } catch (err) {
        if (options.signal?.aborted) throw err;
        lastError = err;
        this.options.logger.warn(
          { url: redactUrl(url), err: describeError(err) },
          'Ironic request failed at transport level',
        );
      }
    }
    throw new IronicConnectionError(`cannot reach Ironic: ${describeError(lastError)}`, {
      cause: lastError,
    });
  }

  private async once(url: string, options: RequestOptions): Promise<HttpResponse> {
    const { clock } = this.options;
    const timeout = new AbortController();
    const timer = clock.setTimeout(
      () => timeout.abort(new Error(`timed out after ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeout.signal])
      : timeout.signal;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
    };
    if (options.version) headers[IRONIC_VERSION_HEADER] = options.version;
    if (this.options.globalRequestId) {
      headers[OPENSTACK_REQUEST_ID_HEADER] = this.options.globalRequestId;
    }
    try {
      const res = await this.fetchImpl(url, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      const text = await res.text();
      return { status: res.status, text, url };
    } catch (err) {
      if (timeout.signal.aborted && !options.signal?.aborted) throw timeout.signal.reason;
      throw err;
    } finally {
      clock.clearTimeout(timer);
    }
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${cause.message}` : '';
    return `${err.message}${causeText}`;
  }
  return String(err);
}

/** Ironic's error text: `error_message` (JSON, or JSON in a string) → faultstring / title. */
export function ironicErrorText(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    let msg: unknown = body.error_message ?? body;
    if (typeof msg === 'string') {
      const raw = msg;
      try {
        msg = JSON.parse(raw);
      } catch {
        return raw;
      }
    }
    if (msg && typeof msg === 'object') {
      const m = msg as Record<string, unknown>;
      if (typeof m.faultstring === 'string') return m.faultstring;
      if (typeof m.title === 'string') return m.title;
    }
  } catch {
    // not JSON: the raw text below
  }
  return text.trim().slice(0, 500);
}
