import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Logger } from '../../../lib';
import type { Machine } from '../../machine';
import {
  AppCmd,
  Completion,
  NetFn,
  PayloadType,
  Privilege,
  RmcpStatus,
  SUITE_3,
  TransportCmd,
} from './codes';
import { BootFlagTimer } from './boot-flag-timer';
import { handleCommand } from './commands';
import { type SessionKeys, decryptPayload, deriveKeys, encryptPayload, hmacSha1 } from './crypto';
import {
  type IpmiRequest,
  buildResponse,
  buildV15,
  buildV20,
  parsePacket,
  parseRequest,
} from './packet';

type V20Packet = Extract<ReturnType<typeof parsePacket>, { kind: 'v20' }>;

/** Idle RMCP+ sessions end after this long (ipmitool's default session timeout is 60 s). */
export const SESSION_IDLE_MS = 60_000;
/** A session whose RAKP handshake has not completed by then is dropped. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Sessions a BMC holds at once; real BMCs allow a handful. */
export const MAX_SESSIONS = 16;

interface PendingSession {
  state: 'opened' | 'rakp2-sent' | 'active';
  bmcSid: number;
  consoleSid: number;
  maxPrivilege: number;
  privilege: number;
  rm: Buffer;
  rc: Buffer;
  role: number;
  username: Buffer;
  keys: SessionKeys | undefined;
  outSequence: number;
  lastSeen: number;
  /** Where the console talks from (SOL output is pushed there). */
  remote: Remote | undefined;
  sol: { unsubscribe: () => void; sequence: number } | undefined;
}

export interface Remote {
  address: string;
  port: number;
}

/** Bytes of serial output per SOL packet (the outbound payload size we announce). */
const SOL_CHUNK = 200;

/**
 * The protocol side of one machine's IPMI 2.0 BMC: RMCP+ session set-up with cipher suite 3
 * (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) and the command dispatch, as a function from a
 * datagram to the datagrams to send back. Anything malformed, unauthenticated or out of order is
 * answered with silence or an RMCP+/IPMI status, never an exception.
 */
export class IpmiEndpoint {
  private readonly sessions = new Map<number, PendingSession>();
  readonly guid: Buffer;
  /** Sends a datagram the BMC originates (SOL output); set by the socket owner. */
  push: ((datagram: Buffer, remote: Remote) => void) | undefined;
  /** The UDP port SOL runs on (this BMC's own). */
  port = 623;
  readonly bootFlags: BootFlagTimer;

