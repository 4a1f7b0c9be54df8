import type { NodeRow } from '../db/schema';
import { parseIso } from '../nodes/time';

/** `[deploy] fast_track_timeout`. */
export const FAST_TRACK_TIMEOUT_MS = 300_000;

/**
 * Ironic's `is_fast_track`: the ramdisk is known to be up (powered on, heartbeated recently with
 * a token on file), so an operation can use it instead of rebooting into a fresh one.
 */
export function agentAlive(node: NodeRow, now: number): boolean {
  const dii = node.driverInternalInfo;
  if (node.powerState !== 'power on') return false;
  if (typeof dii.agent_url !== 'string' || typeof dii.agent_secret_token !== 'string') return false;
  const last = parseIso(dii.agent_last_heartbeat);
  return last !== null && now - last <= FAST_TRACK_TIMEOUT_MS;
}
