import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent, type Dispatcher, interceptors, request as httpRequest } from 'undici';
import { type Clock, type Logger, createLogger, systemClock } from '../lib';
import { CHECKSUM_SUFFIXES, Catalogue, validId } from './catalogue';
import { sweepFiles } from './data-dir-sweep';
import { replaceFile, syncDir, syncFile } from './durable';
import { ImageServiceError } from './errors';
import { type Digests, MultiHasher, digestBuffer, digestFile } from './hashing';
import { inspectImage } from './inspect';
import { parseRange } from './range';
import { SAMPLE_ORIGIN, sampleImages } from './samples';
import type {
  ImageRecord,
  ImageView,
  InstanceImageInfo,
  PendingDownload,
  RegisterImageRequest,
} from './types';

export { ImageServiceError } from './errors';

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

/** How many redirects a download follows (Glance's web-download follows them too). */
const MAX_REDIRECTS = 5;
const ID_RULE = "ids are 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit";

/**
 * The image service: a catalogue of deployable disk images and an HTTP(S) server for them, the
 * role Glance or a plain web server plays for Ironic. Files are served with byte ranges, ETags
 * and checksum files, so the agent can resume and verify; images are added by upload, by
 * registering a local path, or by URL. On first start it writes LabOS sample images.
 *
 * An add reserves its id before the first byte arrives and keeps it until the image is in the
 * catalogue or refused; the file is checked before it is renamed into `files/`, and anything
 * refused or cut short is removed. `files/` holds only catalogued files: what a crash leaves is
 * swept at start (see data-dir-sweep.ts).
 */
export class ImageService {
  readonly app: FastifyInstance;
  private readonly catalogue: Catalogue;
  private readonly filesDir: string;
  private readonly orphansDir: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly downloads = new Map<string, PendingDownload>();
  private dispatcher: Dispatcher | null = null;
  private agent: Agent | null = null;
  private boundUrl: string | null = null;

  constructor(private readonly options: ImageServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger({ name: 'images' });
    this.catalogue = new Catalogue(options.dataDir);
    this.filesDir = join(options.dataDir, 'files');
    this.orphansDir = join(options.dataDir, 'orphans');
    this.app = Fastify({
      logger: false,
      ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
      bodyLimit: 1024 * 1024,
    });
    this.routes();
  }

