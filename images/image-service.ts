import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { request as httpRequest } from 'undici';
import { type Clock, type Logger, createLogger, systemClock } from '../lib';
import { CHECKSUM_SUFFIXES, Catalogue, validId } from './catalogue';
import { readPartitionTable } from '../lib/disk/partition-table';
import { type Digests, MultiHasher, digestBuffer, digestFile } from './hashing';
import { parseRange } from './range';
import { SAMPLE_ORIGIN, sampleImages } from './samples';
import type {
  DiskFormat,
  ImageRecord,
  ImageType,
  ImageView,
  InstanceImageInfo,
  RegisterImageRequest,
} from './types';

export interface ImageServiceOptions {
  /** Holds `catalogue.json` and `files/`; created if missing. */
  dataDir: string;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port to bind; 0 picks a free one (default 0). */
  port?: number;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string; key: string };
  /** Base URL written into image URLs when clients reach the service by another name. */
  publicUrl?: string;
  /** Generate the sample images on first start (default true). */
  samples?: boolean;
  clock?: Clock;
  logger?: Logger;
}

export class ImageServiceError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImageServiceError';
  }
}

const QCOW2_MAGIC = 0x514649fb;

/**
 * The image service: a catalogue of deployable disk images and an HTTP(S) server for them, the
 * role Glance or a plain web server plays for Ironic. Files are served with byte ranges, ETags
 * and checksum files, so the agent can resume and verify; images are added by upload, by
 * registering a local path, or by URL. On first start it writes LabOS sample images.
 */
export class ImageService {
  readonly app: FastifyInstance;
  private readonly catalogue: Catalogue;
  private readonly filesDir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private boundUrl: string | null = null;

  constructor(private readonly options: ImageServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger({ name: 'images' });
    this.catalogue = new Catalogue(options.dataDir);
    this.filesDir = join(options.dataDir, 'files');
    this.app = Fastify({
      logger: false,
      ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
      bodyLimit: 1024 * 1024,
    });
    this.routes();
  }

