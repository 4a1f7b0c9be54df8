import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  IRONIC_MAX_VERSION,
  IRONIC_MAX_VERSION_HEADER,
  IRONIC_MIN_VERSION,
  IRONIC_MIN_VERSION_HEADER,
  IRONIC_VERSION_HEADER,
  parseApiVersion,
  type ApiVersion,
} from '../../protocol';
import { sendIronicError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    apiVersion: ApiVersion;
  }
}

const MIN = parseApiVersion(IRONIC_MIN_VERSION)!;
const MAX = parseApiVersion(IRONIC_MAX_VERSION)!;

export const cmp = (a: ApiVersion, b: ApiVersion) => a.major - b.major || a.minor - b.minor;

/** True when the negotiated version is at least `1.minor`. */
export function atLeast(request: FastifyRequest, minor: number): boolean {
  return cmp(request.apiVersion, { major: 1, minor }) >= 0;
}

function requested(request: FastifyRequest): string | undefined {
  const legacy = request.headers[IRONIC_VERSION_HEADER.toLowerCase()];
  if (typeof legacy === 'string') return legacy;
  // The newer standard header: `OpenStack-API-Version: baremetal 1.x`.
  const std = request.headers['openstack-api-version'];
  if (typeof std === 'string') {
    const m = /^\s*baremetal\s+(\S+)\s*$/i.exec(std);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Ironic's negotiation for everything under /v1: no header means the minimum, `latest` the
 * maximum, anything unparsable or out of range is 406. Min/max headers are always sent.
 */
export function negotiate(request: FastifyRequest, reply: FastifyReply): boolean {
  reply.header(IRONIC_MIN_VERSION_HEADER, IRONIC_MIN_VERSION);
  reply.header(IRONIC_MAX_VERSION_HEADER, IRONIC_MAX_VERSION);
  reply.header('Vary', IRONIC_VERSION_HEADER);
  const text = requested(request) ?? IRONIC_MIN_VERSION;
  const version = text.trim().toLowerCase() === 'latest' ? MAX : parseApiVersion(text);
  if (!version) {
    sendIronicError(reply, 406, `Invalid value for ${IRONIC_VERSION_HEADER} header`);
    return false;
  }
  const shown = `${version.major}.${version.minor}`;
  if (version.major !== 1) {
    sendIronicError(
      reply,
      406,
      `Mutually exclusive versions requested. Version ${shown} requested but not supported by this service. The supported version range is: [${IRONIC_MIN_VERSION}, ${IRONIC_MAX_VERSION}].`,
    );
    return false;
  }
  if (cmp(version, MIN) < 0 || cmp(version, MAX) > 0) {
    sendIronicError(
      reply,
      406,
      `Version ${shown} was requested but the minor version is not supported by this service. The supported version range is: [${IRONIC_MIN_VERSION}, ${IRONIC_MAX_VERSION}].`,
    );
    return false;
  }
  reply.header(IRONIC_VERSION_HEADER, shown);
  request.apiVersion = version;
  return true;
}
