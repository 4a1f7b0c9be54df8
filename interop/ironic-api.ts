/** The node fields the interop tests read (Ironic returns many more). */
export interface IronicNode {
  uuid: string;
  name: string | null;
  driver: string;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  last_error: string | null;
  maintenance: boolean;
  clean_step: Record<string, unknown> | null;
  deploy_step: Record<string, unknown> | null;
  driver_info: Record<string, unknown>;
  driver_internal_info: Record<string, unknown>;
  instance_info: Record<string, unknown>;
  properties: Record<string, unknown>;
  boot_interface: string;
  deploy_interface: string;
  power_interface: string;
  management_interface: string;
}

/** One entry of `GET /v1/nodes/{node}/history?detail=true` (API 1.78). */
export interface IronicHistoryEvent {
  uuid: string;
  created_at: string;
  severity: string;
  event: string;
  event_type: string;
  conductor: string | null;
}

export class IronicApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'IronicApiError';
  }
}

/**
 * A thin client for the parts of the Ironic REST API the harness needs (noauth, latest
 * microversion). The `baremetal` CLI drives the provisioning verbs; this one reads state fast
 * enough to poll it.
 */
export class IronicApi {
  constructor(
    readonly baseUrl: string,
    private readonly version = 'latest',
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'X-OpenStack-Ironic-API-Version': this.version,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 400) throw new IronicApiError(res.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `default_version.version` of the root document: the newest microversion served. */
  async maxVersion(): Promise<string> {
    const root = await this.request<{ default_version: { version: string } }>('GET', '/');
    return root.default_version.version;
  }

  node(ident: string): Promise<IronicNode> {
    return this.request('GET', `/v1/nodes/${encodeURIComponent(ident)}`);
  }

  createNode(body: Record<string, unknown>): Promise<IronicNode> {
    return this.request('POST', '/v1/nodes', body);
  }

  createPort(nodeUuid: string, address: string): Promise<{ uuid: string }> {
    return this.request('POST', '/v1/ports', { node_uuid: nodeUuid, address });
  }

  async history(ident: string): Promise<IronicHistoryEvent[]> {
    const res = await this.request<{ history: IronicHistoryEvent[] }>(
      'GET',
      `/v1/nodes/${encodeURIComponent(ident)}/history?detail=true`,
    );
    return res.history;
  }

  /**
   * Polls until the node's provision state is one of `states` (no target left), or fails with
   * the node as Ironic last showed it. Loopback reads a few hundred ms apart.
   */
  async waitForProvisionState(
    ident: string,
    states: readonly string[],
    timeoutMs: number,
  ): Promise<IronicNode> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const node = await this.node(ident);
      if (states.includes(node.provision_state) && !node.target_provision_state) return node;
      if (Date.now() > deadline) {
        throw new Error(
          `node ${ident} is "${node.provision_state}" (target ${String(
            node.target_provision_state,
          )}), not ${states.join('/')}, after ${timeoutMs} ms; last_error: ${String(node.last_error)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
