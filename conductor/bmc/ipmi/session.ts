import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppCmd, NetFn, PayloadType, SUITE_3, rmcpStatusText } from './codes';
import { type SessionKeys, decrypt, encrypt, hmacSha1, sessionKeys } from './crypto';
import { completionError, IpmiError } from './errors';
import {
  type Datagram,
  type IpmiResponse,
  decodeResponse,
  encodeRequest,
  frameV15,
  frameV20,
} from './framing';
import { DEFAULT_RETRY, type RetryPolicy, UdpLink } from './udp-link';

export interface IpmiTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Privilege level number (4 = ADMINISTRATOR). */
  privilege: number;
}

/** Sends one command in an established session; the response data after the completion code. */
export interface IpmiCommander {
  command(what: string, netFn: number, cmd: number, data?: number[] | Buffer): Promise<Buffer>;
}

/** RMCP+ statuses a new handshake may cure: no room yet, or a half-open session that expired. */
const TRANSIENT_STATUS: ReadonlySet<number> = new Set([0x01, 0x02, 0x08]);

const uint32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
};

/**
 * An RMCP+ session with cipher suite 3, opened as `ipmitool -I lanplus -C 3` opens one: Get
 * Channel Authentication Capabilities, Open Session, RAKP 1–4, Set Session Privilege Level; then
 * authenticated, encrypted commands until Close Session.
 */
export class IpmiSession implements IpmiCommander {
  private sequence = 0;
  private rqSeq = 0;
  private closed = false;

  private constructor(
    private readonly link: UdpLink,
    private readonly bmcSid: number,
    private readonly consoleSid: number,
    private readonly keys: SessionKeys,
  ) {}

  static async open(target: IpmiTarget, retry: RetryPolicy = DEFAULT_RETRY): Promise<IpmiSession> {
    const link = await UdpLink.connect(target.host, target.port, retry);
    try {
      const session = await handshake(link, target);
      await session.command(
        `Set Session Privilege Level for user '${target.username}'`,
        NetFn.App,
        AppCmd.SetSessionPrivilegeLevel,
        [target.privilege],
      );
      return session;
    } catch (err) {
      link.close();
      throw err;
    }
  }

  async command(
    what: string,
    netFn: number,
    cmd: number,
    data: number[] | Buffer = [],
  ): Promise<Buffer> {
    if (this.closed) throw new IpmiError(`IPMI ${what}: the session is closed`);
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    const rqSeq = this.rqSeq;
    const message = encodeRequest(netFn, cmd, rqSeq, Buffer.from(data));
    const response = await this.link.exchange(
      what,
      () => this.seal(message),
      (d) => this.unseal(d, (r) => r.rqSeq === rqSeq && r.cmd === cmd && r.netFn === (netFn | 1)),
    );
    if (response.completion !== 0) throw completionError(what, response.completion);
    return response.data;
  }