  constructor(
    readonly machine: Machine,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    this.guid = Buffer.from(machine.spec.system.uuid.replace(/-/g, ''), 'hex');
    this.bootFlags = new BootFlagTimer(machine, clock);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Answers one datagram; an empty list means silence. */
  handle(datagram: Buffer, remote?: Remote): Buffer[] {
    if (this.machine.faults.bmcUnreachable) return [];
    try {
      return this.dispatch(datagram, remote);
    } catch (error) {
      this.logger?.warn(
        { machine: this.machine.id, err: error },
        'ipmi: dropped a packet that broke the handler',
      );
      return [];
    }
  }

  /** Ends every session (and its SOL stream); the BMC is going away. */
  close(): void {
    this.bootFlags.cancel();
    for (const sid of [...this.sessions.keys()]) this.dropSession(sid);
  }

  private dispatch(datagram: Buffer, remote: Remote | undefined): Buffer[] {
    this.expireSessions();
    const packet = parsePacket(datagram);
    if (!packet || packet.kind === 'asf') return [];
    if (packet.kind === 'v15') {
      if (packet.sessionId !== 0) return [];
      const request = parseRequest(packet.message);
      if (
        !request ||
        request.netFn !== NetFn.App ||
        request.cmd !== AppCmd.GetChannelAuthCapabilities
      )
        return [];
      return [buildV15(this.preSession(request))];
    }
    switch (packet.payloadType) {
      case PayloadType.Ipmi:
        if (packet.sessionId === 0) {
          if (packet.authenticated || packet.encrypted) return [];
          const request = parseRequest(packet.payload);
          if (!request || request.netFn !== NetFn.App) return [];
          if (
            request.cmd !== AppCmd.GetChannelAuthCapabilities &&
            request.cmd !== AppCmd.GetChannelCipherSuites
          )
            return [];
          return [
            buildV20({
              payloadType: PayloadType.Ipmi,
              sessionId: 0,
              sequence: 0,
              payload: this.preSession(request),
              encrypted: false,
            }),
          ];
        }
        return this.inSession(packet.sessionId, packet, remote);
      case PayloadType.Sol:
        return this.solFromConsole(packet, remote);
      case PayloadType.OpenSessionRequest:
        return this.openSession(packet.payload);
      case PayloadType.Rakp1:
        return this.rakp1(packet.payload);
      case PayloadType.Rakp3:
        return this.rakp3(packet.payload);
      default:
        return [];
    }
  }

  private preSession(request: IpmiRequest): Buffer {
    if (request.cmd === AppCmd.GetChannelCipherSuites) {
      return buildResponse(request, Completion.Ok, cipherSuiteRecords(request.data));
    }
    return buildResponse(request, Completion.Ok, CHANNEL_AUTH_CAPABILITIES);
  }

  private openSession(payload: Buffer): Buffer[] {
    if (payload.length < 32) return [];
    const tag = payload[0]!;
    const requested = payload[1]! & 0x0f;
    const consoleSid = payload.readUInt32LE(4);
    const auth = payload[12]! & 0x3f;
    const integrity = payload[20]! & 0x3f;
    const confidentiality = payload[28]! & 0x3f;
    const reply = (status: number, bmcSid = 0, maxPriv = 0) => {
      const body = Buffer.alloc(status === RmcpStatus.Ok ? 36 : 8);
      body[0] = tag;
      body[1] = status;
      body[2] = maxPriv;
      body.writeUInt32LE(consoleSid, 4);
      if (status === RmcpStatus.Ok) {
        body.writeUInt32LE(bmcSid, 8);
        Buffer.from([0x00, 0, 0, 0x08, auth, 0, 0, 0]).copy(body, 12);
        Buffer.from([0x01, 0, 0, 0x08, integrity, 0, 0, 0]).copy(body, 20);
        Buffer.from([0x02, 0, 0, 0x08, confidentiality, 0, 0, 0]).copy(body, 28);
      }
      return [
        buildV20({
          payloadType: PayloadType.OpenSessionResponse,
          sessionId: 0,
          sequence: 0,
          payload: body,
          encrypted: false,
        }),
      ];
    };
    if (
      auth !== SUITE_3.auth ||
      integrity !== SUITE_3.integrity ||
      confidentiality !== SUITE_3.confidentiality
    ) {
      return reply(RmcpStatus.NoCipherSuiteMatch);
    }
    if (requested > Privilege.Administrator) return reply(RmcpStatus.InvalidRole);
    if (this.sessions.size >= MAX_SESSIONS) return reply(RmcpStatus.InsufficientResources);
    let bmcSid = 0;
    while (bmcSid === 0 || this.sessions.has(bmcSid)) bmcSid = randomBytes(4).readUInt32LE(0);
    const maxPrivilege = requested === 0 ? Privilege.Administrator : requested;
    this.sessions.set(bmcSid, {
      state: 'opened',
      bmcSid,
      consoleSid,
      maxPrivilege,
      privilege: Privilege.User,
      rm: Buffer.alloc(0),
      rc: Buffer.alloc(0),
      role: 0,
      username: Buffer.alloc(0),
      keys: undefined,
      outSequence: 0,
      lastSeen: this.clock.now(),
      remote: undefined,
      sol: undefined,
    });
    return reply(RmcpStatus.Ok, bmcSid, maxPrivilege);
  }

  private rakp1(payload: Buffer): Buffer[] {
    if (payload.length < 28) return [];
    const tag = payload[0]!;
    const bmcSid = payload.readUInt32LE(4);
    const rm = Buffer.from(payload.subarray(8, 24));
    const role = payload[24]!;
    const nameLength = payload[27]!;
    if (nameLength > 16 || payload.length < 28 + nameLength) return [];
    const username = Buffer.from(payload.subarray(28, 28 + nameLength));
    const session = this.sessions.get(bmcSid);
    const rakp2 = (status: number, consoleSid: number, rest?: Buffer) =>
      rakpReply(PayloadType.Rakp2, tag, status, consoleSid, rest);
    if (!session || session.state !== 'opened') return rakp2(RmcpStatus.InvalidSessionId, 0);
    const { bmc } = this.machine.spec;
    const requested = role & 0x0f;
    if (!username.equals(Buffer.from(bmc.username))) {
      this.sessions.delete(bmcSid);
      return rakp2(RmcpStatus.UnauthorizedName, session.consoleSid);
    }
    if (requested > session.maxPrivilege) {
      this.sessions.delete(bmcSid);
      return rakp2(RmcpStatus.InvalidRole, session.consoleSid);
    }
    const rc = randomBytes(16);
    Object.assign(session, {
      state: 'rakp2-sent',
      rm,
      rc,
      role,
      username,
      lastSeen: this.clock.now(),
    });
    const kuid = Buffer.from(bmc.password);
    const sids = Buffer.alloc(8);
    sids.writeUInt32LE(session.consoleSid, 0);
    sids.writeUInt32LE(bmcSid, 4);
    const authCode = hmacSha1(
      kuid,
      sids,
      rm,
      rc,
      this.guid,
      Buffer.from([role, username.length]),
      username,
    );
    return rakp2(RmcpStatus.Ok, session.consoleSid, Buffer.concat([rc, this.guid, authCode]));
  }

  private rakp3(payload: Buffer): Buffer[] {
    if (payload.length < 8) return [];
    const tag = payload[0]!;
    const bmcSid = payload.readUInt32LE(4);
    const session = this.sessions.get(bmcSid);
    const rakp4 = (status: number, consoleSid: number, icv?: Buffer) =>
      rakpReply(PayloadType.Rakp4, tag, status, consoleSid, icv);
    if (!session || session.state !== 'rakp2-sent') return rakp4(RmcpStatus.InvalidSessionId, 0);
    if (payload[1] !== RmcpStatus.Ok) {
      // The console gave up on our RAKP2 (it could not verify the password): forget the session.
      this.sessions.delete(bmcSid);
      return [];
    }
    const kuid = Buffer.from(this.machine.spec.bmc.password);
    const consoleSid = Buffer.alloc(4);
    consoleSid.writeUInt32LE(session.consoleSid, 0);
    const expected = hmacSha1(
      kuid,
      session.rc,
      consoleSid,
      Buffer.from([session.role, session.username.length]),
      session.username,
    );
    const got = payload.subarray(8, 28);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      this.sessions.delete(bmcSid);
      return rakp4(RmcpStatus.InvalidIntegrityCheck, session.consoleSid);
    }
    const keys = deriveKeys(kuid, session.rm, session.rc, session.role, session.username);
    session.keys = keys;
    session.state = 'active';
    session.privilege = Math.min(Privilege.User, session.maxPrivilege);
    session.lastSeen = this.clock.now();
    const bmcSidBytes = Buffer.alloc(4);
    bmcSidBytes.writeUInt32LE(bmcSid, 0);
    const icv = hmacSha1(keys.sik, session.rm, bmcSidBytes, this.guid).subarray(0, 12);
    return rakp4(RmcpStatus.Ok, session.consoleSid, icv);
  }

