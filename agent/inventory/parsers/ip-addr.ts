export interface IpLinkInfo {
  name: string;
  address: string | null;
  /** The permanent MAC when it differs from the current one (`permaddr`). */
  permanentAddress: string | null;
  ipv4: string | null;
  ipv6: string | null;
}

interface RawAddrInfo {
  family?: unknown;
  local?: unknown;
}

/** `ip -j addr`: per interface the MAC and the first IPv4/IPv6 address, in the order listed. */
export function parseIpAddr(json: string): Map<string, IpLinkInfo> {
  const rows = JSON.parse(json) as unknown;
  if (!Array.isArray(rows)) throw new Error('ip -j addr did not print a list');
  const out = new Map<string, IpLinkInfo>();
  for (const raw of rows as Record<string, unknown>[]) {
    if (!raw || typeof raw.ifname !== 'string') continue;
    const addrs = Array.isArray(raw.addr_info) ? (raw.addr_info as RawAddrInfo[]) : [];
    const first = (family: string): string | null => {
      const hit = addrs.find((a) => a.family === family && typeof a.local === 'string');
      return hit ? (hit.local as string) : null;
    };
    out.set(raw.ifname, {
      name: raw.ifname,
      address: typeof raw.address === 'string' ? raw.address.toLowerCase() : null,
      permanentAddress: typeof raw.permaddr === 'string' ? raw.permaddr.toLowerCase() : null,
      ipv4: first('inet'),
      ipv6: first('inet6'),
    });
  }
  return out;
}
