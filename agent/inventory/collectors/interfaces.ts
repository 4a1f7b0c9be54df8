import type { NetworkInterface } from '../../../protocol';
import { HostError } from '../../host';
import { type IpLinkInfo, parseIpAddr } from '../parsers';
import {
  type CollectorContext,
  basename,
  listOptional,
  readLinkOptional,
  readTrimmed,
  runOptional,
} from './context';

const NET = '/sys/class/net';

/**
 * Physical NICs (those with a `device` link) as IPA lists them. MACs beginning `fa:` (OpenStack
 * Neutron ports, e.g. nested virtualisation) and interfaces without a MAC are left out.
 */
export async function collectInterfaces(ctx: CollectorContext): Promise<NetworkInterface[]> {
  const names = (await listOptional(ctx, NET)).sort(naturalCompare);
  const ipText = await runOptional(ctx, 'ip', ['-j', 'addr']);
  let links = new Map<string, IpLinkInfo>();
  if (ipText) {
    try {
      links = parseIpAddr(ipText);
    } catch (err) {
      ctx.logger?.warn({ err: String(err) }, 'cannot parse ip -j addr; no IP addresses listed');
    }
  }
  const biosdevname = new BiosDevName(ctx);
  const out: NetworkInterface[] = [];
  for (const name of names) {
    const base = `${NET}/${name}`;
    const device = await readLinkOptional(ctx, `${base}/device`);
    if (device === null) continue;
    const link = links.get(name);
    const mac = (
      link?.permanentAddress ??
      link?.address ??
      (await readTrimmed(ctx, `${base}/address`)) ??
      ''
    ).toLowerCase();
    if (mac === '' || mac.startsWith('fa:') || mac === '00:00:00:00:00:00') continue;
    const driver = await readLinkOptional(ctx, `${base}/device/driver`);
    const speed = Number(await readTrimmed(ctx, `${base}/speed`));
    out.push({
      name,
      mac_address: mac,
      ipv4_address: link?.ipv4 ?? null,
      ipv6_address: link?.ipv6 ?? null,
      has_carrier: (await readTrimmed(ctx, `${base}/carrier`)) === '1',
      lldp: null,
      vendor: await readTrimmed(ctx, `${base}/device/vendor`),
      product: await readTrimmed(ctx, `${base}/device/device`),
      client_id: null,
      biosdevname: await biosdevname.lookup(name),
      speed_mbps: Number.isInteger(speed) && speed > 0 ? speed : null,
      pci_address: basename(device),
      driver: driver ? basename(driver) : null,
    });
  }
  return out;
}

/** Runs `biosdevname -i` per NIC, but stops asking once the tool turns out to be missing. */
class BiosDevName {
  private available = true;
  constructor(private readonly ctx: CollectorContext) {}
  async lookup(name: string): Promise<string | null> {
    if (!this.available) return null;
    try {
      const out = await this.ctx.host.run('biosdevname', ['-i', name], {
        timeoutMs: 10_000,
        signal: this.ctx.signal,
      });
      return out.exitCode === 0 ? out.stdout.trim() || null : null;
    } catch (err) {
      if (this.ctx.signal?.aborted) throw err;
      if (err instanceof HostError && err.code === 'ENOENT') this.available = false;
      return null;
    }
  }
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
