import { createServer } from 'node:net';

/**
 * A TCP port the kernel just handed out on `host`. Real Ironic takes its API port from its
 * configuration file, so it cannot bind port 0 itself; the tiny window between closing this
 * probe and Ironic binding the port is acceptable on loopback.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
