import { ConductorError } from './errors';

// Ethernet (6 octets) and InfiniBand (20 octets) hardware addresses, as Ironic accepts them.
const MAC_RE = /^(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^(?:[0-9a-f]{2}[:-]){19}[0-9a-f]{2}$/i;

/** Lower-case, colon-separated; null when not a MAC. */
export function normalizeMac(text: string): string | null {
  const trimmed = text.trim();
  if (!MAC_RE.test(trimmed)) return null;
  return trimmed.toLowerCase().replaceAll('-', ':');
}

export function requireMac(text: unknown): string {
  const mac = typeof text === 'string' ? normalizeMac(text) : null;
  if (!mac) {
    throw new ConductorError('InvalidMAC', `Expected a MAC address but received ${String(text)}.`);
  }
  return mac;
}
