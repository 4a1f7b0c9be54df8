import {
  FASTTRACK_LOOKUP_ALLOWED_STATES,
  LOOKUP_ALLOWED_STATES,
  type ProvisionState,
} from '../../protocol';
import type { NodeRow } from '../db/schema';

/** Heartbeats that drive the node forward (research conductor-bmc.md §2.2 step 1). */
export const HEARTBEAT_ACTION_STATES: ReadonlySet<string> = new Set([
  'wait call-back',
  'clean wait',
  'rescue wait',
  'service wait',
]);

/** States where a heartbeat is only recorded (step 4). */
export const HEARTBEAT_RECORD_ONLY_STATES: ReadonlySet<string> = new Set([
  'deploying',
  'cleaning',
  'rescuing',
  'deploy hold',
  'clean hold',
  'servicing',
  'service hold',
]);

export const FAST_TRACK_HEARTBEAT_STATES: ReadonlySet<string> = new Set([
  'enroll',
  'manageable',
  'available',
]);

/** `[deploy] fast_track`, or the per-node `driver_info.fast_track` override. */
export function fastTrackEnabled(node: NodeRow, globalFastTrack: boolean): boolean {
  const own = node.driverInfo.fast_track;
  if (typeof own === 'boolean') return own;
  if (typeof own === 'string') return /^(1|true|yes|on)$/i.test(own);
  return globalFastTrack;
}

export function lookupAllowed(node: NodeRow, globalFastTrack: boolean): boolean {
  const states = fastTrackEnabled(node, globalFastTrack)
    ? FASTTRACK_LOOKUP_ALLOWED_STATES
    : LOOKUP_ALLOWED_STATES;
  return states.has(node.provisionState as ProvisionState);
}

export function heartbeatAllowed(node: NodeRow, globalFastTrack: boolean): boolean {
  const s = node.provisionState;
  if (HEARTBEAT_ACTION_STATES.has(s) || HEARTBEAT_RECORD_ONLY_STATES.has(s)) return true;
  return fastTrackEnabled(node, globalFastTrack) && FAST_TRACK_HEARTBEAT_STATES.has(s);
}
