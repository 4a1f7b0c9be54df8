import { isAbsolute } from 'node:path';
import { finished } from 'node:stream/promises';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { octetInputParser } from '@trpc/server/http';
import { z } from 'zod';
import type { ImageView } from '../../images';
import type { ActionNodeView } from './action-ports';
import { splitUpload, UploadFramingError } from './image-upload';
import { UPLOAD_CHUNK_BYTES, uploadsOf } from './image-uploads';
import { toTRPCError } from './to-trpc-error';
import { publicProcedure, type LabContext } from './trpc';

const sha256Schema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 hexadecimal digits');

/** The catalogue fields an operator may give; the service derives the rest from the file. */
const imageFields = z.object({
  name: z.string().trim().min(1, 'give the image a name').max(100).optional(),
  disk_format: z.enum(['raw', 'qcow2'], { error: 'the disk format is raw or qcow2' }).optional(),
  image_type: z
    .enum(['whole-disk', 'partition'], { error: 'the image type is whole-disk or partition' })
    .optional(),
  /** When given, the image is kept only if its computed SHA-256 matches. */
  sha256: sha256Schema.optional(),
});

/** A browser upload's fields: the file name is the default name. */
const uploadHeaderSchema = imageFields.extend({
  name: z.string().trim().min(1, 'the upload needs a file name').max(255),
});

/** The first line of each upload chunk (see image-upload.ts). */
const chunkHeaderSchema = z.object({
  uploadId: z.string().min(1),
  offset: z.number().int().min(0),
  last: z.boolean(),
});

const urlInput = imageFields.extend({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL the service can fetch' }),
});

const pathInput = imageFields.extend({
  path: z
    .string()
    .trim()
    .min(1, 'a path on the console host')
    .refine(isAbsolute, 'an absolute path on the console host, e.g. /srv/images/disk.raw'),
});

/** The node an image is deployed to (or set up to be), by name, with its provision state. */
export interface ImageUser {
  node: string;
  provisionState: string;
}

export interface CatalogueImage extends ImageView {
  usedBy: ImageUser[];
}

/** `/images/<id>` on the image service's port: what `instance_info.image_source` holds. */
function imageIdOfSource(source: string, serviceUrl: string): string | null {
  let url: URL;
  let service: URL;
  try {
    url = new URL(source);
    service = new URL(serviceUrl);
  } catch {
    return null;
  }
  // The host may be spelled another way (a public name, 0.0.0.0's loopback); the port and path
  // identify the service well enough, and erring this way only refuses a delete.
  if (url.port !== service.port) return null;
  const match = /^\/images\/([^/]+)$/.exec(url.pathname);
  return match ? decodeURIComponent(match[1]!) : null;
}

/** Which nodes point at which image, by image id. */
export function imageUsers(lab: LabContext): Map<string, ImageUser[]> {
  const users = new Map<string, ImageUser[]>();
  for (const listed of lab.conductor.listNodes()) {
    // The conductor's list carries instance_info already; the port's type leaves it out, and
    // a lister without it would make every image look free, so fall back to the node itself.
    const node =
      'instance_info' in listed ? (listed as ActionNodeView) : lab.conductor.getNode(listed.uuid);
    const source = node?.instance_info?.image_source;
    if (!node || typeof source !== 'string') continue;
    const id = imageIdOfSource(source, lab.images.url) ?? source;
    const list = users.get(id) ?? [];
    list.push({ node: node.name ?? node.uuid, provisionState: node.provision_state });
    users.set(id, list);
  }
  return users;
}

function serviceFields(input: z.infer<typeof imageFields>) {
  return {
    ...(input.name ? { name: input.name } : {}),
    ...(input.disk_format ? { disk_format: input.disk_format } : {}),
    ...(input.image_type ? { image_type: input.image_type } : {}),
  };
}

/** Keeps the image only if it hashes to what the operator expected. */
async function verified(
  lab: LabContext,
  image: ImageView,
  expected: string | undefined,
): Promise<ImageView> {
  if (!expected || image.sha256 === expected) return image;
  await lab.images.remove(image.id);
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: `Checksum mismatch: expected SHA-256 ${expected}, the file hashes to ${image.sha256}; the image was not kept`,
  });
}

async function adding<T>(attempted: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TRPCError) throw error;
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') throw toTRPCError(error, attempted);
    // Network failures (refused, unknown host, reset) have no status; they are the far end's.
    throw new TRPCError({
      code: 'BAD_GATEWAY',
      message: `${attempted}: ${(error as Error).message || String(error)}`,
      cause: error,
    });
  }
}

