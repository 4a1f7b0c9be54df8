import { Agent, request, type Dispatcher } from 'undici';
import {
  type RedfishAuthType,
  type RedfishSession,
  RedfishSessions,
  type SessionOrBasic,
} from './redfish-sessions';
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
  /** `redfish_auth_type`; default `auto` (session, else basic), as Ironic's `[redfish] auth_type`. */
  authType?: RedfishAuthType;
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

interface Reply {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One virtual media device of a BMC, as `GET …/VirtualMedia/{id}` shows it. */
export interface VirtualMediaDevice {
  path: string;
  mediaTypes: string[];
  inserted: boolean;
  image: string | null;
  insertTarget: string | undefined;
  ejectTarget: string | undefined;
}

/**
 * Just enough Redfish for power, boot and virtual media: GET the ComputerSystem, POST its Reset
 * action, PATCH its boot override, insert and eject media. Authentication follows
 * `redfish_auth_type` with sessions shared through `sessions`; without it, basic auth.
 */
export class RedfishClient {
  private readonly base: URL;
  private systemPath: string | undefined;

  constructor(
    private readonly conn: RedfishConnection,
    private readonly dispatcher: Dispatcher,
    private readonly sessions?: RedfishSessions,
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

  /**
   * The BMC's virtual media devices: the System's own collection (newer services) else the
   * collection of the Manager that manages it, where older sushy looks.
   */
  async virtualMedia(): Promise<VirtualMediaDevice[]> {
    const system = await this.getSystem();
    let collectionPath = (system.VirtualMedia as { '@odata.id'?: string } | undefined)?.[
      '@odata.id'
    ];
    if (!collectionPath) {
      const links = system.Links as { ManagedBy?: { '@odata.id'?: string }[] } | undefined;
      const managerPath = links?.ManagedBy?.[0]?.['@odata.id'];
      if (managerPath) {
        const manager = await this.call('GET', managerPath);
        collectionPath = (manager.VirtualMedia as { '@odata.id'?: string } | undefined)?.[
          '@odata.id'
        ];
      }
    }
    if (!collectionPath) throw new RedfishError('The BMC offers no virtual media');
    const collection = await this.call('GET', collectionPath);
    const members = (collection.Members as { '@odata.id'?: string }[] | undefined) ?? [];
    return Promise.all(
      members
        .map((m) => m['@odata.id'])
        .filter((path): path is string => typeof path === 'string')
        .map(async (path) => {
          const doc = await this.call('GET', path);
          const actions = doc.Actions as Record<string, { target?: string }> | undefined;
          return {
            path,
            mediaTypes: Array.isArray(doc.MediaTypes) ? (doc.MediaTypes as string[]) : [],
            inserted: doc.Inserted === true,
            image: typeof doc.Image === 'string' && doc.Image !== '' ? doc.Image : null,
            insertTarget: actions?.['#VirtualMedia.InsertMedia']?.target,
            ejectTarget: actions?.['#VirtualMedia.EjectMedia']?.target,
          };
        }),
    );
  }

  async insertMedia(device: VirtualMediaDevice, image: string): Promise<void> {
    await this.call(
      'POST',
      device.insertTarget ?? `${device.path}/Actions/VirtualMedia.InsertMedia`,
      { Image: image, Inserted: true, WriteProtected: true },
    );
  }

  async ejectMedia(device: VirtualMediaDevice): Promise<void> {
    await this.call(
      'POST',
      device.ejectTarget ?? `${device.path}/Actions/VirtualMedia.EjectMedia`,
      {},
    );
  }

  private async system(): Promise<string> {
    if (this.systemPath) return this.systemPath;
    const collection = await this.call('GET', `${this.rootPath()}/Systems`);
    const members = collection.Members as { '@odata.id'?: string }[] | undefined;
    if (!members || members.length !== 1 || !members[0]?.['@odata.id']) {
      throw new RedfishError(
        `redfish_system_id is required: the BMC has ${members?.length ?? 0} systems`,
      );
    }
    this.systemPath = members[0]['@odata.id'];
    return this.systemPath;
  }

  /** The service root's path, `/redfish/v1` under whatever prefix `redfish_address` has. */
  private rootPath(): string {
    const root = this.base.pathname.replace(/\/$/, '');
    return root.endsWith('/redfish/v1') ? root : `${root}/redfish/v1`;
  }

  private async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const url = new URL(path, this.base);
    let auth = await this.authFor();
    let reply = await this.send(method, url, body, auth);
    if (reply.status === 401 && auth !== 'basic' && auth !== undefined) {
      // The BMC forgot the session (expired, BMC reset): log in again, once.
      await this.sessions!.drop(this.sessionKey(), auth);
      auth = await this.authFor();
      reply = await this.send(method, url, body, auth);
    }
    if (reply.status >= 400) {
      throw new RedfishError(
        `Redfish ${method} ${url.pathname} on ${url.host} answered ${reply.status}: ${extractMessage(reply.text)}`,
        reply.status,
      );
    }
    if (!reply.text) return {};
    try {
      return JSON.parse(reply.text) as Record<string, unknown>;
    } catch {
      throw new RedfishError(`Redfish ${method} ${url.pathname} returned invalid JSON`);
    }
  }

