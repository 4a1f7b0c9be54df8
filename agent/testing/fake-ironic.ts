import Fastify, { type FastifyInstance } from 'fastify';
import { fetch as undiciFetch } from 'undici';
import type { Clock } from '../../lib';
import type { FetchLike } from '../ironic/http-client';

export interface RecordedRequest {
  at: number;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (req: RecordedRequest) => Reply;

/**
 * A tiny Ironic on loopback for the agent's lookup/heartbeat/inspection tests: each route
 * answers from a handler the test swaps, every request is recorded with the fake clock's time.
 */
export class FakeIronic {
  readonly requests: RecordedRequest[] = [];
  root: Handler = () => ({ status: 200, body: { default_version: { version: '1.81' } } });
  lookup: Handler = () => ({
    status: 404,
    body: { error_message: '{"faultstring": "Node not found"}' },
  });
  heartbeat: Handler = () => ({ status: 202 });
  inspection: Handler = () => ({ status: 200, body: { uuid: 'inspected-uuid' } });
  private app: FastifyInstance | null = null;
  private inflight = 0;
  url = '';

  constructor(private readonly clock: Clock) {}

  async start(): Promise<void> {
    const app = Fastify();
    const handle =
      (handler: () => Handler) =>
      (
        req: {
          method: string;
          url: string;
          headers: Record<string, string | string[] | undefined>;
          body: unknown;
        },
        reply: { code(n: number): { send(b?: unknown): unknown } },
      ) => {
        const rec: RecordedRequest = {
          at: this.clock.now(),
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: req.body,
        };
        this.requests.push(rec);
        const out = handler()(rec);
        return reply.code(out.status).send(out.body === undefined ? '' : JSON.stringify(out.body));
      };
    app.get(
      '/',
      handle(() => this.root),
    );
    app.get(
      '/v1/lookup',
      handle(() => this.lookup),
    );
    app.post(
      '/v1/heartbeat/:uuid',
      handle(() => this.heartbeat),
    );
    app.post(
      '/v1/continue_inspection',
      handle(() => this.inspection),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    this.app = app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }

  of(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.split('?')[0]!.startsWith(path));
  }

  /** fetch that counts requests in flight (body included), so tests know when I/O is done. */
  readonly fetch: FetchLike = (async (
    input: Parameters<FetchLike>[0],
    init?: Parameters<FetchLike>[1],
  ) => {
    this.inflight++;
    try {
      const res = await undiciFetch(input, init);
      const text = await res.text();
      return new Response(text, { status: res.status, headers: res.headers });
    } finally {
      this.inflight--;
    }
  }) as unknown as FetchLike;

  /** Resolves once no request is in flight and promise chains have settled. */
  async idle(): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      while (this.inflight > 0) {
        if (Date.now() > deadline) throw new Error('FakeIronic.idle: requests still in flight');
        await new Promise((r) => setTimeout(r, 1));
      }
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      if (this.inflight === 0) return;
    }
  }
}