  /** The decrypted payload of an authenticated in-session packet, or undefined to drop it. */
  private open(
    packet: V20Packet,
    remote: Remote | undefined,
  ): { session: PendingSession; plain: Buffer } | undefined {
    const session = this.sessions.get(packet.sessionId);
    if (!session || session.state !== 'active' || !session.keys) return undefined;
    // Suite 3 requires integrity and confidentiality on every in-session message.
    if (!packet.authenticated || !packet.encrypted || !packet.signed || !packet.authCode)
      return undefined;
    const expected = hmacSha1(session.keys.k1, packet.signed).subarray(0, 12);
    if (!timingSafeEqual(expected, packet.authCode)) return undefined;
    const plain = decryptPayload(session.keys.aesKey, packet.payload);
    if (!plain) return undefined;
    session.lastSeen = this.clock.now();
    if (remote) session.remote = remote;
    return { session, plain };
  }

  private seal(session: PendingSession, payloadType: number, plain: Buffer): Buffer {
    session.outSequence = (session.outSequence + 1) >>> 0 || 1;
    const keys = session.keys!;
    return buildV20({
      payloadType,
      sessionId: session.consoleSid,
      sequence: session.outSequence,
      payload: encryptPayload(keys.aesKey, plain),
      encrypted: true,
      sign: (signed) => hmacSha1(keys.k1, signed),
    });
  }