  /** Loads the catalogue, writes missing samples, listens. */
  async start(): Promise<void> {
    await fsp.mkdir(this.filesDir, { recursive: true });
    await this.catalogue.load();
    if (this.options.samples ?? true) await this.ensureSamples();
    await this.app.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0 });
    const addr = this.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : (this.options.port ?? 0);
    const host = this.options.host ?? '127.0.0.1';
    const shown =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.boundUrl = `${this.options.tls ? 'https' : 'http'}://${shown}:${port}`;
    this.logger.info(
      { url: this.url, images: this.catalogue.list().length },
      'image service listening',
    );
  }

  async stop(): Promise<void> {
    await this.app.close();
    this.boundUrl = null;
  }

  /** Base URL clients use (the public URL if configured). */
  get url(): string {
    const base = this.options.publicUrl ?? this.boundUrl;
    if (!base) throw new Error('the image service is not started');
    return base.replace(/\/+$/, '');
  }

  get port(): number {
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  list(): ImageView[] {
    return this.catalogue.list().map((r) => this.view(r));
  }

  get(id: string): ImageView | null {
    const r = this.catalogue.get(id);
    return r ? this.view(r) : null;
  }

  /** Local path of an image's file (tests, benchmarks). */
  filePath(id: string): string | null {
    return this.catalogue.get(id)?.path ?? null;
  }

  fileUrl(id: string): string {
    return `${this.url}/images/${encodeURIComponent(id)}`;
  }

  /** The `instance_info` image fields a node needs to deploy this image. */
  instanceInfo(id: string): InstanceImageInfo {
    const r = this.catalogue.get(id);
    if (!r) throw new ImageServiceError(404, `image ${id} not found`);
    return {
      image_source: this.fileUrl(id),
      image_disk_format: r.disk_format,
      image_type: r.image_type,
      image_os_hash_algo: 'sha256',
      image_os_hash_value: r.sha256,
      image_checksum: `${this.fileUrl(id)}.sha256`,
      image_size: r.size,
    };
  }

  /** Adds an image from a stream (an upload), hashing it on the way to disk. */
  async addStream(
    stream: Readable,
    req: RegisterImageRequest & { fileName?: string },
  ): Promise<ImageView> {
    const id = this.newId(req.id, req.name ?? req.fileName);
    const final = join(this.filesDir, id);
    const tmp = `${final}.${randomBytes(4).toString('hex')}.part`;
    const hasher = new MultiHasher();
    let head = Buffer.alloc(0);
    try {
      await pipeline(
        stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hasher.update(chunk);
            if (head.length < 4096)
              head = Buffer.concat([head, chunk.subarray(0, 4096 - head.length)]);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      await fsp.rename(tmp, final);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    return this.record(id, req, final, hasher.digest(), 'upload', null);
  }

  /** Registers a file already on this machine; it is served in place, not copied. */
  async addPath(path: string, req: RegisterImageRequest = {}): Promise<ImageView> {
    if (!isAbsolute(path)) throw new ImageServiceError(400, 'path must be absolute');
    const full = resolve(path);
    const st = await fsp.stat(full).catch(() => null);
    if (!st?.isFile()) throw new ImageServiceError(400, `${path} is not a readable file`);
    const id = this.newId(req.id, req.name ?? basename(full));
    return this.record(id, req, full, await digestFile(full), 'path', full);
  }

  /** Downloads an image from a URL into the data directory. */
  async addUrl(url: string, req: RegisterImageRequest = {}): Promise<ImageView> {
    if (!/^https?:\/\//i.test(url)) throw new ImageServiceError(400, 'url must be http(s)');
    const res = await httpRequest(url, { method: 'GET' });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new ImageServiceError(502, `${url} answered HTTP ${res.statusCode}`);
    }
    const name = req.name ?? basename(new URL(url).pathname);
    const view = await this.addStream(res.body, { ...req, fileName: name });
    const record = this.catalogue.get(view.id)!;
    await this.catalogue.put({ ...record, source: 'url', origin: url });
    return this.view(this.catalogue.get(view.id)!);
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.catalogue.remove(id);
    if (!r) return false;
    if (r.source !== 'path') await fsp.rm(r.path, { force: true });
    return true;
  }

  private newId(requested: string | undefined, name: string | undefined): string {
    let id = requested ?? slug(name ?? '') ?? `image-${randomBytes(4).toString('hex')}`;
    if (!validId(id)) {
      if (requested) throw new ImageServiceError(400, `invalid image id ${requested}`);
      id = `image-${randomBytes(4).toString('hex')}`;
    }
    if (this.catalogue.has(id)) {
      if (requested) throw new ImageServiceError(409, `image ${id} already exists`);
      const dot = id.lastIndexOf('.');
      const stem = dot > 0 ? id.slice(0, dot) : id;
      const ext = dot > 0 ? id.slice(dot) : '';
      for (let n = 2; ; n++) {
        const candidate = `${stem}-${n}${ext}`;
        if (!this.catalogue.has(candidate)) return candidate;
      }
    }
    return id;
  }

  private async record(
    id: string,
    req: RegisterImageRequest,
    path: string,
    digests: Digests,
    source: ImageRecord['source'],
    origin: string | null,
  ): Promise<ImageView> {
    const head = await readHead(path, 64 * 1024);
    const isQcow2 = head.length >= 32 && head.readUInt32BE(0) === QCOW2_MAGIC;
    const disk_format: DiskFormat = req.disk_format ?? (isQcow2 ? 'qcow2' : 'raw');
    if (disk_format === 'qcow2' && !isQcow2) {
      throw new ImageServiceError(400, 'disk_format is qcow2 but the file is not a qcow2 image');
    }
    const virtual_size = isQcow2 ? Number(head.readBigUInt64BE(24)) : digests.size;
    let image_type: ImageType | undefined = req.image_type;
    if (!image_type) {
      // A raw file without a partition table is a file system: a partition image.
      const table = isQcow2
        ? true
        : await readPartitionTable(async (o, l) => readAt(path, o, l), 512, digests.size).catch(
            () => null,
          );
      image_type = table ? 'whole-disk' : 'partition';
    }
    const rec: ImageRecord = {
      id,
      name: req.name ?? id,
      disk_format,
      image_type,
      size: digests.size,
      virtual_size,
      md5: digests.md5,
      sha256: digests.sha256,
      sha512: digests.sha512,
      source,
      path,
      origin,
      created_at: new Date(this.clock.now()).toISOString(),
    };
    await this.catalogue.put(rec);
    this.logger.info({ id, source, size: rec.size, disk_format, image_type }, 'image added');
    return this.view(rec);
  }

  private view(r: ImageRecord): ImageView {
    const { path: _path, ...rest } = r;
    const base = this.boundUrl || this.options.publicUrl ? this.fileUrl(r.id) : `/images/${r.id}`;
    return {
      ...rest,
      file_url: base,
      checksum_urls: { md5: `${base}.md5`, sha256: `${base}.sha256`, sha512: `${base}.sha512` },
    };
  }

  private async ensureSamples(): Promise<void> {
    const missing = [];
    for (const s of ['labos-1.0-disk.raw', 'labos-1.0-disk.qcow2', 'labos-1.0-root.img']) {
      const r = this.catalogue.get(s);
      const current = r?.origin === SAMPLE_ORIGIN && (await fsp.stat(r.path).catch(() => null));
      if (!current) missing.push(s);
    }
    if (missing.length === 0) return;
    for (const sample of sampleImages()) {
      if (!missing.includes(sample.id)) continue;
      const path = join(this.filesDir, sample.id);
      await fsp.writeFile(path, sample.data);
      const digests = digestBuffer(sample.data);
      await this.catalogue.remove(sample.id);
      await this.record(sample.id, sample, path, digests, 'sample', SAMPLE_ORIGIN);
    }
    this.logger.info({ samples: missing }, 'sample images written');
  }

  private routes(): void {
    const app = this.app;
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
      done(null, payload),
    );
    app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
      const status = err instanceof ImageServiceError ? err.statusCode : (err.statusCode ?? 500);
      if (status >= 500) this.logger.error({ err: err.message }, 'image service error');
      return reply.code(status).send(errorBody(status, err.message ?? 'error'));
    });
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send(errorBody(404, `${req.method} ${req.url} not found`)),
    );

    app.get('/v1/images', () => ({ images: this.list() }));
    app.get<{ Params: { id: string } }>('/v1/images/:id', (req) => {
      const v = this.get(req.params.id);
      if (!v) throw new ImageServiceError(404, `image ${req.params.id} not found`);
      return v;
    });
    app.delete<{ Params: { id: string } }>('/v1/images/:id', async (req, reply) => {
      if (!(await this.remove(req.params.id)))
        throw new ImageServiceError(404, `image ${req.params.id} not found`);
      return reply.code(204).send();
    });
    app.post<{ Querystring: Record<string, string | undefined> }>(
      '/v1/images',
      async (req, reply) => {
        const type = String(req.headers['content-type'] ?? '');
        if (type.startsWith('application/octet-stream')) {
          const meta = registerRequest(req.query);
          return reply.code(201).send(await this.addStream(req.body as Readable, meta));
        }
        const body = (req.body ?? {}) as Record<string, unknown>;
        const meta = registerRequest(body);
        if (typeof body.path === 'string')
          return reply.code(201).send(await this.addPath(body.path, meta));
        if (typeof body.url === 'string')
          return reply.code(201).send(await this.addUrl(body.url, meta));
        throw new ImageServiceError(
          400,
          'send the image as application/octet-stream, or JSON with "path" or "url"',
        );
      },
    );
    app.route<{ Params: { name: string } }>({
      method: ['GET', 'HEAD'],
      url: '/images/:name',
      exposeHeadRoute: false,
      handler: (req, reply) => this.serve(req, reply),
    });
  }

  private async serve(req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) {
    const name = req.params.name;
    const record = this.catalogue.get(name);
    if (!record) {
      const suffix = CHECKSUM_SUFFIXES.find((s) => name.endsWith(`.${s}`));
      const owner = suffix ? this.catalogue.get(name.slice(0, -suffix.length - 1)) : undefined;
      if (!suffix || !owner) throw new ImageServiceError(404, `image ${name} not found`);
      // GNU coreutils format, naming the image file as its URL does (IPA matches on that).
      return reply.type('text/plain; charset=utf-8').send(`${owner[suffix]}  ${owner.id}\n`);
    }
    const st = await fsp.stat(record.path).catch(() => null);
    if (!st) throw new ImageServiceError(410, `the file of image ${name} is gone`);
    const size = st.size;
    const etag = `"${record.sha256.slice(0, 32)}-${size}"`;
    const lastModified = st.mtime.toUTCString();
    reply
      .header('accept-ranges', 'bytes')
      .header('etag', etag)
      .header('last-modified', lastModified);
    reply.type('application/octet-stream');
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*'))
      return reply.code(304).send();
    let range = parseRange(req.headers.range, size);
    const ifRange = req.headers['if-range'];
    if (range && ifRange && ifRange !== etag && ifRange !== lastModified) range = null;
    if (range === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${size}`).send();
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
    reply.header('content-length', length);
    if (req.method === 'HEAD' || length === 0) return reply.send();
    return reply.send(createReadStream(record.path, { start, end, highWaterMark: 1024 * 1024 }));
  }
}

function registerRequest(src: Record<string, unknown>): RegisterImageRequest {
  const out: RegisterImageRequest = {};
  if (typeof src.id === 'string' && src.id) out.id = src.id;
  if (typeof src.name === 'string' && src.name) out.name = src.name;
  if (src.disk_format !== undefined) {
    if (src.disk_format !== 'raw' && src.disk_format !== 'qcow2') {
      throw new ImageServiceError(400, 'disk_format must be raw or qcow2');
    }
    out.disk_format = src.disk_format;
  }
  if (src.image_type !== undefined) {
    if (src.image_type !== 'whole-disk' && src.image_type !== 'partition') {
      throw new ImageServiceError(400, 'image_type must be whole-disk or partition');
    }
    out.image_type = src.image_type;
  }
  return out;
}

function errorBody(code: number, message: string) {
  return { error: { code, message } };
}

function slug(name: string): string | undefined {
  const s = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return s.length > 0 ? s : undefined;
}

async function readHead(path: string, length: number): Promise<Buffer> {
  return readAt(path, 0, length);
}

async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
