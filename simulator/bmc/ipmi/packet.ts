/**
 * RMCP / IPMI session framing (IPMI 2.0 §13.6, §13.8). Parsing never throws: anything that does
 * not fit the format yields undefined and the BMC stays silent, as real BMCs do.
 */
export const RMCP_HEADER = Buffer.from([0x06, 0x00, 0xff, 0x07]);
export const AUTH_TYPE_NONE = 0x00;
export const AUTH_TYPE_RMCP_PLUS = 0x06;
const AUTH_CODE_LENGTH = 12;

export type Packet =
  | { kind: 'v15'; sequence: number; sessionId: number; message: Buffer }
  | {
      kind: 'v20';
      payloadType: number;
      encrypted: boolean;
      authenticated: boolean;
      sessionId: number;
      sequence: number;
      payload: Buffer;
      /** Bytes covered by the integrity check (auth type through next header). */
      signed: Buffer | undefined;
      authCode: Buffer | undefined;
    }
  | { kind: 'asf'; data: Buffer };

export function parsePacket(data: Buffer): Packet | undefined {
  if (data.length < 5 || data[0] !== 0x06 || data[1] !== 0x00) return undefined;
  if (data[3] === 0x06) return { kind: 'asf', data };
  if (data[3] !== 0x07) return undefined;
  const body = data.subarray(4);
  const authType = body[0];
  if (authType === AUTH_TYPE_NONE) {
    if (body.length < 10) return undefined;
    const length = body[9]!;
    if (body.length < 10 + length) return undefined;
    return {
      kind: 'v15',
      sequence: body.readUInt32LE(1),
      sessionId: body.readUInt32LE(5),
      message: body.subarray(10, 10 + length),
    };
  }
  if (authType !== AUTH_TYPE_RMCP_PLUS || body.length < 12) return undefined;
  const typeByte = body[1]!;
  const length = body.readUInt16LE(10);
  if (body.length < 12 + length) return undefined;
  const payload = body.subarray(12, 12 + length);
  const authenticated = (typeByte & 0x40) !== 0;
  let signed: Buffer | undefined;
  let authCode: Buffer | undefined;
  if (authenticated) {
    const pad = (4 - ((12 + length + 2) % 4)) % 4;
    const trailerEnd = 12 + length + pad + 2;
    if (body.length < trailerEnd + AUTH_CODE_LENGTH) return undefined;
    if (body[12 + length + pad] !== pad || body[trailerEnd - 1] !== 0x07) return undefined;
    signed = body.subarray(0, trailerEnd);
    authCode = body.subarray(trailerEnd, trailerEnd + AUTH_CODE_LENGTH);
  }
  return {
    kind: 'v20',
    payloadType: typeByte & 0x3f,
    encrypted: (typeByte & 0x80) !== 0,
    authenticated,
    sessionId: body.readUInt32LE(2),
    sequence: body.readUInt32LE(6),
    payload,
    signed,
    authCode,
  };
}

export function buildV15(message: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header[0] = AUTH_TYPE_NONE;
  header[9] = message.length;
  return Buffer.concat([RMCP_HEADER, header, message]);
}

/**
 * An RMCP+ packet; with `sign`, the integrity pad, pad length, next header and the 12-byte
 * HMAC-SHA1-96 auth code over auth type…next header are appended.
 */
export function buildV20(options: {
  payloadType: number;
  sessionId: number;
  sequence: number;
  payload: Buffer;
  encrypted: boolean;
  sign?: (signed: Buffer) => Buffer;
}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = AUTH_TYPE_RMCP_PLUS;
  header[1] =
    (options.payloadType & 0x3f) | (options.encrypted ? 0x80 : 0) | (options.sign ? 0x40 : 0);
  header.writeUInt32LE(options.sessionId >>> 0, 2);
  header.writeUInt32LE(options.sequence >>> 0, 6);
  header.writeUInt16LE(options.payload.length, 10);
  let body = Buffer.concat([header, options.payload]);
  if (options.sign) {
    const pad = (4 - ((body.length + 2) % 4)) % 4;
    body = Buffer.concat([body, Buffer.alloc(pad, 0xff), Buffer.from([pad, 0x07])]);
    body = Buffer.concat([body, options.sign(body).subarray(0, AUTH_CODE_LENGTH)]);
  }
  return Buffer.concat([RMCP_HEADER, body]);
}

export interface IpmiRequest {
  netFn: number;
  lun: number;
  rqAddr: number;
  rqSeq: number;
  rqLun: number;
  cmd: number;
  data: Buffer;
}

function checksum(bytes: Buffer): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** An IPMI LAN request message; undefined when too short or a checksum is wrong. */
export function parseRequest(message: Buffer): IpmiRequest | undefined {
  if (message.length < 7) return undefined;
  if (checksum(message.subarray(0, 2)) !== message[2]) return undefined;
  if (checksum(message.subarray(3, message.length - 1)) !== message[message.length - 1])
    return undefined;
  return {
    netFn: message[1]! >> 2,
    lun: message[1]! & 0x03,
    rqAddr: message[3]!,
    rqSeq: message[4]! >> 2,
    rqLun: message[4]! & 0x03,
    cmd: message[5]!,
    data: message.subarray(6, message.length - 1),
  };
}

/** The response to `request`: addresses swapped, netFn + 1, completion code first. */
export function buildResponse(
  request: IpmiRequest,
  completion: number,
  data: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.from([request.rqAddr, ((request.netFn | 1) << 2) | request.rqLun]);
  const body = Buffer.concat([
    Buffer.from([0x20, (request.rqSeq << 2) | request.lun, request.cmd, completion]),
    data,
  ]);
  return Buffer.concat([head, Buffer.from([checksum(head)]), body, Buffer.from([checksum(body)])]);
}
