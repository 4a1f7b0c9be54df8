import { type Dispatcher, Agent as UndiciAgent } from 'undici';
import type { Logger } from '../../lib';
import type { AgentConfig } from '../config/agent-config';
import type { Host } from '../host';
import { tlsPolicy } from './tls-options';

/**
 * The dispatcher for every outgoing request (Ironic, inspection): `insecure` turns off
 * verification, `cafile` adds a CA, `certfile` + `keyfile` present a client certificate (one
 * without the other is ignored with a warning, as IPA does). Files are read through the Host,
 * whose network (a simulated machine's) sees every request.
 */
export async function createClientDispatcher(
  host: Host,
  config: Pick<
    AgentConfig,
    'insecure' | 'cafile' | 'certfile' | 'keyfile' | 'tls_min_version' | 'tls_cipher_suites'
  >,
  logger: Logger,
): Promise<Dispatcher> {
  const policy = tlsPolicy(config.tls_min_version, config.tls_cipher_suites);
  const connect: Record<string, unknown> = {
    rejectUnauthorized: !config.insecure,
    minVersion: policy.minVersion,
    ciphers: policy.ciphers,
  };
  if (config.insecure) logger.warn('insecure: TLS certificates of Ironic are not verified');
  if (config.cafile) connect.ca = await host.readFile(config.cafile);
  if (config.certfile && config.keyfile) {
    connect.cert = await host.readFile(config.certfile);
    connect.key = await host.readFile(config.keyfile);
  } else if (config.certfile || config.keyfile) {
    logger.warn(
      `${config.certfile ? 'certfile' : 'keyfile'} is set without ${config.certfile ? 'keyfile' : 'certfile'}; no client certificate is used`,
    );
  }
  const agent = new UndiciAgent({ connect, connections: 2 });
  return host.httpInterceptor ? agent.compose(host.httpInterceptor) : agent;
}
