import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../lib';
import type { Machine } from '../../machine';

export interface Credentials {
  username: string;
  password: string;
}

export interface Session {
  id: string;
  token: string;
  credentials: Credentials;
  createdAt: number;
  lastUsed: number;
}

/** Default SessionTimeout, seconds (DMTF allows 30–86400; BMCs commonly use 1800). */
export const SESSION_TIMEOUT_S = 1800;

/**
 * Redfish sessions (X-Auth-Token). A session remembers the credentials it was opened with, so it
 * reaches exactly the Systems those credentials reach. Idle sessions expire on the clock,
 * checked lazily on use.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    readonly timeoutS = SESSION_TIMEOUT_S,
  ) {}

  create(credentials: Credentials): Session {
    const now = this.clock.now();
    const session: Session = {
      id: randomUUID(),
      token: randomBytes(24).toString('base64url'),
      credentials,
      createdAt: now,
      lastUsed: now,
    };
    this.byToken.set(session.token, session);
    this.byId.set(session.id, session);
    return session;
  }

  byAuthToken(token: string): Session | undefined {
    const session = this.byToken.get(token);
    if (!session) return undefined;
    if (this.clock.now() - session.lastUsed > this.timeoutS * 1000) {
      this.delete(session.id);
      return undefined;
    }
    session.lastUsed = this.clock.now();
    return session;
  }

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  list(): Session[] {
    return [...this.byId.values()];
  }

  delete(id: string): boolean {
    const session = this.byId.get(id);
    if (!session) return false;
    this.byId.delete(id);
    this.byToken.delete(session.token);
    return true;
  }
}

/** Who is calling: an open session's credentials, else HTTP Basic; null when neither. */
export function callerCredentials(
  request: FastifyRequest,
  sessions: SessionStore,
): Credentials | null {
  const token = request.headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') {
    return sessions.byAuthToken(token)?.credentials ?? null;
  }
  return basicCredentials(request);
}

export function basicCredentials(request: FastifyRequest): Credentials | null {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function credentialsMatch(machine: Machine, credentials: Credentials): boolean {
  const { bmc } = machine.spec;
  return (
    safeEqual(credentials.username, bmc.username) && safeEqual(credentials.password, bmc.password)
  );
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
