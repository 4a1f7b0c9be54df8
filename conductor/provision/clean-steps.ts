import { z } from 'zod';
import { reservedStepName } from './reserved-steps';

/** A clean step as agents report it and as the conductor stores it in `clean_step`. */
export interface CleanStep {
  interface: string;
  step: string;
  priority: number;
  args?: Record<string, unknown>;
  abortable?: boolean;
  reboot_requested?: boolean;
  requires_ramdisk?: boolean;
  abort_after?: boolean;
  [key: string]: unknown;
}

// Tie-break between equal priorities (ironic/conductor/steps.py).
const INTERFACE_PRIORITY: Record<string, number> = {
  vendor: 7,
  power: 6,
  management: 5,
  firmware: 4,
  deploy: 3,
  bios: 2,
  raid: 1,
};

export const CLEAN_INTERFACES = Object.keys(INTERFACE_PRIORITY);

export const agentStepSchema = z
  .object({
    interface: z.string(),
    step: z.string(),
    priority: z.number(),
    abortable: z.boolean().optional(),
    reboot_requested: z.boolean().optional(),
    argsinfo: z.unknown().optional(),
  })
  .passthrough();

/** A manual step as an operator sends it in `clean_steps`. */
export const manualStepSchema = z
  .object({
    interface: z.enum(CLEAN_INTERFACES as [string, ...string[]]),
    step: z.string().min(1),
    args: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ManualStep = z.infer<typeof manualStepSchema>;

/**
 * One list from all managers: for a step offered by several managers the highest priority wins,
 * as the agent's own dispatch would pick that manager. Agent steps need the ramdisk.
 */
export function mergeAgentSteps(
  byManager: Record<string, z.infer<typeof agentStepSchema>[]>,
): CleanStep[] {
  const best = new Map<string, CleanStep>();
  for (const steps of Object.values(byManager)) {
    for (const s of steps) {
      const key = `${s.interface}.${s.step}`;
      const prev = best.get(key);
      if (!prev || s.priority > prev.priority) best.set(key, { ...s, requires_ramdisk: true });
    }
  }
  return [...best.values()];
}

/**
 * Automated cleaning: priority > 0, highest first, ties by interface priority. `overrides`
 * (`[conductor] clean_step_priority_override`, keyed `interface.step`) replace the agent's
 * priorities first, so 0 disables a step.
 */
export function automatedSteps(
  available: CleanStep[],
  overrides: Readonly<Record<string, number>> = {},
): CleanStep[] {
  return available
    .map((s) => {
      const own = overrides[`${s.interface}.${s.step}`];
      return own === undefined ? s : { ...s, priority: own };
    })
    .filter((s) => s.priority > 0)
    .sort(
      (a, b) =>
        b.priority - a.priority ||
        (INTERFACE_PRIORITY[b.interface] ?? 0) - (INTERFACE_PRIORITY[a.interface] ?? 0),
    )
    .map(({ argsinfo: _argsinfo, ...s }) => ({ ...s, args: {} }));
}

/**
 * Manual cleaning runs the requested steps in order; each must exist among the available ones,
 * whose `abortable`, `priority` and `reboot_requested` it inherits. Reserved steps (power
 * actions, hold, wait) are the conductor's own and need no agent; with `disableRamdisk` they are
 * the only steps allowed.
 */
export function manualSteps(
  requested: ManualStep[],
  available: CleanStep[],
  opts: { disableRamdisk?: boolean; kind?: 'clean' | 'service' } = {},
): { steps: CleanStep[] } | { error: string } {
  const kind = opts.kind ?? 'clean';
  const missing: string[] = [];
  const needRamdisk: string[] = [];
  const steps: CleanStep[] = [];
  for (const r of requested) {
    const reserved = reservedStepName(r);
    if (reserved) {
      steps.push({
        interface: r.interface,
        step: r.step,
        args: r.args ?? {},
        priority: 0,
        // Nothing runs on the machine during a hold or a wait: abort may end them at once.
        abortable: reserved === 'hold' || reserved === 'wait',
        reboot_requested: false,
        requires_ramdisk: false,
      });
      continue;
    }
    if (opts.disableRamdisk) {
      needRamdisk.push(`${r.interface}.${r.step}`);
      continue;
    }
    const def = available.find((a) => a.interface === r.interface && a.step === r.step);
    if (!def) {
      missing.push(`${r.interface}.${r.step}`);
      continue;
    }
    steps.push({
      interface: r.interface,
      step: r.step,
      args: r.args ?? {},
      priority: def.priority,
      abortable: def.abortable ?? false,
      reboot_requested: def.reboot_requested ?? false,
      requires_ramdisk: true,
    });
  }
  if (needRamdisk.length) {
    return {
      error: `The following ${kind} steps require booting a ramdisk, which was disabled: ${needRamdisk.join(', ')}`,
    };
  }
  if (missing.length) {
    return {
      error: `The following ${kind} steps are not supported by this node: ${missing.join(', ')}`,
    };
  }
  return { steps };
}

/**
 * Whether the step an agent echoes back is the one the conductor asked for: same interface and
 * step, and every argument the conductor planned comes back unchanged. The echo may carry more
 * arguments than planned: some are added only when the step is sent (`write_image`'s
 * `image_info`). Comparing args tells a finished earlier run of the same step (e.g. a manual
 * clean listing one step twice with different args) from the current one.
 */
export function sameStep(a: unknown, b: CleanStep | null): boolean {
  if (!a || typeof a !== 'object' || !b) return false;
  const s = a as Record<string, unknown>;
  if (s.interface !== b.interface || s.step !== b.step) return false;
  const echoed = (s.args ?? {}) as Record<string, unknown>;
  return Object.entries(b.args ?? {}).every(
    ([key, value]) => JSON.stringify(echoed[key]) === JSON.stringify(value),
  );
}

export function stepName(step: { interface?: unknown; step?: unknown } | null | undefined): string {
  return step ? `${String(step.interface)}.${String(step.step)}` : 'none';
}
