import { createServer } from 'node:net';

/** Where QEMU's user network puts the host: the guest reaches the host's loopback here. */
export const HOST_FROM_GUEST = '10.0.2.2';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);

/** The URL as the guest must write it: loopback addresses become the host's user-net address. */
export function guestUrl(url: string): string {
  const parsed = new URL(url);
  if (LOOPBACK.has(parsed.hostname) || parsed.hostname.startsWith('127.')) {
    parsed.hostname = HOST_FROM_GUEST;
  }
  return parsed.toString().replace(/\/+$/, '');
}

/** A TCP port free on the host's loopback right now, for a forward into the guest. */
export function freeHostPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
