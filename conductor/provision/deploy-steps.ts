import { z } from 'zod';
import { CLEAN_INTERFACES, type CleanStep } from './clean-steps';
import { reservedStepName } from './reserved-steps';

/** A deploy step as stored in `driver_internal_info.deploy_steps` and `deploy_step`. */
export type DeployStep = CleanStep;

/**
 * The `direct` deploy interface's own steps and priorities (research conductor-bmc.md §2.5).
 * They run in the conductor; `write_image` switches into the agent's in-band step of that name.
 */
export const CORE_DEPLOY_STEPS: readonly DeployStep[] = [
  { interface: 'deploy', step: 'deploy', priority: 100, args: {} },
  { interface: 'deploy', step: 'write_image', priority: 80, args: {} },
  { interface: 'deploy', step: 'prepare_instance_boot', priority: 60, args: {} },
  { interface: 'deploy', step: 'tear_down_agent', priority: 40, args: {} },
  { interface: 'deploy', step: 'switch_to_tenant_network', priority: 30, args: {} },
  { interface: 'deploy', step: 'boot_instance', priority: 20, args: {} },
];

// Tie-break between equal priorities (ironic/conductor/steps.py DEPLOYING_INTERFACE_PRIORITY).
const INTERFACE_PRIORITY: Record<string, number> = {
  vendor: 7,
  power: 6,
  management: 5,
  firmware: 4,
  deploy: 3,
  bios: 2,
  raid: 1,
};

/** A deploy step an operator sends in `deploy_steps` (priority required, as in Ironic). */
export const userDeployStepSchema = z
  .object({
    interface: z.enum(CLEAN_INTERFACES as [string, ...string[]]),
    step: z.string().min(1),
    args: z.record(z.string(), z.unknown()).optional(),
    priority: z.number().int().min(0),
  })
  .strict();
export type UserDeployStep = z.infer<typeof userDeployStepSchema>;

export const stepId = (s: { interface: string; step: string }) => `${s.interface}.${s.step}`;

export const isCoreStep = (s: { interface: string; step: string }) =>
  CORE_DEPLOY_STEPS.some((c) => stepId(c) === stepId(s));

export function sortDeploySteps(steps: DeployStep[]): DeployStep[] {
  return [...steps].sort(
    (a, b) =>
      b.priority - a.priority ||
      (INTERFACE_PRIORITY[b.interface] ?? 0) - (INTERFACE_PRIORITY[a.interface] ?? 0),
  );
}

/** Problems with user steps that can be known before the agent reports its own. */
export function userDeployStepProblems(steps: UserDeployStep[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    const id = stepId(s);
    if (seen.has(id)) problems.push(`Duplicate deploy steps for ${id}`);
    seen.add(id);
    if (id === 'deploy.deploy' && s.priority > 0) {
      problems.push(
        'deploy step deploy on interface deploy is a core step and cannot be overridden by user steps. It may be disabled by setting the priority to 0',
      );
    }
  }
  return problems;
}

/**
 * The run list: the core steps with user priority overrides (0 disables one), enabled in-band
 * steps the agent offers (user priorities win), user reserved steps; highest priority first.
 * `agentSteps` is null before the agent has reported; unknown user steps then wait for it.
 */
export function planDeploySteps(
  user: UserDeployStep[],
  agentSteps: DeployStep[] | null,
): { steps: DeployStep[] } | { error: string } {
  const byId = new Map<string, DeployStep>();
  for (const s of CORE_DEPLOY_STEPS) byId.set(stepId(s), { ...s, args: {} });
  for (const s of agentSteps ?? []) {
    if (isCoreStep(s) || s.priority <= 0) continue;
    byId.set(stepId(s), { ...s, args: {}, requires_ramdisk: true });
  }
  const missing: string[] = [];
  for (const u of user) {
    const id = stepId(u);
    const reserved = reservedStepName(u) !== null;
    const known = byId.get(id) ?? agentSteps?.find((a) => stepId(a) === id);
    if (!known && !reserved && agentSteps !== null) {
      missing.push(id);
      continue;
    }
    if (!known && !reserved) continue; // validated once the agent reports its steps
    if (u.priority === 0) {
      byId.delete(id);
      continue;
    }
    byId.set(id, {
      ...(known ?? {}),
      interface: u.interface,
      step: u.step,
      priority: u.priority,
      args: u.args ?? {},
      ...(reserved ? { requires_ramdisk: false } : {}),
    });
  }
  if (missing.length) {
    return {
      error: `Validation of deploy steps from "deploy steps" argument failed. node does not support these deploy steps: ${missing.join(', ')}`,
    };
  }
  return { steps: sortDeploySteps([...byId.values()]) };
}
