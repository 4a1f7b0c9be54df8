import type { PowerTarget } from '../bmc/power-driver';

/**
 * Step names the conductor runs itself whatever interface they are sent with (Ironic's
 * `steps.use_reserved_step_handler`): power actions, `hold` and `wait`. They are never validated
 * against the agent's steps and never sent to it.
 */
export const RESERVED_STEP_NAMES = ['power_on', 'power_off', 'reboot', 'hold', 'wait'] as const;
export type ReservedStepName = (typeof RESERVED_STEP_NAMES)[number];

/** `[conductor] max_conductor_wait_step_seconds`. */
export const DEFAULT_MAX_WAIT_STEP_SECONDS = 30;

export function reservedStepName(
  step: { step?: unknown } | null | undefined,
): ReservedStepName | null {
  const name = step?.step;
  return typeof name === 'string' && (RESERVED_STEP_NAMES as readonly string[]).includes(name)
    ? (name as ReservedStepName)
    : null;
}

export const RESERVED_POWER: Partial<Record<ReservedStepName, PowerTarget>> = {
  power_on: 'power on',
  power_off: 'power off',
  reboot: 'rebooting',
};

/**
 * `wait` with `args.seconds` pauses for that long, capped; without it the step waits for the
 * next heartbeat. Returns null for the heartbeat form, or a message for a bad argument.
 */
export function waitSeconds(
  args: Record<string, unknown> | undefined,
  max: number,
): { seconds: number | null; capped: boolean } | { error: string } {
  const raw = args?.seconds;
  if (raw === undefined || raw === null) return { seconds: null, capped: false };
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    return { error: `The "seconds" argument of the wait step must be a non-negative number` };
  }
  const seconds = Math.trunc(n);
  return seconds > max ? { seconds: max, capped: true } : { seconds, capped: false };
}
