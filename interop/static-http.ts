import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalize, resolve, sep } from 'node:path';

/**
 * The web server a real Ironic deployment puts in front of `[deploy] http_root`: plain GET and
 * HEAD of files under one directory. Agents download instance images from it, and Ironic checks
 * image URLs with a HEAD first.
 */
export class StaticHttpServer {
  private server: Server | null = null;
  private boundUrl: string | null = null;
  private readonly root: string;
  private readonly requests: string[] = [];

  constructor(
    root: string,
    private readonly host = '127.0.0.1',
  ) {
    this.root = resolve(root);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen({ host: this.host, port: 0 }, () => ok());
    });
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.boundUrl = `http://${this.host}:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }

  get url(): string {
    if (!this.boundUrl) throw new Error('the HTTP server is not started');
    return this.boundUrl;
  }

  /** `METHOD path status` of every request so far, oldest first. */
  get log(): readonly string[] {
    return this.requests;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const status = await this.serve(req, res, path).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      return 500;
    });
    this.requests.push(`${req.method ?? '?'} ${path} ${status}`);
  }

  private async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<number> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return 405;
    }
    const file = resolve(this.root, `.${normalize(`/${path}`)}`);
    if (file !== this.root && !file.startsWith(this.root + sep)) {
      res.writeHead(403).end();
      return 403;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return 404;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(info.size),
    });
    if (req.method === 'HEAD') {
      res.end();
      return 200;
    }
    await new Promise<void>((ok, fail) => {
      const stream = createReadStream(file);
      stream.once('error', fail);
      res.once('close', () => {
        stream.destroy();
        ok();
      });
      stream.pipe(res);
    });
    return 200;
  }
}
