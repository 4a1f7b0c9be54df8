import { type Socket, createSocket } from 'node:dgram';
import type { Clock, Logger } from '../../../lib';
import type { Machine } from '../../machine';
import { IpmiEndpoint } from './ipmi-endpoint';

export interface IpmiBmcOptions {
  machine: Machine;
  clock: Clock;
  host?: string;
  /** UDP port; 0 picks a free one. */
  port?: number;
  logger?: Logger;
}

/** One machine's IPMI-over-LAN BMC on its own UDP port, as virtualbmc gives each VM a port. */
export class IpmiBmc {
  readonly endpoint: IpmiEndpoint;
  private socket: Socket | undefined;
  private boundPort: number | undefined;

  constructor(private readonly options: IpmiBmcOptions) {
    this.endpoint = new IpmiEndpoint(options.machine, options.clock, options.logger);
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the IPMI BMC is not started');
    return this.boundPort;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const socket = createSocket({ type: this.host.includes(':') ? 'udp6' : 'udp4' });
    this.endpoint.push = (datagram, remote) => {
      socket.send(datagram, remote.port, remote.address, (error) => {
        if (error) this.options.logger?.debug({ err: error }, 'ipmi SOL packet not sent');
      });
    };
    socket.on('message', (datagram, remote) => {
      for (const reply of this.endpoint.handle(datagram, remote)) {
        socket.send(reply, remote.port, remote.address, (error) => {
          if (error) this.options.logger?.debug({ err: error }, 'ipmi reply not sent');
        });
      }
    });
    socket.on('error', (error) =>
      this.options.logger?.warn(
        { err: error, machine: this.options.machine.id },
        'ipmi socket error',
      ),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? 0, this.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    this.boundPort = socket.address().port;
    this.endpoint.port = this.boundPort;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.boundPort = undefined;
    this.endpoint.close();
    this.endpoint.push = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
