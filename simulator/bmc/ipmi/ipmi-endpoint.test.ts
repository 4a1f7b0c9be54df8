import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { testMachine } from '../../testing/machines';
import { MAX_SESSIONS, IpmiEndpoint, SESSION_IDLE_MS } from './ipmi-endpoint';
import { buildV15, buildV20, parsePacket } from './packet';

function openRequest(consoleSid: number, auth = 1, integrity = 1, conf = 1): Buffer {
  const p = Buffer.alloc(32);
  p[0] = 7;
  p.writeUInt32LE(consoleSid, 4);
  Buffer.from([0x00, 0, 0, 0x08, auth, 0, 0, 0]).copy(p, 8);
  Buffer.from([0x01, 0, 0, 0x08, integrity, 0, 0, 0]).copy(p, 16);
  Buffer.from([0x02, 0, 0, 0x08, conf, 0, 0, 0]).copy(p, 24);
  return buildV20({ payloadType: 0x10, sessionId: 0, sequence: 0, payload: p, encrypted: false });
}

describe('IpmiEndpoint robustness', () => {
  it('ignores garbage, truncated and out-of-order packets without throwing', () => {
    const clock = new FakeClock();
    const endpoint = new IpmiEndpoint(testMachine('small-vm', clock), clock);
    for (let i = 0; i < 500; i++) expect(endpoint.handle(randomBytes(i % 80))).toEqual([]);
    const open = openRequest(0xa0a2a3a4);
    for (let cut = 0; cut < open.length; cut++) endpoint.handle(open.subarray(0, cut));
    // RAKP3 for a session that never existed gets a status, not a crash.
    const rakp3 = buildV20({
      payloadType: 0x14,
      sessionId: 0,
      sequence: 0,
      payload: Buffer.alloc(28),
      encrypted: false,
    });
    const [reply] = endpoint.handle(rakp3);
    const parsed = parsePacket(reply!);
    expect(parsed?.kind === 'v20' && parsed.payloadType).toBe(0x15);
    expect(parsed?.kind === 'v20' && parsed.payload[1]).toBe(0x02);
    // A v1.5 message other than Get Channel Auth Capabilities is ignored.
    expect(
      endpoint.handle(buildV15(Buffer.from([0x20, 0x18, 0xc8, 0x81, 0x04, 0x01, 0x7a]))),
    ).toEqual([]);
  });

  it('refuses cipher suites other than 3 and caps the number of sessions', () => {
    const clock = new FakeClock();
    const endpoint = new IpmiEndpoint(testMachine('small-vm', clock), clock);
    const [refused] = endpoint.handle(openRequest(1, 3, 4, 1));
    const parsed = parsePacket(refused!);
    expect(parsed?.kind === 'v20' && parsed.payload[1]).toBe(0x11);
    for (let i = 0; i < MAX_SESSIONS; i++) endpoint.handle(openRequest(100 + i));
    expect(endpoint.sessionCount).toBe(MAX_SESSIONS);
    const [full] = endpoint.handle(openRequest(999));
    const fullParsed = parsePacket(full!);
    expect(fullParsed?.kind === 'v20' && fullParsed.payload[1]).toBe(0x01);
  });

  it('forgets idle sessions on the clock', async () => {
    const clock = new FakeClock();
    const endpoint = new IpmiEndpoint(testMachine('small-vm', clock), clock);
    endpoint.handle(openRequest(5));
    expect(endpoint.sessionCount).toBe(1);
    await clock.advance(SESSION_IDLE_MS + 1);
    endpoint.handle(Buffer.alloc(0));
    expect(endpoint.sessionCount).toBe(0);
  });
});
