import type { Logger } from '../../lib';
import {
  AGENT_FALLBACK_API_VERSION,
  AGENT_TOKEN_VERSION,
  AGENT_VERIFY_CA_VERSION,
  AGENT_VERSION_IN_HEARTBEAT,
  type HeartbeatRequest,
  IRONIC_MAX_VERSION,
  type LookupResponse,
  compareApiVersions,
  lookupResponseSchema,
  minApiVersion,
  parseApiVersion,
} from '../../protocol';
import { HeartbeatError } from './errors';
import { type IronicHttp, describeError, ironicErrorText } from './http-client';

/** Lookup asks with at most this version; newer fields are not needed for it. */
const LOOKUP_MAX_VERSION = AGENT_TOKEN_VERSION;
/** The newest version the heartbeat knows (MAX_KNOWN_VERSION in IPA). */
const HEARTBEAT_MAX_VERSION = AGENT_VERIFY_CA_VERSION;

export type LookupAttempt =
  | { kind: 'found'; data: LookupResponse }
  | { kind: 'conflict'; message: string }
  | { kind: 'retry'; message: string };

export interface HeartbeatParams {
  nodeUuid: string;
  callbackUrl: string;
  agentToken: string | null;
  agentVersion: string;
  /** PEM of the auto-TLS certificate, sent from API 1.68 on. */
  agentVerifyCa?: string | null;
}

/** IPA's `ironic_api_client`: version negotiation, lookup and heartbeat. */
export class IronicClient {
  private negotiated: string | null = null;

  constructor(
    private readonly http: IronicHttp,
    private readonly logger: Logger,
    /** `ironic_api_version` from the configuration: no negotiation when set. */
    private readonly configuredVersion: string | null = null,
  ) {}

  /**
   * The configured version, else `default_version.version` of `GET <api>/` (cached), else the
   * fallback 1.31 (not cached, so the next call asks again).
   */
  async apiVersion(signal?: AbortSignal): Promise<string> {
    if (this.configuredVersion) return this.configuredVersion;
    if (this.negotiated) return this.negotiated;
    try {
      const res = await this.http.request('/', { signal });
      if (res.status === 200) {
        const body = JSON.parse(res.text) as { default_version?: { version?: unknown } };
        const v = body.default_version?.version;
        if (typeof v === 'string' && parseApiVersion(v)) {
          this.negotiated = v;
          return v;
        }
      }
      this.logger.warn({ status: res.status }, 'cannot read the Ironic API version');
    } catch (err) {
      if (signal?.aborted) throw err;
      this.logger.warn({ err: describeError(err) }, 'cannot detect the Ironic API version');
    }
    return AGENT_FALLBACK_API_VERSION;
  }

  /**
   * Whether this Ironic is known to send the agent token when it polls `GET /v1/commands/`.
   * Ironic 21.4 (API 1.82) does not; the Ironic this project models (IRONIC_MAX_VERSION) does.
   * Unknown (not negotiated yet, or the 1.31 fallback) counts as yes: the strict default.
   */
  pollsStatusWithToken(): boolean {
    const version = this.configuredVersion ?? this.negotiated;
    if (version === null || !parseApiVersion(version)) return true;
    return compareApiVersions(version, IRONIC_MAX_VERSION) >= 0;
  }

  /** One lookup request; transport errors and unusable answers come back as `retry`. */
  async lookupOnce(
    macs: readonly string[],
    nodeUuid: string | null,
    signal?: AbortSignal,
  ): Promise<LookupAttempt> {
    const version = minApiVersion(await this.apiVersion(signal), LOOKUP_MAX_VERSION);
    const query = new URLSearchParams({ addresses: macs.join(',') });
    if (nodeUuid) query.set('node_uuid', nodeUuid);
    let res;
    try {
      res = await this.http.request(`/v1/lookup?${query.toString()}`, { version, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      return { kind: 'retry', message: describeError(err) };
    }
    if (res.status === 409) return { kind: 'conflict', message: ironicErrorText(res.text) };
    if (res.status !== 200) {
      return {
        kind: 'retry',
        message: `Error ${res.status}: ${ironicErrorText(res.text)}. Check if inspection has completed?`,
      };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      return { kind: 'retry', message: 'lookup answer is not JSON' };
    }
    // Very old Ironic put heartbeat_timeout at the top level.
    if (body.config === undefined && body.heartbeat_timeout !== undefined) {
      body = { ...body, config: { heartbeat_timeout: body.heartbeat_timeout } };
    }
    const parsed = lookupResponseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        kind: 'retry',
        message: `unusable lookup answer: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
      };
    }
    return { kind: 'found', data: parsed.data };
  }

  /** One heartbeat; resolves on 202 only, else throws HeartbeatError (409 as a conflict). */
  async heartbeat(params: HeartbeatParams, signal?: AbortSignal): Promise<void> {
    const detected = await this.apiVersion(signal);
    const version = minApiVersion(detected, HEARTBEAT_MAX_VERSION);
    const body: HeartbeatRequest = { callback_url: params.callbackUrl };
    if (compareApiVersions(version, AGENT_TOKEN_VERSION) >= 0) body.agent_token = params.agentToken;
    if (compareApiVersions(version, AGENT_VERSION_IN_HEARTBEAT) >= 0) {
      body.agent_version = params.agentVersion;
    }
    if (compareApiVersions(version, AGENT_VERIFY_CA_VERSION) >= 0 && params.agentVerifyCa) {
      body.agent_verify_ca = params.agentVerifyCa;
    }
    let res;
    try {
      res = await this.http.request(`/v1/heartbeat/${encodeURIComponent(params.nodeUuid)}`, {
        method: 'POST',
        body,
        version,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new HeartbeatError(`Error heartbeating to agent API: ${describeError(err)}`, null);
    }
    if (res.status === 202) return;
    throw new HeartbeatError(`Error ${res.status}: ${ironicErrorText(res.text)}`, res.status);
  }

  /** Whether Ironic is new enough for auto TLS (1.68). */
  async supportsVerifyCa(signal?: AbortSignal): Promise<boolean> {
    return compareApiVersions(await this.apiVersion(signal), AGENT_VERIFY_CA_VERSION) >= 0;
  }
}
