/** Ironic API microversion headers and the versions this project speaks. */
export const IRONIC_VERSION_HEADER = 'X-OpenStack-Ironic-API-Version';
export const IRONIC_MIN_VERSION_HEADER = 'X-OpenStack-Ironic-API-Minimum-Version';
export const IRONIC_MAX_VERSION_HEADER = 'X-OpenStack-Ironic-API-Maximum-Version';
export const OPENSTACK_REQUEST_ID_HEADER = 'X-OpenStack-Request-ID';

/** The oldest and newest microversions the embedded conductor serves. */
export const IRONIC_MIN_VERSION = '1.1';
export const IRONIC_MAX_VERSION = '1.96';

/** Agent-side feature gates (research/ipa.md §3.2). */
export const AGENT_FALLBACK_API_VERSION = '1.31';
export const AGENT_VERSION_IN_HEARTBEAT = '1.36';
export const AGENT_TOKEN_VERSION = '1.62';
export const AGENT_VERIFY_CA_VERSION = '1.68';

export interface ApiVersion {
  major: number;
  minor: number;
}

export function parseApiVersion(text: string): ApiVersion | null {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function compareApiVersions(a: string, b: string): number {
  const pa = parseApiVersion(a);
  const pb = parseApiVersion(b);
  if (!pa || !pb) throw new Error(`not an API version: ${pa ? b : a}`);
  return pa.major - pb.major || pa.minor - pb.minor;
}

export function minApiVersion(a: string, b: string): string {
  return compareApiVersions(a, b) <= 0 ? a : b;
}
