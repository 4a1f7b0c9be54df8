import { describe, expect, it } from 'vitest';
import { freeHostPort, guestUrl } from './guest-network';

describe('guestUrl', () => {
  it('points loopback at the host as QEMU user networking shows it', () => {
    expect(guestUrl('http://127.0.0.1:6385')).toBe('http://10.0.2.2:6385');
    expect(guestUrl('http://localhost:6385/')).toBe('http://10.0.2.2:6385');
    expect(guestUrl('https://[::1]:6385/v1')).toBe('https://10.0.2.2:6385/v1');
    expect(guestUrl('http://ironic.example:6385')).toBe('http://ironic.example:6385');
  });

  it('finds a free host port', async () => {
    const port = await freeHostPort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });
});