  /** Loads the catalogue, clears what a crash left in `files/`, writes missing samples, listens. */
  async start(): Promise<void> {
    await fsp.mkdir(this.filesDir, { recursive: true });
    await this.recover();
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
    // Downloads in flight fail (and clean up after themselves) rather than hold the stop.
    const agent = this.agent;
    this.agent = null;
    this.dispatcher = null;
    await Promise.all([this.app.close(), agent?.destroy()]);
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

  /** Downloads by URL in progress, with their id (reserved) and how far they are. */
  pending(): PendingDownload[] {
    return [...this.downloads.values()].map((d) => ({ ...d }));
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

  /**
   * Adds an image from a stream (an upload), hashing it on the way to disk. Two adds of one
   * name get distinct ids (`disk.raw`, `disk-2.raw`), as Glance gives two images of one name
   * two ids; an id asked for explicitly that is taken, or being added, is a 409.
   */
  async addStream(
    stream: Readable,
    req: RegisterImageRequest & { fileName?: string },
  ): Promise<ImageView> {
    let id: string;
    try {
      const name = req.name ?? req.fileName;
      if (!req.id && !name?.trim()) {
        throw new ImageServiceError(400, 'an upload needs a name (?name=…) or an id (?id=…)');
      }
      id = this.reserveId(req.id, name);
    } catch (err) {
      // Drained, not destroyed: an HTTP client still sending then gets the answer, not a reset.
      stream.resume();
      throw err;
    }
    try {
      return await this.ingest(id, stream, req, 'upload', null);
    } finally {
      this.catalogue.release(id);
    }
  }

  /** Registers a file already on this machine; it is served in place, not copied. */
  async addPath(path: string, req: RegisterImageRequest = {}): Promise<ImageView> {
    if (!isAbsolute(path)) throw new ImageServiceError(400, 'path must be absolute');
    const full = resolve(path);
    const st = await fsp.stat(full).catch(() => null);
    if (!st?.isFile()) throw new ImageServiceError(400, `${path} is not a readable file`);
    const id = this.reserveId(req.id, req.name ?? basename(full));
    try {
      const digests = await digestFile(full);
      return await this.commit(id, req, full, digests, 'path', full);
    } finally {
      this.catalogue.release(id);
    }
  }

  /** Downloads an image from a URL into the data directory; `pending()` shows its progress. */
  async addUrl(url: string, req: RegisterImageRequest = {}): Promise<ImageView> {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // Reported below with the same words as another scheme.
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) {
      throw new ImageServiceError(400, 'url must be http(s)');
    }
    const id = this.reserveId(req.id, req.name ?? basename(parsed.pathname));
    const progress: PendingDownload = {
      id,
      url,
      receivedBytes: 0,
      totalBytes: null,
      startedAt: new Date(this.clock.now()).toISOString(),
    };
    this.downloads.set(id, progress);
    const failed = (err: unknown) =>
      new ImageServiceError(
        502,
        `download of ${url} failed after ${progress.receivedBytes} bytes: ${(err as Error).message || String(err)}`,
      );
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await httpRequest(url, { method: 'GET', dispatcher: this.downloader() });
      } catch (err) {
        throw failed(err);
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new ImageServiceError(502, `${url} answered HTTP ${res.statusCode}`);
      }
      const length = res.headers['content-length'];
      const total = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : null;
      progress.totalBytes = total;
      return await this.ingest(id, res.body, req, 'url', url, {
        onBytes: (n) => (progress.receivedBytes += n),
        sourceError: failed,
        expectedSize: total,
      });
    } finally {
      this.downloads.delete(id);
      this.catalogue.release(id);
    }
  }

  async remove(id: string): Promise<boolean> {
    // The id stays reserved until the file is gone, so an add of the same id cannot land first.
    const r = await this.catalogue.remove(id);
    if (!r) return false;
    try {
      if (r.source !== 'path') {
        await fsp.rm(r.path, { force: true });
        await syncDir(this.filesDir).catch(() => undefined);
      }
    } finally {
      this.catalogue.release(id);
    }
    return true;
  }

  private downloader(): Dispatcher {
    if (!this.dispatcher) {
      this.agent = new Agent();
      this.dispatcher = this.agent.compose(
        interceptors.redirect({ maxRedirections: MAX_REDIRECTS }),
      );
    }
    return this.dispatcher;
  }

  /** Reserves the id asked for (409 if taken) or one derived from the name (numbered if taken). */
  private reserveId(requested: string | undefined, name: string | undefined): string {
    if (requested !== undefined) {
      if (!validId(requested)) {
        throw new ImageServiceError(400, `invalid image id ${requested}: ${ID_RULE}`);
      }
      if (!this.catalogue.reserve(requested)) {
        throw new ImageServiceError(
          409,
          this.catalogue.isReserved(requested)
            ? `image ${requested} is being added or deleted`
            : `image ${requested} already exists`,
        );
      }
      return requested;
    }
    let id = slug(name ?? '') ?? `image-${randomBytes(4).toString('hex')}`;
    if (!validId(id)) id = `image-${randomBytes(4).toString('hex')}`;
    return this.catalogue.reserveLike(id);
  }

  /**
   * Streams an image into a temporary file beside its final place, checks it, renames it into
   * place and catalogues it. Whatever fails, nothing of it stays in `files/`.
   */
  private async ingest(
    id: string,
    stream: Readable,
    req: RegisterImageRequest,
    source: ImageRecord['source'],
    origin: string | null,
    download?: {
      onBytes: (n: number) => void;
      sourceError: (err: unknown) => Error;
      expectedSize: number | null;
    },
  ): Promise<ImageView> {
    const final = join(this.filesDir, id);
    const tmp = `${final}.${randomBytes(4).toString('hex')}.part`;
    const hasher = new MultiHasher();
    let onDisk: string | null = tmp;
    // The far end's failures (a connection cut) are told apart from this disk's (ENOSPC).
    let sourceFailure: unknown = undefined;
    stream.once('error', (err) => (sourceFailure = err));
    try {
      await pipeline(
        stream,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hasher.update(chunk);
            download?.onBytes(chunk.length);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      ).catch((err: unknown) => {
        throw download && err === sourceFailure ? download.sourceError(err) : err;
      });
      const digests = hasher.digest();
      if (download?.expectedSize != null && digests.size !== download.expectedSize) {
        throw download.sourceError(
          new Error(`the body ended at ${digests.size} of ${download.expectedSize} bytes`),
        );
      }
      const shape = await inspectImage(tmp, digests.size, req);
      // The bytes reach the disk before the name does, and the name before the catalogue entry.
      await syncFile(tmp);
      await fsp.rename(tmp, final);
      onDisk = final;
      await syncDir(this.filesDir);
      const view = await this.catalogueRecord(id, req, final, digests, shape, source, origin);
      onDisk = null;
      return view;
    } finally {
      if (onDisk) await fsp.rm(onDisk, { force: true });
    }
  }

  private async commit(
    id: string,
    req: RegisterImageRequest,
    path: string,
    digests: Digests,
    source: ImageRecord['source'],
    origin: string | null,
  ): Promise<ImageView> {
    const shape = await inspectImage(path, digests.size, req);
    return this.catalogueRecord(id, req, path, digests, shape, source, origin);
  }

  private async catalogueRecord(
    id: string,
    req: RegisterImageRequest,
    path: string,
    digests: Digests,
    shape: Awaited<ReturnType<typeof inspectImage>>,
    source: ImageRecord['source'],
    origin: string | null,
  ): Promise<ImageView> {
    const rec: ImageRecord = {
      id,
      name: req.name ?? id,
      ...shape,
      size: digests.size,
      md5: digests.md5,
      sha256: digests.sha256,
      sha512: digests.sha512,
      source,
      path,
      origin,
      created_at: new Date(this.clock.now()).toISOString(),
    };
    await this.catalogue.put(rec);
    this.logger.info(
      { id, source, size: rec.size, disk_format: rec.disk_format, image_type: rec.image_type },
      'image added',
    );
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

  /** Loads the catalogue and makes `files/` match it, saying what it found. */
  private async recover(): Promise<void> {
    const notes = await this.catalogue.load();
    if (notes.removedTemp.length > 0) {
      this.logger.info({ files: notes.removedTemp }, 'removed a catalogue save a stop cut short');
    }
    if (notes.corruptMovedTo) {
      this.logger.error(
        { movedTo: notes.corruptMovedTo, reason: notes.corruptReason },
        'the image catalogue could not be read: set aside, starting with an empty catalogue; its files go to orphans/',
      );
    }
    const known = new Set(this.catalogue.list().map((r) => r.path));
    const swept = await sweepFiles(this.filesDir, this.orphansDir, known);
    if (swept.removedPartial.length > 0) {
      this.logger.info({ files: swept.removedPartial }, 'removed partial uploads and downloads');
    }
    if (swept.orphaned.length > 0) {
      this.logger.warn(
        { files: swept.orphaned, dir: this.orphansDir },
        'files with no catalogue entry moved to orphans/: register them again by path, or delete them',
      );
    }
    if (swept.earlierOrphans.length > 0) {
      this.logger.warn(
        { files: swept.earlierOrphans, dir: this.orphansDir },
        'files in orphans/ still wait for a decision: register them again by path, or delete them',
      );
    }
    for (const r of this.catalogue.list()) {
      if (r.source === 'sample') continue; // rewritten by ensureSamples
      if (!(await fsp.stat(r.path).catch(() => null))?.isFile()) {
        this.logger.warn({ id: r.id, path: r.path }, 'the file of a catalogued image is missing');
      }
    }
  }

  private async ensureSamples(): Promise<void> {
    const missing = [];
    for (const sample of ['labos-1.0-disk.raw', 'labos-1.0-disk.qcow2', 'labos-1.0-root.img']) {
      const r = this.catalogue.get(sample);
      if (r && r.source !== 'sample') {
        // Someone's own image took the sample's id (after deleting the sample): it stays.
        this.logger.warn({ id: sample, source: r.source }, 'a sample id is taken: sample skipped');
        continue;
      }
      const current = r?.origin === SAMPLE_ORIGIN && (await fsp.stat(r.path).catch(() => null));
      if (!current) missing.push(sample);
    }
    if (missing.length === 0) return;
    for (const sample of sampleImages()) {
      if (!missing.includes(sample.id)) continue;
      const path = join(this.filesDir, sample.id);
      await replaceFile(path, `${path}.${randomBytes(4).toString('hex')}.part`, sample.data);
      await syncDir(this.filesDir);
      await this.commit(
        sample.id,
        sample,
        path,
        digestBuffer(sample.data),
        'sample',
        SAMPLE_ORIGIN,
      );
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
    app.get('/v1/downloads', () => ({ downloads: this.pending() }));
    app.get<{ Params: { id: string } }>('/v1/images/:id', (req) => {
      checkId(req.params.id);
      const v = this.get(req.params.id);
      if (!v) throw new ImageServiceError(404, `image ${req.params.id} not found`);
      return v;
    });
    app.delete<{ Params: { id: string } }>('/v1/images/:id', async (req, reply) => {
      checkId(req.params.id);
      if (!(await this.remove(req.params.id)))
        throw new ImageServiceError(404, `image ${req.params.id} not found`);
      return reply.code(204).send();
    });
    app.post<{ Querystring: Record<string, string | undefined> }>(
      '/v1/images',
      async (req, reply) => {
        const type = String(req.headers['content-type'] ?? '').toLowerCase();
        if (!type.startsWith('application/octet-stream') && !type.startsWith('application/json')) {
          throw new ImageServiceError(
            415,
            `content-type ${type || '(none)'}: send the image as application/octet-stream, or JSON with "path" or "url"`,
          );
        }
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
    const suffix = CHECKSUM_SUFFIXES.find((s) => name.endsWith(`.${s}`));
    if (!validId(name) && !(suffix && validId(name.slice(0, -suffix.length - 1)))) {
      throw new ImageServiceError(400, `invalid image name ${name}: ${ID_RULE}`);
    }
    const record = this.catalogue.get(name);
    if (!record) {
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
      return reply
        .code(416)
        .header('content-range', `bytes */${size}`)
        .type('application/json; charset=utf-8')
        .send(
          errorBody(416, `range ${req.headers.range} is not within the ${size} bytes of ${name}`),
        );
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

/** Ids in paths are checked before use, so `..` or a `/` never reaches a lookup or a log. */
function checkId(id: string): void {
  if (!validId(id)) throw new ImageServiceError(400, `invalid image id ${id}: ${ID_RULE}`);
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
