import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TRPCError } from '@trpc/server';
import type { Clock, TimerHandle } from '../../lib';
import type { ImageView, RegisterImageRequest } from '../../images';
import type { ImagesPort } from './simulator-ports';

/**
 * Browser uploads, one file in many requests. tRPC's HTTP adapter reads a request body as fast as
 * the socket delivers it, whatever the reader's pace, so one big request would pile up in memory
 * while the service hashes and writes (measured: 1.4 GB extra for a 2 GiB file). In chunks, each
 * request ends only once its bytes are on the service's disk: at most one chunk is held.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** An upload with no chunk for this long (lab time) is dropped, with its partial file. */
export const UPLOAD_IDLE_MS = 5 * 60_000;

interface Session {
  id: string;
  name: string;
  size: number;
  /** What the operator said the file hashes to, checked once it is stored. */
  sha256: string | undefined;
  received: number;
  stream: PassThrough;
  done: Promise<ImageView>;
  /** One chunk at a time: a retry racing its original would corrupt the file. */
  busy: boolean;
  timer: TimerHandle | undefined;
}

export type ChunkResult =
  | { received: number; image: null }
  | { received: number; image: ImageView; expectedSha256: string | undefined };

export class ImageUploads {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly images: ImagesPort,
    private readonly clock: Clock,
  ) {}

  /** Starts the service's side of the upload; the bytes follow in chunks. */
  begin(fields: RegisterImageRequest & { fileName: string; size: number; sha256?: string }): {
    uploadId: string;
  } {
    const id = randomBytes(12).toString('hex');
    const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
    const { size, sha256, ...request } = fields;
    const done = this.images.addStream(stream, request);
    // Awaited by the last chunk; until then a failure (a full disk) must not go unhandled.
    done.catch(() => undefined);
    const session: Session = {
      id,
      name: fields.fileName,
      size,
      sha256,
      received: 0,
      stream,
      done,
      busy: false,
      timer: undefined,
    };
    this.sessions.set(id, session);
    this.touch(session);
    return { uploadId: id };
  }

  /** Appends one chunk at `offset`; the last one ends the file and returns the stored image. */
  async write(
    uploadId: string,
    offset: number,
    last: boolean,
    chunk: Readable,
  ): Promise<ChunkResult> {
    const session = this.sessions.get(uploadId);
    if (!session) {
      chunk.resume();
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `Upload ${uploadId} is unknown: it finished, failed, was cancelled, or sent nothing for ${UPLOAD_IDLE_MS / 60_000} min`,
      });
    }
    if (session.busy || offset !== session.received) {
      chunk.resume();
      throw new TRPCError({
        code: 'CONFLICT',
        message: `Upload of ${session.name}: a chunk at byte ${offset} arrived, the next expected is at ${session.received}`,
      });
    }
    session.busy = true;
    this.touch(session);
    try {
      await pipeline(
        chunk,
        async function* count(source: AsyncIterable<Buffer>) {
          for await (const piece of source) {
            session.received += piece.length;
            if (session.received - offset > UPLOAD_CHUNK_BYTES) {
              throw new TRPCError({
                code: 'PAYLOAD_TOO_LARGE',
                message: `Upload of ${session.name}: a chunk is at most ${UPLOAD_CHUNK_BYTES} bytes`,
              });
            }
            yield piece;
          }
        },
        session.stream,
        { end: false },
      );
      if (session.received > session.size) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `Upload of ${session.name}: more bytes than the ${session.size} announced`,
        });
      }
      if (!last) return { received: session.received, image: null };
      if (session.received !== session.size) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `Upload of ${session.name} ended after ${session.received} of ${session.size} bytes`,
        });
      }
      session.stream.end();
      const image = await session.done;
      this.forget(session);
      return { received: session.received, image, expectedSha256: session.sha256 };
    } catch (error) {
      this.cancelSession(session, error instanceof Error ? error : new Error(String(error)));
      // The service's own reason (a bad qcow2, a full disk) says more than the broken pipe.
      throw await session.done.then(
        () => error,
        (serviceError: unknown) => (error instanceof TRPCError ? error : serviceError),
      );
    } finally {
      session.busy = false;
      if (this.sessions.get(session.id) === session) this.touch(session);
    }
  }

  /** Drops an upload and its partial file. */
  cancel(uploadId: string): boolean {
    const session = this.sessions.get(uploadId);
    if (!session) return false;
    this.cancelSession(session, new Error(`the upload of ${session.name} was cancelled`));
    return true;
  }

  /** Uploads in progress, for tests and for the lab's stop. */
  get active(): number {
    return this.sessions.size;
  }

  private cancelSession(session: Session, reason: Error): void {
    this.forget(session);
    session.stream.destroy(reason);
  }

  private forget(session: Session): void {
    this.clock.clearTimeout(session.timer);
    this.sessions.delete(session.id);
  }

  private touch(session: Session): void {
    this.clock.clearTimeout(session.timer);
    session.timer = this.clock.setTimeout(() => {
      if (this.sessions.get(session.id) === session && !session.busy) {
        this.cancelSession(session, new Error(`the upload of ${session.name} was abandoned`));
      }
    }, UPLOAD_IDLE_MS);
  }
}

const perLab = new WeakMap<object, ImageUploads>();

/** One set of uploads per lab (tests run several labs in one process). */
export function uploadsOf(lab: { images: ImagesPort; clock: Clock }): ImageUploads {
  let uploads = perLab.get(lab);
  if (!uploads) {
    uploads = new ImageUploads(lab.images, lab.clock);
    perLab.set(lab, uploads);
  }
  return uploads;
}
