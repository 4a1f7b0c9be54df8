import { Readable } from 'node:stream';

/**
 * A browser upload arrives as one octet stream (tRPC passes octet bodies through unparsed, and
 * nothing else can carry the catalogue fields beside it): a first line of JSON with the image's
 * fields, then the file's bytes. The bytes are handed on as a stream, never held whole.
 */
export const MAX_UPLOAD_HEADER_BYTES = 8 * 1024;

export class UploadFramingError extends Error {}

export interface SplitUpload {
  /** The first line, without its newline. */
  header: string;
  /** The file's bytes, pulled from the request as the consumer reads them. */
  body: Readable;
}

export async function splitUpload(
  stream: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<SplitUpload> {
  const reader = stream.getReader();
  let buffered = Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      throw new UploadFramingError('the upload ended before its first line (the image fields)');
    }
    buffered = Buffer.concat([buffered, value]);
    const newline = buffered.indexOf(0x0a);
    if (newline >= 0 && newline <= MAX_UPLOAD_HEADER_BYTES) {
      const body = new ReaderStream(reader, buffered.subarray(newline + 1));
      if (signal) {
        const abort = () => body.destroy(new Error('the upload was cancelled by the browser'));
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
        body.once('close', () => signal.removeEventListener('abort', abort));
      }
      return { header: buffered.subarray(0, newline).toString('utf8'), body };
    }
    if (buffered.length > MAX_UPLOAD_HEADER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new UploadFramingError(
        `the upload's first line (the image fields) is longer than ${MAX_UPLOAD_HEADER_BYTES} bytes`,
      );
    }
  }
}

/**
 * A Node stream over a web stream reader, reading only when its consumer asks. Hand-written
 * rather than Readable.from(generator): destroying that waits for the generator's pending read,
 * which never settles when the browser goes away mid-upload.
 */
class ReaderStream extends Readable {
  private first: Buffer | null;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    first: Buffer,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.first = first.length > 0 ? first : null;
  }

  override _read(): void {
    if (this.first) {
      const chunk = this.first;
      this.first = null;
      this.push(chunk);
      return;
    }
    this.reader.read().then(
      ({ done, value }) => {
        if (done) this.push(null);
        else this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.cancel(error ?? undefined).catch(() => undefined);
    callback(error);
  }
}
