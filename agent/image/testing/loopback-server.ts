import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  url: string;
  method: string;
  headers: IncomingMessage['headers'];
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

/** A plain HTTP server on 127.0.0.1 whose answers the test scripts request by request. */
export async function loopbackServer(handler: Handler): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers });
    handler(req, res, requests.length - 1);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ServeOptions {
  /** Answer the first n requests with this status (e.g. 500) before serving. */
  failFirst?: number;
  failStatus?: number;
  /** On the first serving response, send this many bytes, then cut the connection. */
  dropAfter?: number;
  /** On the first serving response, send this many bytes, then stop sending (a stall). */
  stallAfter?: number;
  /** Answer 200 with the whole body even to Range requests. */
  ignoreRange?: boolean;
  etag?: string;
}

/** Serves one byte array with optional single-range support and scripted failures. */
export function serveBytes(data: Uint8Array, options: ServeOptions = {}): Handler {
  let served = 0;
  const etag = options.etag ?? '"v1"';
  return (req, res, index) => {
    if (index < (options.failFirst ?? 0)) {
      res.writeHead(options.failStatus ?? 500).end('failing on purpose');
      return;
    }
    const first = served++ === 0;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (m && !options.ignoreRange && (!ifRange || ifRange === etag)) start = Number(m[1]);
    const body = Buffer.from(data.buffer, data.byteOffset, data.length).subarray(start);
    const headers: Record<string, string | number> = {
      'content-length': body.length,
      'content-type': 'application/octet-stream',
      etag,
      'accept-ranges': 'bytes',
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (first && options.dropAfter !== undefined) {
      res.write(body.subarray(0, options.dropAfter), () => res.socket?.destroy());
      return;
    }
    if (first && options.stallAfter !== undefined) {
      res.write(body.subarray(0, options.stallAfter));
      return;
    }
    res.end(body);
  };
}
