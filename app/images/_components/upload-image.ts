import type { UploadedImage, UploadFields } from './types';

export interface UploadProgress {
  /** Bytes the image service has stored so far. */
  stored: number;
  total: number;
}

/** A failed upload with the server's message (and field issues, for formErrors). */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly data: { issues?: { path: string[]; message: string }[] | null } | null = null,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** The two JSON procedures of an upload, from the page's tRPC client. */
export interface UploadProcedures {
  begin(input: UploadFields & { size: number }): Promise<{ uploadId: string; chunkBytes: number }>;
  cancel(input: { uploadId: string }): Promise<unknown>;
}

const CHUNK_URL = '/api/trpc/images.uploadChunk';

/**
 * Sends a file as `images.uploadChunk` takes it: chunks of at most `chunkBytes`, each a line of
 * JSON then a slice of the file. Slices of a File are read from disk as they are sent, never
 * whole; each request answers once its bytes are stored, so progress is what the service has.
 */
export async function uploadImage(
  file: Blob,
  fields: UploadFields,
  procedures: UploadProcedures,
  onProgress: (progress: UploadProgress) => void,
  signal: AbortSignal,
): Promise<UploadedImage> {
  const { uploadId, chunkBytes } = await procedures.begin({ ...fields, size: file.size });
  onProgress({ stored: 0, total: file.size });
  try {
    for (let offset = 0; ; offset += chunkBytes) {
      const end = Math.min(offset + chunkBytes, file.size);
      const last = end === file.size;
      const body = new Blob([
        `${JSON.stringify({ uploadId, offset, last })}\n`,
        file.slice(offset, end),
      ]);
      const response = await fetch(CHUNK_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
        signal,
      }).catch((error: unknown) => {
        throw signal.aborted
          ? new UploadError('The upload was cancelled')
          : new UploadError(
              `The upload was interrupted: ${error instanceof Error ? error.message : String(error)}`,
            );
      });
      const envelope = parseEnvelope(await response.text());
      const data = envelope?.result?.data;
      if (!data) {
        throw new UploadError(
          envelope?.error?.message ??
            `The console answered HTTP ${response.status} ${response.statusText}`,
          envelope?.error?.data ?? null,
        );
      }
      onProgress({ stored: data.received, total: file.size });
      if (data.image) return data.image;
      if (last) throw new UploadError('The console did not return the stored image');
    }
  } catch (error) {
    // Dropping the partial file is best-effort: the service also drops it when left idle.
    await procedures.cancel({ uploadId }).catch(() => undefined);
    throw error;
  }
}

interface Envelope {
  result?: { data?: { received: number; image: UploadedImage | null } };
  error?: { message?: string; data?: UploadError['data'] };
}

function parseEnvelope(text: string): Envelope | null {
  try {
    return JSON.parse(text) as Envelope;
  } catch {
    // Not tRPC's answer (a proxy's error page): the status says more than the body.
    return null;
  }
}