  /** undefined: no credentials at all. */
  private async authFor(): Promise<SessionOrBasic | undefined> {
    if (this.conn.username === undefined) return undefined;
    const type = this.conn.authType ?? 'auto';
    if (type === 'basic' || !this.sessions) return 'basic';
    return this.sessions.get(this.sessionKey(), () => this.login(type));
  }

  private sessionKey(): string {
    return JSON.stringify([this.base.origin, this.conn.username, this.conn.password ?? '']);
  }

  /**
   * POST the credentials to the service's Sessions collection (from the service root, else the
   * standard path, as sushy does). With `auto`, a service without sessions means basic auth; a
   * connection failure is not a reason to fall back.
   */
  private async login(type: 'session' | 'auto'): Promise<SessionOrBasic> {
    const fallback = (why: string): SessionOrBasic => {
      if (type === 'auto') return 'basic';
      throw new RedfishError(`Redfish session login on ${this.base.host} failed: ${why}`);
    };
    let sessionsPath = `${this.rootPath()}/SessionService/Sessions`;
    const root = await this.send(
      'GET',
      new URL(`${this.rootPath()}/`, this.base),
      undefined,
      undefined,
    );
    if (root.status < 400 && root.text) {
      try {
        const doc = JSON.parse(root.text) as {
          SessionService?: { '@odata.id'?: string };
          Links?: { Sessions?: { '@odata.id'?: string } };
        };
        if (doc.Links?.Sessions?.['@odata.id']) sessionsPath = doc.Links.Sessions['@odata.id'];
        else if (!doc.SessionService && type === 'auto') return 'basic';
      } catch {
        // Not JSON: try the standard path anyway.
      }
    }
    const url = new URL(sessionsPath, this.base);
    const reply = await this.send(
      'POST',
      url,
      { UserName: this.conn.username, Password: this.conn.password ?? '' },
      undefined,
    );
    const token = header(reply, 'x-auth-token');
    if (reply.status >= 400 || !token) {
      return fallback(
        reply.status >= 400
          ? `${reply.status}: ${extractMessage(reply.text)}`
          : 'no X-Auth-Token in the answer',
      );
    }
    const location = header(reply, 'location');
    let sessionUrl = url;
    if (location) sessionUrl = new URL(location, this.base);
    else {
      try {
        const id = (JSON.parse(reply.text) as { '@odata.id'?: string })['@odata.id'];
        if (id) sessionUrl = new URL(id, this.base);
      } catch {
        // Keep the collection URL; the DELETE at logout will fail harmlessly.
      }
    }
    return { token, location: sessionUrl, dispatcher: this.dispatcher };
  }

  private async send(
    method: Dispatcher.HttpMethod,
    url: URL,
    body: unknown,
    auth: SessionOrBasic | undefined,
  ): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth === 'basic') {
      const cred = `${this.conn.username}:${this.conn.password ?? ''}`;
      headers.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
    } else if (auth) headers['x-auth-token'] = auth.token;
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
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
  }
}

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Ends a session (DELETE its URI with its own token), as sushy does when a connection closes. */
export async function logout(session: RedfishSession): Promise<void> {
  const res = await request(session.location, {
    method: 'DELETE',
    headers: { 'x-auth-token': session.token, accept: 'application/json' },
    dispatcher: session.dispatcher,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  await res.body.dump();
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
  /** Redfish sessions live as long as the connections: ended when these close. */
  readonly sessions = new RedfishSessions();

  constructor(connections = 32) {
    this.verifying = new Agent({ connections });
    this.insecure = new Agent({ connections, connect: { rejectUnauthorized: false } });
  }

  for(verifyCa: boolean): Dispatcher {
    return verifyCa ? this.verifying : this.insecure;
  }

  async close(): Promise<void> {
    await this.sessions.closeAll(logout);
    await Promise.all([this.verifying.close(), this.insecure.close()]);
  }
}
