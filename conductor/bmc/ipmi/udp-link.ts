import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { type Datagram, parseDatagram } from './framing';
import { IpmiError } from './errors';

export interface RetryPolicy {
  /** How long one attempt waits for the answer, ms (ipmitool's lanplus default is 1 s). */
  attemptTimeoutMs: number;
  /** Attempts per message before giving up. */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attemptTimeoutMs: 1_000, attempts: 4 };

interface Waiter {
  accept: (d: Datagram) => boolean;
  resolve: (d: Datagram) => void;
  reject: (e: Error) => void;
}

/**
 * One UDP socket connected to one BMC, sending a message and waiting for the datagram that
 * answers it, resending on silence. The retransmission timer is real time on purpose, not the
 * conductor's Clock: it guards a datagram on a real network, whose loss has nothing to do with
 * simulated time (a FakeClock that never advances would otherwise wait forever for a lost packet,
 * and a fast ScaledClock would give up before the loopback answer could arrive).
 */
export class UdpLink {
  private waiter: Waiter | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly where: string,
    private readonly retry: RetryPolicy,
  ) {
    socket.on('message', (data) => {
      const datagram = parseDatagram(data);
      const w = this.waiter;
      if (!datagram || !w || !w.accept(datagram)) return;
      this.waiter = undefined;
      w.resolve(datagram);
    });
    socket.on('error', (err) => {
      // ICMP port unreachable and the like: fail the exchange now rather than after the retries.
      const refused = (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      this.failure = new IpmiError(
        refused
          ? `Nothing answers IPMI at ${where}: the host refused the UDP port`
          : `IPMI connection to ${where} failed: ${err.message}`,
      );
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(this.failure);
    });
  }

  static async connect(host: string, port: number, retry: RetryPolicy): Promise<UdpLink> {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        // Node hands a failed name lookup to this callback, not to the 'error' event.
        socket.connect(port, host, (err?: Error) => {
          socket.off('error', reject);
          if (err) reject(err);
          else resolve();
        });
      });
    } catch (err) {
      socket.close();
      throw new IpmiError(`Cannot reach the IPMI BMC at ${where}: ${(err as Error).message}`);
    }
    return new UdpLink(socket, where, retry);
  }

  /**
   * Sends `build()` (rebuilt on each attempt, so session sequence numbers move on) until a
   * datagram passes `accept`; a readable timeout error after the last attempt.
   */
  async exchange<T>(
    what: string,
    build: () => Buffer,
    accept: (d: Datagram) => T | undefined,
    attempts = this.retry.attempts,
  ): Promise<T> {
    if (this.failure) throw this.failure;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let result: T | undefined;
      const got = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve(false);
        }, this.retry.attemptTimeoutMs);
        this.waiter = {
          accept: (d) => {
            result = accept(d);
            return result !== undefined;
          },
          resolve: () => {
            clearTimeout(timer);
            resolve(true);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        this.socket.send(build(), (err) => {
          if (!err) return;
          clearTimeout(timer);
          this.waiter = undefined;
          reject(new IpmiError(`IPMI ${what} to ${this.where} not sent: ${err.message}`));
        });
      });
      if (got) return result as T;
    }
    const seconds = (attempts * this.retry.attemptTimeoutMs) / 1000;
    throw new IpmiError(
      `IPMI ${what}: no answer from the BMC at ${this.where} after ${attempts} attempts (${seconds} s)`,
      undefined,
      true,
    );
  }

  /** Sends without waiting for an answer (best-effort messages such as a failed RAKP 3). */
  sendOnly(datagram: Buffer): void {
    this.socket.send(datagram, () => undefined);
  }

  close(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(new IpmiError(`IPMI link to ${this.where} closed`));
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}
