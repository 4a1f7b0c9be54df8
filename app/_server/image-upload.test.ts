import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_HEADER_BYTES, splitUpload, UploadFramingError } from './image-upload';

function streamOf(pieces: string[], { endless = false } = {}) {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.shift();
      if (next !== undefined) controller.enqueue(new TextEncoder().encode(next));
      // An endless stream is a browser that stopped sending without closing.
      else if (!endless) controller.close();
    },
  });
}

describe('splitUpload', () => {
  it('finds the header line across chunks and passes every byte after it on', async () => {
    const { header, body } = await splitUpload(streamOf(['{"na', 'me":"a"}\nfirst ', 'second']));
    expect(header).toBe('{"name":"a"}');
    expect(await text(body)).toBe('first second');
  });

  it('refuses a first line longer than the limit', async () => {
    const long = 'x'.repeat(MAX_UPLOAD_HEADER_BYTES + 10);
    await expect(splitUpload(streamOf([long, '\nrest']))).rejects.toThrow(UploadFramingError);
  });

  it('ends the body with an error when the request is aborted mid-upload', async () => {
    const abort = new AbortController();
    const { body } = await splitUpload(streamOf(['{}\npart'], { endless: true }), abort.signal);
    const reading = text(body);
    setTimeout(() => abort.abort(), 10);
    await expect(reading).rejects.toThrow('the upload was cancelled by the browser');
  });
});
