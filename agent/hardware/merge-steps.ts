import type { StepDefinition } from './manager';

export interface ManagerSteps {
  /** Grouping key of the result (IPA: the manager's class name). */
  className: string;
  support: number;
  steps: readonly StepDefinition[];
}

/**
 * IPA's `deduplicate_steps`: when several managers offer a step of the same name, keep the one
 * of the manager with the highest support, then the highest step priority, then the manager
 * whose class name sorts first. The result is grouped by the winners' class names; a manager
 * left without steps does not appear.
 */
export function deduplicateSteps(
  candidates: readonly ManagerSteps[],
): Record<string, StepDefinition[]> {
  const byName = new Map<string, { owner: ManagerSteps; step: StepDefinition }[]>();
  for (const owner of candidates) {
    for (const step of owner.steps) {
      const list = byName.get(step.step) ?? [];
      list.push({ owner, step });
      byName.set(step.step, list);
    }
  }
  const out: Record<string, StepDefinition[]> = {};
  for (const list of byName.values()) {
    const winner = [...list].sort(
      (a, b) =>
        b.owner.support - a.owner.support ||
        b.step.priority - a.step.priority ||
        compareNames(a.owner.className, b.owner.className),
    )[0]!;
    (out[winner.owner.className] ??= []).push({ ...winner.step });
  }
  return out;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