  /** Close Session, one attempt, then the socket; never throws (the BMC times sessions out too). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.rqSeq = (this.rqSeq + 1) & 0x3f;
      const rqSeq = this.rqSeq;
      const message = encodeRequest(NetFn.App, AppCmd.CloseSession, rqSeq, uint32(this.bmcSid));
      await this.link.exchange(
        'Close Session',
        () => this.seal(message),
        (d) => this.unseal(d, (r) => r.rqSeq === rqSeq && r.cmd === AppCmd.CloseSession),
        1,
      );
    } catch {
      // Best effort.
    } finally {
      this.closed = true;
      this.link.close();
    }
  }

  private seal(message: Buffer): Buffer {
    // Session sequence numbers start at 1 and skip 0 when they wrap (IPMI 2.0 §6.12.13).
    this.sequence = (this.sequence + 1) >>> 0 || 1;
    return frameV20({
      payloadType: PayloadType.Ipmi,
      sessionId: this.bmcSid,
      sequence: this.sequence,
      payload: encrypt(this.keys.aesKey, message),
      encrypted: true,
      sign: (signed) => hmacSha1(this.keys.k1, signed),
    });
  }

  private unseal(d: Datagram, match: (r: IpmiResponse) => boolean): IpmiResponse | undefined {
    if (d.format !== 'v20' || d.payloadType !== PayloadType.Ipmi) return undefined;
    if (d.sessionId !== this.consoleSid || !d.integrity || !d.encrypted) return undefined;
    const expected = hmacSha1(this.keys.k1, d.integrity.signed).subarray(0, 12);
    if (!timingSafeEqual(expected, d.integrity.authCode)) return undefined;
    const plain = decrypt(this.keys.aesKey, d.payload);
    const response = plain && decodeResponse(plain);
    return response && match(response) ? response : undefined;
  }

  /** Used by the handshake once RAKP 4 checked out. */
  static established(link: UdpLink, bmcSid: number, consoleSid: number, keys: SessionKeys) {
    return new IpmiSession(link, bmcSid, consoleSid, keys);
  }
}

