import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { completionText, rmcpStatusText } from './codes';
import { decrypt, encrypt, hmacSha1, sessionKeys } from './crypto';
import { chassisPowerOn, getBootDevice, setBootDevice } from './chassis';
import { completionError, IpmiError } from './errors';
import { decodeResponse, encodeRequest, frameV15, frameV20, parseDatagram } from './framing';
import type { IpmiCommander } from './session';
import { IpmiSession } from './session';

describe('cipher suite 3 crypto', () => {
  it('derives SIK, K1 and the AES key as the specification says (values from Python hmac)', () => {
    const keys = sessionKeys(
      Buffer.from('secret-pw'),
      Buffer.from(Array.from({ length: 16 }, (_, i) => i)),
      Buffer.from(Array.from({ length: 16 }, (_, i) => i + 16)),
      0x14,
      Buffer.from('admin'),
    );
    expect(keys.sik.toString('hex')).toBe('4663ead5f8ac5f8b1df24aad44590e53891ab633');
    expect(keys.k1.toString('hex')).toBe('330dba372f7a7badfa65e0ebaec263c6d63b06ce');
    expect(keys.aesKey.toString('hex')).toBe('b53ee6a9b40934865b502b298192aa91');
  });

  it('pads with 1, 2, 3… and the pad length, as AES-CBC-128 payloads must be', () => {
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const sealed = encrypt(key, Buffer.from('hello'), Buffer.alloc(16));
    // IV, then one block; the ciphertext is Python cryptography's for the same padded block.
    expect(sealed.subarray(16).toString('hex')).toBe('542e5203c1ac0d3f3f9d8e03a783efe6');
    expect(decrypt(key, sealed)?.toString()).toBe('hello');
    for (const length of [0, 14, 15, 16, 31, 100]) {
      const plain = Buffer.alloc(length, 0x5a);
      const out = encrypt(key, plain);
      expect((out.length - 16) % 16).toBe(0);
      expect(decrypt(key, out)).toEqual(plain);
    }
    expect(decrypt(key, Buffer.alloc(20))).toBeUndefined();
  });
});

describe('RMCP / IPMI framing', () => {
  it('writes a request message with both checksums and reads the response back', () => {
    const request = encodeRequest(0x00, 0x02, 5, Buffer.from([0x01]));
    // rsAddr 0x20, netFn chassis, checksum, rqAddr 0x81, rqSeq 5, cmd, data, checksum.
    expect([...request]).toEqual([0x20, 0x00, 0xe0, 0x81, 0x14, 0x02, 0x01, 0x68]);
    const response = Buffer.from([0x81, 0x04, 0x7b, 0x20, 0x14, 0x02, 0xd4, 0x00]);
    let sum = 0;
    for (const b of response.subarray(3, 7)) sum += b;
    response[7] = (0x100 - (sum & 0xff)) & 0xff;
    expect(decodeResponse(response)).toMatchObject({
      netFn: 0x01,
      rqSeq: 5,
      cmd: 0x02,
      completion: 0xd4,
    });
    response[7] ^= 0xff;
    expect(decodeResponse(response)).toBeUndefined();
  });

  it('frames IPMI 1.5 and signed RMCP+ packets that parse back, integrity pad included', () => {
    const v15 = parseDatagram(frameV15(Buffer.from([1, 2, 3])));
    expect(v15).toEqual({ format: 'v15', sessionId: 0, message: Buffer.from([1, 2, 3]) });
    const k1 = Buffer.alloc(20, 7);
    for (const size of [1, 2, 3, 4, 16, 33]) {
      const packet = frameV20({
        payloadType: 0,
        sessionId: 0xa0a2a3a4,
        sequence: 9,
        payload: Buffer.alloc(size, 1),
        encrypted: true,
        sign: (signed) => hmacSha1(k1, signed),
      });
      const parsed = parseDatagram(packet);
      if (parsed?.format !== 'v20' || !parsed.integrity) throw new Error('not signed RMCP+');
      // Auth type through next header is a multiple of 4 bytes.
      expect(parsed.integrity.signed.length % 4).toBe(0);
      expect(parsed.integrity.authCode).toEqual(
        hmacSha1(k1, parsed.integrity.signed).subarray(0, 12),
      );
      expect(parsed).toMatchObject({ sessionId: 0xa0a2a3a4, sequence: 9, encrypted: true });
    }
    expect(parseDatagram(Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00]))).toBeUndefined();
    expect(parseDatagram(Buffer.from([0x06, 0x00, 0xff, 0x07, 0x06, 0x00]))).toBeUndefined();
  });
});