export const imagesRouter = {
  /** The catalogue, with the nodes each image is deployed to, and the service's address. */
  list: publicProcedure.query(({ ctx }) => {
    const users = imageUsers(ctx.lab);
    const images: CatalogueImage[] = ctx.lab.images
      .list()
      .map((image) => ({ ...image, usedBy: users.get(image.id) ?? [] }));
    return { url: ctx.lab.images.url, images };
  }),

  /**
   * Starts a browser upload (see image-uploads.ts): the fields are checked before any byte is
   * sent; the bytes follow through uploadChunk.
   */
  beginUpload: publicProcedure
    .input(uploadHeaderSchema.extend({ size: z.number().int().min(0) }))
    .mutation(({ ctx, input }) => {
      const upload = uploadsOf(ctx.lab).begin({
        ...serviceFields(input),
        fileName: input.name,
        size: input.size,
        ...(input.sha256 ? { sha256: input.sha256 } : {}),
      });
      return { ...upload, chunkBytes: UPLOAD_CHUNK_BYTES };
    }),

  /** Gives up an upload; its partial file is removed. */
  cancelUpload: publicProcedure
    .input(z.object({ uploadId: z.string().min(1) }))
    .mutation(({ ctx, input }) => ({ cancelled: uploadsOf(ctx.lab).cancel(input.uploadId) })),

  /** Downloads by URL in flight: bytes received, and the total when the origin said it. */
  downloads: publicProcedure.query(({ ctx }) => ctx.lab.images.pending()),

  /** The service downloads the image; resolves once it is stored and hashed; see `downloads`. */
  addUrl: publicProcedure.input(urlInput).mutation(async ({ ctx, input }) => {
    const image = await adding(`Could not add the image from ${input.url}`, () =>
      ctx.lab.images.addUrl(input.url, serviceFields(input)),
    );
    return verified(ctx.lab, image, input.sha256);
  }),

  /** Registers a file already on the console host; it is served in place. */
  addPath: publicProcedure.input(pathInput).mutation(async ({ ctx, input }) => {
    const image = await adding(`Could not add ${input.path}`, () =>
      ctx.lab.images.addPath(input.path, serviceFields(input)),
    );
    return verified(ctx.lab, image, input.sha256);
  }),

  /**
   * One piece of a browser upload: a JSON line `{uploadId, offset, last}`, then at most
   * `chunkBytes` of the file. Answers once the piece is on the service's disk; the last piece
   * answers with the stored image.
   */
  uploadChunk: publicProcedure.input(octetInputParser).mutation(async ({ ctx, input, signal }) => {
    let split;
    try {
      split = await splitUpload(input as ReadableStream<Uint8Array>, signal);
    } catch (error) {
      if (error instanceof UploadFramingError) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: `Bad upload: ${error.message}` });
      }
      throw error;
    }
    let header: z.infer<typeof chunkHeaderSchema>;
    try {
      const parsed = chunkHeaderSchema.safeParse(JSON.parse(split.header));
      if (!parsed.success) {
        throw new Error(
          parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
        );
      }
      header = parsed.data;
    } catch (error) {
      // Read the rest so the browser, still sending, gets this answer rather than a reset.
      split.body.resume();
      await finished(split.body).catch(() => undefined);
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `Bad upload chunk: ${(error as Error).message}`,
      });
    }
    const result = await adding('Could not store the upload', () =>
      uploadsOf(ctx.lab).write(header.uploadId, header.offset, header.last, split.body),
    );
    if (!result.image) return { received: result.received, image: null };
    return {
      received: result.received,
      image: await verified(ctx.lab, result.image, result.expectedSha256),
    };
  }),

  /** Removes an image no node points at; one in use is refused with the nodes that use it. */
  remove: publicProcedure
    .input(z.object({ id: z.string().trim().min(1, 'which image') }))
    .mutation(async ({ ctx, input }) => {
      const users = imageUsers(ctx.lab).get(input.id) ?? [];
      if (users.length > 0) {
        const list = users.map((u) => `${u.node} (${u.provisionState})`).join(', ');
        throw new TRPCError({
          code: 'CONFLICT',
          message: `${input.id} is in use: instance_info.image_source of ${list} points at it. Undeploy ${users.length === 1 ? 'that node' : 'those nodes'} or give ${users.length === 1 ? 'it' : 'them'} another image first.`,
        });
      }
      const removed = await ctx.lab.images
        .remove(input.id)
        .catch((error: unknown) =>
          Promise.reject(toTRPCError(error, `Could not delete ${input.id}`)),
        );
      if (!removed) {
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `No image ${input.id} in the catalogue`,
        });
      }
      return { id: input.id };
    }),
} satisfies TRPCRouterRecord;
