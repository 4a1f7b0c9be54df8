import type { UploadedImage, UploadFields } from './types';

export interface UploadProgress {
  sent: number;
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

const UPLOAD_URL = '/api/trpc/images.upload';

/**
 * Sends a file to `images.upload` as the router expects it: one line of JSON fields, then the
 * file. The body is a Blob of the two, so the browser streams the file from disk rather than
 * reading it into memory; XMLHttpRequest rather than fetch because only it reports upload
 * progress. The answer is tRPC's plain (unbatched, untransformed) response envelope.
 */
export function uploadImage(
  file: Blob,
  fields: UploadFields,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<UploadedImage> {
  const body = new Blob([`${JSON.stringify(fields)}\n`, file]);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_URL);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      onProgress({ sent: event.loaded, total: event.lengthComputable ? event.total : body.size });
    };
    xhr.onload = () => {
      const envelope = parseEnvelope(xhr.responseText);
      if (envelope?.result?.data) resolve(envelope.result.data);
      else
        reject(
          new UploadError(
            envelope?.error?.message ?? `The console answered HTTP ${xhr.status} ${xhr.statusText}`,
            envelope?.error?.data ?? null,
          ),
        );
    };
    xhr.onerror = () =>
      reject(new UploadError('The upload was interrupted: the console could not be reached'));
    xhr.onabort = () => reject(new UploadError('The upload was cancelled'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

interface Envelope {
  result?: { data?: UploadedImage };
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
