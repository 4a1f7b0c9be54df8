import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../../lib';
import type { AgentStatus, CommandResult, Fault } from '../../protocol';
import type { CommandExecutor } from '../commands/command-executor';
import { RestError } from '../commands/errors';
import { redactUrl } from '../log/redact-url';
import { rootDocument, v1Document } from './documents';
import { httpFault } from './faults';

export interface ApiServerOptions {
  executor: CommandExecutor;
  /** The agent's current token; null until lookup (or configuration) provides one. */
  getToken(): string | null;
  version: string;
  /** Epoch seconds (float), as IPA's `started_at`. */
  startedAt: number;
  logger: Logger;
  bodyLimit: number;
  /** Aborted when the agent stops: ends `?wait=true` waits. */
  signal: AbortSignal;
  https?: { key: string; cert: string; minVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string };
  /** Called after every response has been sent. */
  onResponseSent?: () => void;
  /**
   * Whether command-status GETs need the token even before any GET has carried one (IPA 12,
   * the default). When false the API follows IPA ≤ 11: status GETs are open until the
   * conductor first sends a token on one, then always checked. Asked on every request.
   */
  statusTokenAlways?: () => boolean;
}

type Query = Record<string, string | string[] | undefined>;

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'] as const;

/**
 * IPA's REST API (research/ipa.md §1) on fastify: werkzeug's strict-slash routing and error
 * texts, WSME-style fault bodies, token in the query string on every `/commands` route.
 */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const { executor, logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Malformed URLs and similar errors raised before routing still get IPA's fault body.
    frameworkErrors: (err, _req, reply) => {
      const status =
        err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      void sendFault(reply, status, httpFault(status));
    },
    ...(options.https
      ? {
          https: {
            key: options.https.key,
            cert: options.https.cert,
            minVersion: options.https.minVersion ?? 'TLSv1.2',
            ...(options.https.ciphers ? { ciphers: options.https.ciphers } : {}),
          },
        }
      : {}),
  }) as unknown as FastifyInstance;

  // IPA parses the body as JSON whatever the Content-Type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // An empty or malformed Content-Type would make fastify answer 415 before any parser runs.
  app.addHook('onRequest', (req, _reply, done) => {
    req.headers['content-type'] = 'application/octet-stream';
    done();
  });

  app.addHook('onResponse', (req, reply, done) => {
    logger.info(
      `${clientIp(req)} - ${req.method} ${redactUrl(req.url)} - ${reply.statusCode} (${Math.round(reply.elapsedTime)}ms)`,
    );
    options.onResponseSent?.();
    done();
  });

  app.setErrorHandler(
    (err: { code?: string; statusCode?: number; message?: string }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendFault(reply, 413, httpFault(413));
      const status =
        err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (status >= 500) {
        logger.error({ url: redactUrl(req.url), err: err.message }, 'unexpected API error');
        return sendFault(reply, 500, httpFault(500));
      }
      return sendFault(reply, status, httpFault(status));
    },
  );
  app.setNotFoundHandler((_req, reply) => sendFault(reply, 404, httpFault(404)));

  const root = (req: FastifyRequest) => `${req.protocol}://${req.host}`;
  const status = (): AgentStatus => ({ started_at: options.startedAt, version: options.version });

  const requireToken = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const given = (req.query as Query).agent_token;
    const expected = options.getToken();
    if (typeof given === 'string' && expected !== null && safeEqual(given, expected)) return true;
    sendFault(reply, 401, httpFault(401, 'Token invalid.'));
    return false;
  };

  // Ironic before the token-on-GET change (21.4 included) polls `GET /v1/commands/` without
  // the token; the first GET that carries one proves the conductor sends it, for good.
  let statusTokenSeen = false;
  const requireStatusToken = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const given = (req.query as Query).agent_token;
    if (typeof given === 'string' && given !== '') statusTokenSeen = true;
    if (!statusTokenSeen && options.statusTokenAlways?.() === false) return true;
    return requireToken(req, reply);
  };

  const wait = async (req: FastifyRequest, done: Promise<void>) => {
    const w = (req.query as Query).wait;
    if (typeof w !== 'string' || w.toLowerCase() !== 'true') return;
    await abortable(done, options.signal);
  };

  const restFault = (reply: FastifyReply, err: unknown) => {
    if (err instanceof RestError) {
      return sendFault(reply, err.code, {
        faultcode: err.code < 500 ? 'Client' : 'Server',
        faultstring: err.faultstring,
      });
    }
    throw err;
  };

  /** Registers a route, 405 for its other methods, and a 308 from the slashless form. */
  const route = (
    url: string,
    handlers: Partial<
      Record<'GET' | 'POST', (req: FastifyRequest, reply: FastifyReply) => unknown>
    >,
  ) => {
    for (const [method, handler] of Object.entries(handlers)) {
      app.route({ method, url, handler: handler });
    }
    const allowed = new Set<string>(Object.keys(handlers));
    if (allowed.has('GET')) allowed.add('HEAD');
    const others = ALL_METHODS.filter((m) => !allowed.has(m));
    app.route({
      method: [...others],
      url,
      handler: (_req, reply) => sendFault(reply, 405, httpFault(405)),
    });
    if (url.endsWith('/') && url.length > 1) {
      app.route({
        method: [...ALL_METHODS],
        url: url.slice(0, -1),
        handler: (req, reply) => {
          const q = req.url.indexOf('?');
          const query = q >= 0 ? req.url.slice(q) : '';
          return reply
            .code(308)
            .header('location', `${root(req)}${url}${query}`)
            .send();
        },
      });
    }
  };

  route('/', { GET: (req, reply) => sendJson(reply, 200, rootDocument(root(req))) });
  route('/v1/', { GET: (req, reply) => sendJson(reply, 200, v1Document(root(req))) });

  for (const prefix of ['/v1', '']) {
    route(`${prefix}/status`, { GET: (_req, reply) => sendJson(reply, 200, status()) });

    route(`${prefix}/commands/`, {
      GET: (req, reply) => {
        if (!requireStatusToken(req, reply)) return reply;
        const commands: CommandResult[] = executor.list().map((r) => r.serialize());
        return sendJson(reply, 200, { commands });
      },
      POST: async (req, reply) => {
        if (!requireToken(req, reply)) return reply;
        const body = parseBody(req.body);
        if ('fault' in body) return sendFault(reply, 400, body.fault);
        try {
          const record = await executor.execute(body.name, body.params);
          await wait(req, record.done);
          return sendJson(reply, 200, record.serialize());
        } catch (err) {
          return restFault(reply, err);
        }
      },
    });

    route(`${prefix}/commands/:id`, {
      GET: async (req, reply) => {
        if (!requireStatusToken(req, reply)) return reply;
        try {
          const record = executor.get((req.params as { id: string }).id);
          await wait(req, record.done);
          return sendJson(reply, 200, record.serialize());
        } catch (err) {
          return restFault(reply, err);
        }
      },
    });
  }

  return app;
}

function parseBody(
  raw: unknown,
): { name: string; params: Record<string, unknown> } | { fault: Fault } {
  const missing = { fault: httpFault(400, 'Missing or invalid name or params') };
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { fault: httpFault(400, `Failed to decode JSON object: ${detail}`) };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return missing;
  const { name, params } = body as Record<string, unknown>;
  if (typeof name !== 'string') return missing;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return missing;
  return { name, params: params as Record<string, unknown> };
}

/** IPA's JSON responses: exactly `application/json`, no trailing newline. */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

function sendFault(reply: FastifyReply, status: number, body: Fault): FastifyReply {
  return sendJson(reply, status, body);
}

function clientIp(req: FastifyRequest): string {
  const fwd = req.headers['x-forwarded-for'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim();
  if (first) return first;
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real) return real;
  return req.ip;
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function abortable(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
