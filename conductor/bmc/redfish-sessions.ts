import type { Dispatcher } from 'undici';

/** `redfish_auth_type`, as Ironic's: `auto` tries a session and falls back to basic. */
export type RedfishAuthType = 'basic' | 'session' | 'auto';

export interface RedfishSession {
  token: string;
  /** The session's URI (Location), absolute, for the DELETE at logout. */
  location: URL;
  dispatcher: Dispatcher;
}

/** What a BMC gives a set of credentials: a session, or basic auth on every request. */
export type SessionOrBasic = RedfishSession | 'basic';

/**
 * X-Auth-Token sessions shared by every Redfish client of the conductor, one per BMC service and
 * credentials, as sushy keeps one per cached connection: logged in once, reused, replaced when
 * the BMC forgets it (401), and ended (DELETE) when the conductor stops.
 */
export class RedfishSessions {
  private readonly entries = new Map<string, Promise<SessionOrBasic>>();

  /** The cached session for `key`, logging in (once, however many callers wait) when there is none. */
  get(key: string, login: () => Promise<SessionOrBasic>): Promise<SessionOrBasic> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = login();
      this.entries.set(key, entry);
      // A failed login is not cached: the next call tries again.
      entry.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    return entry;
  }

  /** Forgets `session` (the BMC answered 401 with it), unless another caller already replaced it. */
  async drop(key: string, session: RedfishSession): Promise<void> {
    const entry = this.entries.get(key);
    if (entry && (await entry.catch(() => null)) === session) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Ends every session through `logout`; failures are ignored (the BMC expires sessions too). */
  async closeAll(logout: (session: RedfishSession) => Promise<void>): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        const session = await entry.catch(() => 'basic' as const);
        if (session !== 'basic') await logout(session).catch(() => undefined);
      }),
    );
  }
}