  private inSession(bmcSid: number, packet: V20Packet, remote: Remote | undefined): Buffer[] {
    const opened = this.open(packet, remote);
    if (!opened) return [];
    const { session, plain } = opened;
    const request = parseRequest(plain);
    if (!request) return [];
    let closeAfter = false;
    let response: Buffer;
    if (request.netFn === NetFn.App && request.cmd === AppCmd.SetSessionPrivilegeLevel) {
      response = this.setPrivilege(session, request);
    } else if (request.netFn === NetFn.App && request.cmd === AppCmd.CloseSession) {
      const target = request.data.length >= 4 ? request.data.readUInt32LE(0) : -1;
      if (target === bmcSid) {
        closeAfter = true;
        response = buildResponse(request, Completion.Ok);
      } else if (this.sessions.has(target)) {
        this.dropSession(target);
        response = buildResponse(request, Completion.Ok);
      } else {
        response = buildResponse(request, Completion.InvalidSessionId);
      }
    } else if (
      request.netFn === NetFn.App &&
      (request.cmd === AppCmd.GetChannelAuthCapabilities ||
        request.cmd === AppCmd.GetChannelCipherSuites)
    ) {
      response = this.preSession(request);
    } else if (request.netFn === NetFn.App && request.cmd === AppCmd.ActivatePayload) {
      response = this.activateSol(session, request);
    } else if (request.netFn === NetFn.App && request.cmd === AppCmd.DeactivatePayload) {
      response = this.deactivateSol(request);
    } else if (request.netFn === NetFn.App && request.cmd === AppCmd.GetPayloadActivationStatus) {
      const active = [...this.sessions.values()].some((s) => s.sol !== undefined);
      response = buildResponse(
        request,
        Completion.Ok,
        Buffer.from([0x01, active ? 0x01 : 0x00, 0x00]),
      );
    } else if (
      request.netFn === NetFn.Transport &&
      request.cmd === TransportCmd.GetSolConfigurationParameters
    ) {
      response = this.solParameter(request);
    } else {
      const result = handleCommand(
        {
          machine: this.machine,
          bootFlags: this.bootFlags,
          privilege: session.privilege,
          guid: this.guid,
          logger: this.logger,
        },
        request,
      );
      response = buildResponse(request, result.completion, result.data);
    }
    const out = this.seal(session, PayloadType.Ipmi, response);
    if (closeAfter) this.dropSession(bmcSid);
    return [out];
  }

  private activateSol(session: PendingSession, request: IpmiRequest): Buffer {
    if ((request.data[0] ?? 0) !== PayloadType.Sol)
      return buildResponse(request, Completion.InvalidDataField);
    if (session.privilege < Privilege.User) return buildResponse(request, 0xd4);
    if ([...this.sessions.values()].some((s) => s.sol !== undefined)) {
      // Payload already active on another session.
      return buildResponse(request, 0x80);
    }
    session.sol = {
      sequence: 0,
      unsubscribe: this.machine.serial.subscribe((chunk) => this.solOutput(session, chunk)),
    };
    const data = Buffer.alloc(12);
    data.writeUInt16LE(SOL_CHUNK + 4, 4);
    data.writeUInt16LE(SOL_CHUNK + 4, 6);
    data.writeUInt16LE(this.port, 8);
    data.writeUInt16LE(0xffff, 10);
    return buildResponse(request, Completion.Ok, data);
  }

  private deactivateSol(request: IpmiRequest): Buffer {
    const active = [...this.sessions.values()].find((s) => s.sol !== undefined);
    if (!active) return buildResponse(request, 0x80);
    active.sol!.unsubscribe();
    active.sol = undefined;
    return buildResponse(request, Completion.Ok);
  }

  /** Serial output of the machine, cut into SOL packets (sequence 1–15) for the console. */
  private solOutput(session: PendingSession, chunk: string): void {
    const sol = session.sol;
    if (!sol || !session.remote || !this.push || !this.sessions.has(session.bmcSid)) return;
    if (this.machine.faults.bmcUnreachable) return;
    const bytes = Buffer.from(chunk, 'utf8');
    for (let at = 0; at < bytes.length; at += SOL_CHUNK) {
      sol.sequence = (sol.sequence % 15) + 1;
      const packet = Buffer.concat([
        Buffer.from([sol.sequence, 0, 0, 0]),
        bytes.subarray(at, at + SOL_CHUNK),
      ]);
      this.push(this.seal(session, PayloadType.Sol, packet), session.remote);
    }
  }

