import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock, Logger } from '../../lib';
import type { Host } from '../host';
import { parseIpAddr } from '../inventory/parsers';
import { LookupAgentIPError } from './errors';

export interface AdvertiseAddressOptions {
  host: Host;
  clock: Clock;
  logger: Logger;
  apiUrls: readonly string[];
  networkInterface: string | null;
  attempts: number;
  sleepS: number;
  signal?: AbortSignal;
  resolve?: (hostname: string) => Promise<string>;
}

/**
 * The address Ironic should call back (IPA's advertise-host discovery): the IPv4 of
 * `network_interface` if set, else the source address of the route towards each Ironic API
 * (`ip route get`), ignoring link-local sources; retried `ip_lookup_attempts` times.
 * Unlike IPA there is no reachability probe of the API first.
 */
export async function discoverAdvertiseAddress(options: AdvertiseAddressOptions): Promise<string> {
  const resolve = options.resolve ?? defaultResolve;
  for (let attempt = 1; attempt <= Math.max(1, options.attempts); attempt++) {
    if (options.networkInterface) {
      const ip = await interfaceIpv4(options, options.networkInterface);
      if (ip) return ip;
    } else {
      for (const url of options.apiUrls) {
        let target: string;
        try {
          const hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
          target = isIP(hostname) ? hostname : await resolve(hostname);
        } catch (err) {
          options.logger.warn({ url, err: String(err) }, 'cannot resolve Ironic API host');
          continue;
        }
        const src = await routeSource(options, target);
        if (src) return src;
      }
    }
    if (attempt < options.attempts)
      await options.clock.sleep(options.sleepS * 1000, options.signal);
  }
  throw new LookupAgentIPError(
    options.networkInterface
      ? `no IPv4 address on interface ${options.networkInterface}`
      : 'cannot find an IP address to advertise to Ironic (no route to any API URL)',
  );
}

async function routeSource(
  options: AdvertiseAddressOptions,
  target: string,
): Promise<string | null> {
  try {
    const out = await options.host.run('ip', ['route', 'get', target], {
      timeoutMs: 10_000,
      signal: options.signal,
    });
    if (out.exitCode !== 0) return null;
    const m = /\bsrc\s+(\S+)/.exec(out.stdout);
    const src = m?.[1];
    if (!src || isLinkLocal(src)) return null;
    return src;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return null;
  }
}

async function interfaceIpv4(
  options: AdvertiseAddressOptions,
  name: string,
): Promise<string | null> {
  try {
    const out = await options.host.run('ip', ['-j', 'addr', 'show', 'dev', name], {
      timeoutMs: 10_000,
      signal: options.signal,
    });
    if (out.exitCode !== 0) return null;
    return parseIpAddr(out.stdout).get(name)?.ipv4 ?? null;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return null;
  }
}

function isLinkLocal(ip: string): boolean {
  return ip.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/i.test(ip);
}

async function defaultResolve(hostname: string): Promise<string> {
  return (await dnsLookup(hostname)).address;
}