describe('completion codes', () => {
  it('reads as the specification names them', () => {
    expect(completionText(0xd4)).toBe('Insufficient privilege level (0xd4)');
    expect(completionText(0xc0)).toBe('Node busy (0xc0)');
    expect(completionText(0x81)).toBe('Command-specific error (0x81)');
    expect(rmcpStatusText(0x0d)).toBe('Unauthorized name (0x0d)');
    expect(completionError('Chassis Control (power on)', 0xc1).message).toBe(
      'IPMI Chassis Control (power on) failed: Invalid command (0xc1)',
    );
  });
});

/** A commander answering from a script, to check what the chassis helpers send and decode. */
function scripted(answers: ((data: Buffer) => Buffer)[]) {
  const sent: { cmd: number; data: number[] }[] = [];
  const commander: IpmiCommander = {
    command(what, _netFn, cmd, data = []) {
      const bytes = Buffer.from(data);
      sent.push({ cmd, data: [...bytes] });
      const answer = answers.shift();
      if (!answer) return Promise.reject(new Error(`unexpected ${what}`));
      return new Promise((resolve) => resolve(answer(bytes)));
    },
  };
  return { commander, sent };
}

describe('chassis commands', () => {
  it('sets a persistent EFI PXE boot after keeping the flag past 60 s, as Ironic does', async () => {
    const { commander, sent } = scripted([() => Buffer.alloc(0), () => Buffer.alloc(0)]);
    await setBootDevice(commander, { device: 'pxe', persistent: true, efi: true });
    expect(sent).toEqual([
      { cmd: 0x08, data: [0x03, 0x08] },
      { cmd: 0x08, data: [0x05, 0xe0, 0x04, 0, 0, 0] },
    ]);
  });

  it('tolerates a BMC refusing parameter 3 but not one refusing the boot flags', async () => {
    const refuse = () => {
      throw completionError('Set System Boot Options', 0x80);
    };
    const ok = scripted([refuse, () => Buffer.alloc(0)]);
    await setBootDevice(ok.commander, { device: 'cdrom', persistent: false, efi: false });
    expect(ok.sent[1]!.data).toEqual([0x05, 0x80, 0x14, 0, 0, 0]);
    const bad = scripted([() => Buffer.alloc(0), refuse]);
    await expect(
      setBootDevice(bad.commander, { device: 'bios', persistent: false, efi: false }),
    ).rejects.toThrow(/Command-specific error \(0x80\)/);
  });

  it('decodes the boot flags and the chassis power bit', async () => {
    const { commander } = scripted([
      () => Buffer.from([0x01, 0x05, 0xc0, 0x08, 0, 0, 0]),
      () => Buffer.from([0x01, 0x05, 0x00, 0x00, 0, 0, 0]),
      () => Buffer.from([0x41, 0x10, 0x00, 0x00]),
    ]);
    expect(await getBootDevice(commander)).toEqual({
      device: 'disk',
      persistent: true,
      efi: false,
    });
    expect((await getBootDevice(commander)).device).toBeNull();
    expect(await chassisPowerOn(commander)).toBe(true);
  });
});

describe('a BMC that does not answer', () => {
  let silent: Socket | undefined;
  afterEach(() => {
    silent?.close();
    silent = undefined;
  });

  it('fails with a readable timeout after the retries', async () => {
    silent = createSocket('udp4');
    let received = 0;
    silent.on('message', () => received++);
    await new Promise<void>((resolve) => silent!.bind(0, '127.0.0.1', resolve));
    const port = silent.address().port;
    const error = await IpmiSession.open(
      { host: '127.0.0.1', port, username: 'admin', password: 'pw', privilege: 4 },
      { attemptTimeoutMs: 40, attempts: 3 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpmiError);
    expect((error as Error).message).toBe(
      `IPMI Get Channel Authentication Capabilities: no answer from the BMC at 127.0.0.1:${port} after 3 attempts (0.12 s)`,
    );
    expect(received).toBe(3);
  });

  it('fails at once when the host refuses the port', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const started = Date.now();
    await expect(
      IpmiSession.open(
        { host: '127.0.0.1', port, username: 'admin', password: 'pw', privilege: 4 },
        { attemptTimeoutMs: 5_000, attempts: 3 },
      ),
    ).rejects.toThrow(`Nothing answers IPMI at 127.0.0.1:${port}: the host refused the UDP port`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