  /** A SOL packet from the console: acknowledge its characters (keystrokes go nowhere). */
  private solFromConsole(packet: V20Packet, remote: Remote | undefined): Buffer[] {
    const opened = this.open(packet, remote);
    if (!opened || !opened.session.sol) return [];
    const { session, plain } = opened;
    if (plain.length < 4) return [];
    const sequence = plain[0]! & 0x0f;
    if (sequence === 0) return [];
    const accepted = Math.min(255, plain.length - 4);
    return [this.seal(session, PayloadType.Sol, Buffer.from([0, sequence, accepted, 0]))];
  }

  private solParameter(request: IpmiRequest): Buffer {
    const parameter = request.data[1];
    const port = Buffer.alloc(2);
    port.writeUInt16LE(this.port, 0);
    const values: Record<number, Buffer> = {
      0: Buffer.from([0x00]),
      1: Buffer.from([0x01]),
      2: Buffer.from([0xc2]),
      3: Buffer.from([0x0c, 0x60]),
      4: Buffer.from([0x07, 0x32]),
      5: Buffer.from([0x0a]),
      6: Buffer.from([0x0a]),
      7: Buffer.from([0x01]),
      8: port,
    };
    const value = parameter === undefined ? undefined : values[parameter];
    if (!value) return buildResponse(request, Completion.ParameterNotSupported);
    return buildResponse(request, Completion.Ok, Buffer.concat([Buffer.from([0x11]), value]));
  }

  private dropSession(sid: number): void {
    const session = this.sessions.get(sid);
    session?.sol?.unsubscribe();
    this.sessions.delete(sid);
  }

  private setPrivilege(session: PendingSession, request: IpmiRequest): Buffer {
    const wanted = (request.data[0] ?? 0) & 0x0f;
    if (wanted === 0)
      return buildResponse(request, Completion.Ok, Buffer.from([session.privilege]));
    if (wanted > Privilege.Administrator || wanted < Privilege.User)
      return buildResponse(request, Completion.InvalidDataField);
    if (wanted > session.maxPrivilege)
      return buildResponse(request, Completion.PrivilegeExceedsLimit);
    session.privilege = wanted;
    return buildResponse(request, Completion.Ok, Buffer.from([wanted]));
  }

  private expireSessions(): void {
    const now = this.clock.now();
    for (const [sid, session] of this.sessions) {
      const limit = session.state === 'active' ? SESSION_IDLE_MS : HANDSHAKE_TIMEOUT_MS;
      if (now - session.lastSeen > limit) this.dropSession(sid);
    }
  }
}

/** Channel 1, IPMI 2.0 extended capabilities, no anonymous login, IPMI 2.0 supported. */
const CHANNEL_AUTH_CAPABILITIES = Buffer.from([0x01, 0x80, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00]);

/** Only suite 3 is offered, so ipmitool never waits out its fallback timer. */
const CIPHER_RECORDS = Buffer.from([
  0xc0,
  SUITE_3.id,
  0x00 | SUITE_3.auth,
  0x40 | SUITE_3.integrity,
  0x80 | SUITE_3.confidentiality,
]);

function cipherSuiteRecords(data: Buffer): Buffer {
  const index = (data[2] ?? 0) & 0x3f;
  return Buffer.concat([Buffer.from([0x01]), CIPHER_RECORDS.subarray(index * 16, index * 16 + 16)]);
}

/** RAKP message 2 or 4: tag, status, two reserved bytes, the console's session id, then the rest. */
function rakpReply(
  payloadType: (typeof PayloadType)[keyof typeof PayloadType],
  tag: number,
  status: number,
  consoleSid: number,
  rest: Buffer = Buffer.alloc(0),
): Buffer[] {
  const head = Buffer.alloc(8);
  head[0] = tag;
  head[1] = status;
  head.writeUInt32LE(consoleSid, 4);
  return [
    buildV20({
      payloadType,
      sessionId: 0,
      sequence: 0,
      payload: Buffer.concat([head, rest]),
      encrypted: false,
    }),
  ];
}
