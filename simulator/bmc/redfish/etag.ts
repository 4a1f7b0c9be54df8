import { createHash } from 'node:crypto';

/** A strong ETag over a resource's JSON (without its own @odata.etag). */
export function etagOf(resource: Record<string, unknown>): string {
  const { ['@odata.etag']: _ignored, ...rest } = resource;
  return `"${createHash('sha1').update(JSON.stringify(rest)).digest('hex').slice(0, 16)}"`;
}

/** Adds @odata.etag to the body; returns the tag for the ETag header. */
export function withEtag<T extends Record<string, unknown>>(
  resource: T,
): { body: T; etag: string } {
  const etag = etagOf(resource);
  return { body: { ...resource, '@odata.etag': etag }, etag };
}

/**
 * If-Match as RFC 9110 §13.1.1 evaluates it (weak comparison, as sushy retries weak tags in
 * strong form): `*` or any listed tag equal to the current one.
 */
export function ifMatchSatisfied(header: string | undefined, current: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(current));
}
