import { parseKeyValueLines } from './lscpu';

export interface LanPrint {
  ipAddress: string | null;
  macAddress: string | null;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** `ipmitool lan print <channel>`; null for "Invalid channel" and other non-answers. */
export function parseLanPrint(text: string): LanPrint | null {
  if (/invalid channel/i.test(text)) return null;
  const kv = parseKeyValueLines(text);
  const ip = kv.get('ip address');
  const mac = kv.get('mac address');
  const validIp = ip !== undefined && IPV4.test(ip) && ip.split('.').every((o) => Number(o) < 256);
  const validMac = mac !== undefined && MAC.test(mac);
  if (!validIp && !validMac) return null;
  return {
    ipAddress: validIp ? ip : null,
    macAddress: validMac ? mac.toLowerCase() : null,
  };
}

/**
 * `ipmitool lan6 print <channel> dynamic_addr|static_addr`: the first address that is active
 * (or enabled) and not `::`. Blocks are separated by their `IPv6 ... Address N:` headers.
 */
export function parseLan6Addresses(text: string): string | null {
  const blocks = text.split(/^(?=\S.*Address \d+:)/m);
  for (const block of blocks) {
    const kv = parseKeyValueLines(block.replace(/^\S.*Address \d+:\s*$/m, ''));
    const address = kv.get('address')?.split('/')[0];
    const status = (kv.get('status') ?? kv.get('enabled') ?? '').toLowerCase();
    if (!address || address === '::' || !address.includes(':')) continue;
    if (status.includes('active') || status === 'yes' || status.includes('enabled')) return address;
  }
  return null;
}
