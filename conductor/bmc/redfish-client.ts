import { Agent, request, type Dispatcher } from 'undici';
import type {
  BootMode,
  BootOverrideEnabled,
  BootSourceTarget,
  RedfishPowerState,
  ResetType,
} from '../../protocol';

export interface RedfishConnection {
  /** `redfish_address`; the scheme defaults to https like sushy's. */
  address: string;
  /** `redfish_system_id`, e.g. `/redfish/v1/Systems/1`; found from the collection when absent. */
  systemId?: string;
  username?: string;
  password?: string;
  verifyCa: boolean;
}

export class RedfishError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RedfishError';
  }
}

export interface BootOverride {
  target: BootSourceTarget;
  enabled: BootOverrideEnabled;
  mode?: BootMode;
}

/** I/O guards on a real socket; everything time-driven in the conductor goes through the Clock. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Just enough Redfish for power and boot: basic auth, GET the ComputerSystem, POST its Reset
 * action and PATCH its boot override. Connections share the dispatcher handed in.
 */
export class RedfishClient {
  private readonly base: URL;
  private systemPath: string | undefined;

  constructor(
    private readonly conn: RedfishConnection,
    private readonly dispatcher: Dispatcher,
  ) {
    const address = /^[a-z]+:\/\//i.test(conn.address) ? conn.address : `https://${conn.address}`;
    this.base = new URL(address);
    this.systemPath = conn.systemId;
  }

  async getPowerState(): Promise<RedfishPowerState> {
    const system = await this.getSystem();
    const state = system.PowerState;
    if (state !== 'On' && state !== 'Off' && state !== 'PoweringOn' && state !== 'PoweringOff') {
      throw new RedfishError(`BMC reported an unknown PowerState ${String(state)}`);
    }
    return state;
  }

  async getSystem(): Promise<Record<string, unknown>> {
    return this.call('GET', await this.system());
  }

  async reset(resetType: ResetType): Promise<void> {
    const system = await this.getSystem();
    const actions = system.Actions as Record<string, { target?: string }> | undefined;
    const target =
      actions?.['#ComputerSystem.Reset']?.target ??
      `${await this.system()}/Actions/ComputerSystem.Reset`;
    await this.call('POST', target, { ResetType: resetType });
  }

  async setBootOverride(boot: BootOverride): Promise<void> {
    const body = {
      Boot: {
        BootSourceOverrideTarget: boot.target,
        BootSourceOverrideEnabled: boot.enabled,
        ...(boot.mode ? { BootSourceOverrideMode: boot.mode } : {}),
      },
    };
    await this.call('PATCH', await this.system(), body);
  }

  private async system(): Promise<string> {
    if (this.systemPath) return this.systemPath;
    const root = this.base.pathname.replace(/\/$/, '');
    const collection = await this.call(
      'GET',
      `${root.endsWith('/redfish/v1') ? root : `${root}/redfish/v1`}/Systems`,
    );
    const members = collection.Members as { '@odata.id'?: string }[] | undefined;
    if (!members || members.length !== 1 || !members[0]?.['@odata.id']) {
      throw new RedfishError(
        `redfish_system_id is required: the BMC has ${members?.length ?? 0} systems`,
      );
    }
    this.systemPath = members[0]['@odata.id'];
    return this.systemPath;
  }

  private async call(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.conn.username !== undefined) {
      const cred = `${this.conn.username}:${this.conn.password ?? ''}`;
      headers.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.dispatcher,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      throw new RedfishError(
        `Redfish ${method} ${url.pathname} on ${url.host} failed: ${(err as Error).message}`,
      );
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      throw new RedfishError(
        `Redfish ${method} ${url.pathname} on ${url.host} answered ${res.statusCode}: ${extractMessage(text)}`,
        res.statusCode,
      );
    }
    if (!text) return {};
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new RedfishError(`Redfish ${method} ${url.pathname} returned invalid JSON`);
    }
  }
}

function extractMessage(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: string; '@Message.ExtendedInfo'?: { Message?: string }[] };
    };
    return (
      body.error?.['@Message.ExtendedInfo']?.[0]?.Message ??
      body.error?.message ??
      text.slice(0, 200)
    );
  } catch {
    return text.slice(0, 200);
  }
}

/**
 * The two dispatchers every Redfish client uses: verifying TLS, or not (`redfish_verify_ca`).
 * Connections are per origin: a real BMC is its own origin, a simulator serves a whole fleet
 * from one, where 8 connections queued a thousand machines' power changes behind each other.
 */
export class RedfishDispatchers {
  readonly verifying: Agent;
  readonly insecure: Agent;

  constructor(connections = 32) {
    this.verifying = new Agent({ connections });
    this.insecure = new Agent({ connections, connect: { rejectUnauthorized: false } });
  }

  for(verifyCa: boolean): Dispatcher {
    return verifyCa ? this.verifying : this.insecure;
  }

  async close(): Promise<void> {
    await Promise.all([this.verifying.close(), this.insecure.close()]);
  }
}
