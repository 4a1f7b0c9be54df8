import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import next from 'next';
import type { Logger } from '../../lib';
import { appRouter } from './router';
import type { LabContext } from './trpc';

export const TRPC_BASE_PATH = '/api/trpc/';

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * One HTTP server for the console: tRPC (queries, mutations and SSE subscriptions) under
 * /api/trpc, everything else to Next. tRPC runs here rather than in a Next route handler so Next
 * never bundles the conductor or the simulator: the browser only ever sees the router's type.
 */
export async function startConsoleServer(options: {
  host: string;
  port: number;
  dev: boolean;
  dir: string;
  lab: LabContext;
  logger: Logger;
  /** Event streams older than this are closed; browsers reconnect and resume (see env.ts). */
  streamMaxAgeMs: number;
}): Promise<ConsoleServer> {
  const { host, port, dev, dir, lab, logger, streamMaxAgeMs } = options;
  const server = createServer();
  const nextApp = next({ dev, dir, hostname: host, port, httpServer: server });
  await nextApp.prepare();
  const handleNext = nextApp.getRequestHandler();
  const handleTrpc = createHTTPHandler({
    router: appRouter,
    basePath: TRPC_BASE_PATH,
    createContext: () => ({ lab }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        logger.error({ err: error, path }, 'tRPC procedure failed');
      }
    },
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith(TRPC_BASE_PATH)) {
      if (req.headers.accept?.includes('text/event-stream')) {
        // Dropping the socket is what a proxy's timeout does: the browser's EventSource reconnects
        // with Last-Event-ID, and tRPC's abort signal ends the subscription here.
        const timer = setTimeout(() => res.destroy(), streamMaxAgeMs);
        res.once('close', () => clearTimeout(timer));
        reconnectSoon(res);
      }
      handleTrpc(req, res);
      return;
    }
    handleNext(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'page request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal Server Error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // Listening on every interface: print an address a browser on this machine can open.
  const reachable =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '::1'
        : address.address;
  const shownHost = reachable.includes(':') ? `[${reachable}]` : reachable;

  return {
    url: `http://${shownHost}:${address.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Event streams never end on their own; cut them so close() can finish.
      server.closeAllConnections();
      await closed;
      await nextApp.close();
    },
  };
}

/** How soon a browser comes back after its event stream dropped (SSE `retry`, in ms). */
export const SSE_RETRY_MS = 250;

/**
 * Browsers wait about 3 s before reopening a dropped EventSource unless the stream said otherwise,
 * and every change in that gap reaches the page late. The stream's first bytes set the SSE
 * reconnection time; a `retry` field alone dispatches no event, so tRPC's own messages are
 * untouched.
 */
function reconnectSoon(res: ServerResponse): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  let first = true;
  res.write = ((...args: unknown[]) => {
    if (first) {
      first = false;
      write(`retry: ${SSE_RETRY_MS}\n\n`);
    }
    return write(...args);
  }) as typeof res.write;
}
