/**
 * RMCP, IPMI 1.5/2.0 session headers and IPMI LAN messages (IPMI 2.0 §13.6–13.8), as a console
 * writes requests and reads responses. Parsers never throw: a datagram that does not fit is
 * ignored (undefined), as a stray or corrupted packet should be.
 */
const RMCP_IPMI = Buffer.from([0x06, 0x00, 0xff, 0x07]);
const AUTH_NONE = 0x00;
const AUTH_RMCP_PLUS = 0x06;
const AUTH_CODE_LENGTH = 12;
/** The BMC's responder address and our software ID as requester. */
const BMC_ADDRESS = 0x20;
const SOFTWARE_ID = 0x81;

export type Datagram =
  | { format: 'v15'; sessionId: number; message: Buffer }
  | {
      format: 'v20';
      payloadType: number;
      encrypted: boolean;
      sessionId: number;
      sequence: number;
      payload: Buffer;
      /** Present when authenticated: the bytes the AuthCode covers, and the AuthCode. */
      integrity?: { signed: Buffer; authCode: Buffer };
    };

export function parseDatagram(data: Buffer): Datagram | undefined {
  if (data.length < 5 || !data.subarray(0, 4).equals(RMCP_IPMI)) return undefined;
  const body = data.subarray(4);
  if (body[0] === AUTH_NONE) {
    if (body.length < 10) return undefined;
    const length = body[9]!;
    if (body.length < 10 + length) return undefined;
    return {
      format: 'v15',
      sessionId: body.readUInt32LE(5),
      message: body.subarray(10, 10 + length),
    };
  }
  if (body[0] !== AUTH_RMCP_PLUS || body.length < 12) return undefined;
  const typeByte = body[1]!;
  const length = body.readUInt16LE(10);
  if (body.length < 12 + length) return undefined;
  const datagram: Datagram = {
    format: 'v20',
    payloadType: typeByte & 0x3f,
    encrypted: (typeByte & 0x80) !== 0,
    sessionId: body.readUInt32LE(2),
    sequence: body.readUInt32LE(6),
    payload: body.subarray(12, 12 + length),
  };
  if ((typeByte & 0x40) !== 0) {
    const pad = (4 - ((12 + length + 2) % 4)) % 4;
    const end = 12 + length + pad + 2;
    if (body.length < end + AUTH_CODE_LENGTH || body[end - 1] !== 0x07) return undefined;
    datagram.integrity = {
      signed: body.subarray(0, end),
      authCode: body.subarray(end, end + AUTH_CODE_LENGTH),
    };
  }
  return datagram;
}

/** A pre-session IPMI 1.5 packet (auth type none, session 0), as Get Channel Auth Caps uses. */
export function frameV15(message: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header[0] = AUTH_NONE;
  header[9] = message.length;
  return Buffer.concat([RMCP_IPMI, header, message]);
}

/**
 * An RMCP+ packet. With `sign`, the integrity pad (0xFF to a 4-byte boundary), pad length, next
 * header 0x07 and the first 12 bytes of `sign(auth type … next header)` are appended.
 */
export function frameV20(p: {
  payloadType: number;
  sessionId: number;
  sequence: number;
  payload: Buffer;
  encrypted?: boolean;
  sign?: (signed: Buffer) => Buffer;
}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = AUTH_RMCP_PLUS;
  header[1] = (p.payloadType & 0x3f) | (p.encrypted ? 0x80 : 0) | (p.sign ? 0x40 : 0);
  header.writeUInt32LE(p.sessionId >>> 0, 2);
  header.writeUInt32LE(p.sequence >>> 0, 6);
  header.writeUInt16LE(p.payload.length, 10);
  let body = Buffer.concat([header, p.payload]);
  if (p.sign) {
    const pad = (4 - ((body.length + 2) % 4)) % 4;
    body = Buffer.concat([body, Buffer.alloc(pad, 0xff), Buffer.from([pad, 0x07])]);
    body = Buffer.concat([body, p.sign(body).subarray(0, AUTH_CODE_LENGTH)]);
  }
  return Buffer.concat([RMCP_IPMI, body]);
}

function checksum(bytes: Buffer): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** An IPMI LAN request to the BMC: rsAddr, netFn/LUN, checksum, rqAddr, rqSeq, cmd, data, checksum. */
export function encodeRequest(netFn: number, cmd: number, rqSeq: number, data: Buffer): Buffer {
  const head = Buffer.from([BMC_ADDRESS, (netFn << 2) & 0xfc]);
  const body = Buffer.concat([Buffer.from([SOFTWARE_ID, (rqSeq << 2) & 0xfc, cmd]), data]);
  return Buffer.concat([head, Buffer.from([checksum(head)]), body, Buffer.from([checksum(body)])]);
}

export interface IpmiResponse {
  netFn: number;
  rqSeq: number;
  cmd: number;
  completion: number;
  data: Buffer;
}

/** A BMC response message; undefined when too short or a checksum is wrong. */
export function decodeResponse(message: Buffer): IpmiResponse | undefined {
  if (message.length < 8) return undefined;
  if (checksum(message.subarray(0, 2)) !== message[2]) return undefined;
  if (checksum(message.subarray(3, message.length - 1)) !== message[message.length - 1]) {
    return undefined;
  }
  return {
    netFn: message[1]! >> 2,
    rqSeq: message[4]! >> 2,
    cmd: message[5]!,
    completion: message[6]!,
    data: message.subarray(7, message.length - 1),
  };
}