async function handshake(link: UdpLink, target: IpmiTarget): Promise<IpmiSession> {
  const where = link.where;
  // 1. Get Channel Authentication Capabilities, pre-session in IPMI 1.5 framing; 0x8E asks this
  // channel for the IPMI 2.0 extended data.
  const caps = await link.exchange(
    'Get Channel Authentication Capabilities',
    () =>
      frameV15(
        encodeRequest(
          NetFn.App,
          AppCmd.GetChannelAuthCapabilities,
          0,
          Buffer.from([0x8e, target.privilege]),
        ),
      ),
    (d) => {
      const message = d.format === 'v15' ? d.message : d.payloadType === 0 ? d.payload : undefined;
      const r = message && decodeResponse(message);
      return r && r.cmd === AppCmd.GetChannelAuthCapabilities ? r : undefined;
    },
  );
  if (caps.completion !== 0) {
    throw completionError('Get Channel Authentication Capabilities', caps.completion);
  }
  if (caps.data.length < 4 || (caps.data[1]! & 0x80) === 0 || (caps.data[3]! & 0x02) === 0) {
    throw new IpmiError(`The BMC at ${where} does not support IPMI 2.0 (RMCP+ / lanplus)`);
  }

  // 2. Open Session: cipher suite 3, up to the privilege asked for.
  const consoleSid = randomBytes(4).readUInt32LE(0) || 1;
  const algorithm = (kind: number, id: number) => [kind, 0, 0, 0x08, id, 0, 0, 0];
  const openTag = 0;
  const open = await link.exchange(
    'Open Session',
    () =>
      frameV20({
        payloadType: PayloadType.OpenSessionRequest,
        sessionId: 0,
        sequence: 0,
        payload: Buffer.from([
          openTag,
          target.privilege,
          0,
          0,
          ...uint32(consoleSid),
          ...algorithm(0x00, SUITE_3.auth),
          ...algorithm(0x01, SUITE_3.integrity),
          ...algorithm(0x02, SUITE_3.confidentiality),
        ]),
      }),
    (d) =>
      d.format === 'v20' &&
      d.payloadType === PayloadType.OpenSessionResponse &&
      d.payload.length >= 8 &&
      d.payload[0] === openTag &&
      d.payload.readUInt32LE(4) === consoleSid
        ? d.payload
        : undefined,
  );
  if (open[1] !== 0) {
    throw new IpmiError(
      `IPMI Open Session refused by the BMC at ${where}: ${rmcpStatusText(open[1]!)}`,
      undefined,
      TRANSIENT_STATUS.has(open[1]!),
    );
  }
  if (
    open.length < 36 ||
    open[16] !== SUITE_3.auth ||
    open[24] !== SUITE_3.integrity ||
    open[32] !== SUITE_3.confidentiality
  ) {
    throw new IpmiError(`The BMC at ${where} did not accept cipher suite 3`);
  }
  const bmcSid = open.readUInt32LE(8);

  // 3. RAKP 1 / 2: our random number and user name; the BMC proves it knows the password.
  const username = Buffer.from(target.username, 'utf8');
  const kuid = Buffer.from(target.password, 'utf8');
  const rm = randomBytes(16);
  // 0x10: look the user up by name only, as ipmitool does.
  const role = target.privilege | 0x10;
  const rakpTag = 1;
  const rakp2 = await link.exchange(
    'RAKP 1',
    () =>
      frameV20({
        payloadType: PayloadType.Rakp1,
        sessionId: 0,
        sequence: 0,
        payload: Buffer.concat([
          Buffer.from([rakpTag, 0, 0, 0]),
          uint32(bmcSid),
          rm,
          Buffer.from([role, 0, 0, username.length]),
          username,
        ]),
      }),
    (d) =>
      d.format === 'v20' && d.payloadType === PayloadType.Rakp2 && d.payload[0] === rakpTag
        ? d.payload
        : undefined,
  );
  if (rakp2[1] !== 0) {
    const hint = rakp2[1] === 0x0d ? ` (is user '${target.username}' right?)` : '';
    throw new IpmiError(
      `IPMI RAKP 2 from the BMC at ${where}: ${rmcpStatusText(rakp2[1]!)}${hint}`,
      undefined,
      TRANSIENT_STATUS.has(rakp2[1]!),
    );
  }
  if (rakp2.length < 60) throw new IpmiError(`IPMI RAKP 2 from the BMC at ${where} is truncated`);
  const rc = rakp2.subarray(8, 24);
  const guid = rakp2.subarray(24, 40);
  const nameBytes = Buffer.from([role, username.length]);
  const bmcProof = hmacSha1(
    kuid,
    uint32(consoleSid),
    uint32(bmcSid),
    rm,
    rc,
    guid,
    nameBytes,
    username,
  );
  const rakp3 = (status: number, code: Buffer) =>
    frameV20({
      payloadType: PayloadType.Rakp3,
      sessionId: 0,
      sequence: 0,
      payload: Buffer.concat([Buffer.from([rakpTag + 1, status, 0, 0]), uint32(bmcSid), code]),
    });
  if (!timingSafeEqual(bmcProof, rakp2.subarray(40, 60))) {
    // Tell the BMC, so it drops the half-open session (status 0x0F: invalid integrity check).
    link.sendOnly(rakp3(0x0f, Buffer.alloc(0)));
    throw new IpmiError(
      `IPMI authentication with the BMC at ${where} failed: wrong password for user '${target.username}'`,
    );
  }

  // 4. RAKP 3 / 4: we prove we know the password; the BMC confirms with the session key.
  const consoleProof = hmacSha1(kuid, rc, uint32(consoleSid), nameBytes, username);
  const rakp4 = await link.exchange(
    'RAKP 3',
    () => rakp3(0, consoleProof),
    (d) =>
      d.format === 'v20' && d.payloadType === PayloadType.Rakp4 && d.payload[0] === rakpTag + 1
        ? d.payload
        : undefined,
  );
  if (rakp4[1] !== 0) {
    throw new IpmiError(
      `IPMI RAKP 4 from the BMC at ${where}: ${rmcpStatusText(rakp4[1]!)}`,
      undefined,
      TRANSIENT_STATUS.has(rakp4[1]!),
    );
  }
  const keys = sessionKeys(kuid, rm, rc, role, username);
  const icv = hmacSha1(keys.sik, rm, uint32(bmcSid), guid).subarray(0, 12);
  if (rakp4.length < 20 || !timingSafeEqual(icv, rakp4.subarray(8, 20))) {
    throw new IpmiError(`IPMI RAKP 4 from the BMC at ${where} has a wrong integrity check value`);
  }
  return IpmiSession.established(link, bmcSid, consoleSid, keys);
}
