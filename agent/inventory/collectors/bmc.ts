import { parseLan6Addresses, parseLanPrint } from '../parsers';
import { type CollectorContext, listOptional, runOptional } from './context';

export interface BmcInfo {
  bmc_address: string | null;
  bmc_v6address: string | null;
  bmc_mac?: string;
}

const CHANNELS = Array.from({ length: 11 }, (_, i) => i + 1);

/** Whether the IPMI driver exposes a device node (IPA: /dev/ipmi*, /dev/ipmi/*, /dev/ipmidev/*). */
export async function hasIpmiDevice(ctx: CollectorContext): Promise<boolean> {
  const dev = await listOptional(ctx, '/dev');
  if (dev.some((n) => /^ipmi\d+$/.test(n))) return true;
  for (const dir of ['/dev/ipmi', '/dev/ipmidev']) {
    if ((await listOptional(ctx, dir)).length > 0) return true;
  }
  return false;
}

/**
 * BMC addresses through `ipmitool` on channels 1–11. Without an IPMI device both are null;
 * with one but nothing configured, IPA's sentinels `0.0.0.0` and `::/0`.
 */
export async function collectBmc(ctx: CollectorContext): Promise<BmcInfo> {
  if (!(await hasIpmiDevice(ctx))) return { bmc_address: null, bmc_v6address: null };
  let address: string | null = null;
  let mac: string | undefined;
  let toolWorked = false;
  for (const ch of CHANNELS) {
    const out = await runOptional(ctx, 'ipmitool', ['lan', 'print', String(ch)], 30_000);
    if (out === null) continue;
    toolWorked = true;
    const lan = parseLanPrint(out);
    if (!lan) continue;
    if (lan.ipAddress && lan.ipAddress !== '0.0.0.0') {
      address = lan.ipAddress;
      if (lan.macAddress && lan.macAddress !== '00:00:00:00:00:00') mac = lan.macAddress;
      break;
    }
  }
  const v6 = toolWorked ? await collectBmcV6(ctx) : null;
  const info: BmcInfo = {
    bmc_address: toolWorked ? (address ?? '0.0.0.0') : null,
    bmc_v6address: toolWorked ? (v6 ?? '::/0') : null,
  };
  if (mac) info.bmc_mac = mac;
  return info;
}

async function collectBmcV6(ctx: CollectorContext): Promise<string | null> {
  for (const ch of CHANNELS) {
    const enables = await runOptional(ctx, 'ipmitool', ['lan6', 'print', String(ch), 'enables']);
    if (!enables || !/ipv6|both/i.test(enables)) continue;
    for (const kind of ['dynamic_addr', 'static_addr']) {
      const out = await runOptional(ctx, 'ipmitool', ['lan6', 'print', String(ch), kind]);
      const addr = out ? parseLan6Addresses(out) : null;
      if (addr) return addr;
    }
  }
  return null;
}
