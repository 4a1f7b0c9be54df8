import { z } from 'zod';
import type { HardwareManager, StepDefinition } from './manager';

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>(
    (v) => typeof v === 'function',
    `${what} must be a function`,
  );
const optionalFn = (what: string) => fn(what).optional();

/** Ironic's step-bearing interfaces; a step on another one would never be run. */
export const STEP_INTERFACES = [
  'deploy',
  'raid',
  'bios',
  'management',
  'firmware',
  'power',
  'vendor',
] as const;

export const stepDefinitionSchema = z
  .object({
    step: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'step must be a method name'),
    priority: z.number().int().min(0),
    interface: z.enum(STEP_INTERFACES),
    reboot_requested: z.boolean(),
    abortable: z.boolean().optional(),
    argsinfo: z
      .record(z.string(), z.object({ description: z.string(), required: z.boolean() }))
      .nullable()
      .optional(),
  })
  .strict();

/** What a loaded manager must look like; checked once at load with zod. */
export const hardwareManagerSchema = z.object({
  name: z
    .string()
    .min(1, 'name must be a non-empty string')
    .regex(/^[A-Za-z0-9_.-]+$/, 'name may hold letters, digits, "_", "." and "-" only'),
  version: z.string().min(1, 'version must be a non-empty string'),
  className: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'className must be an identifier')
    .optional(),
  evaluateHardwareSupport: fn('evaluateHardwareSupport'),
  initialize: optionalFn('initialize'),
  getCleanSteps: optionalFn('getCleanSteps'),
  getDeploySteps: optionalFn('getDeploySteps'),
  getServiceSteps: optionalFn('getServiceSteps'),
  methods: z.record(z.string(), fn('every entry of methods')),
});

/** zod's issues as one line: `methods.erase: must be a function; version: …`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Throws a message naming the bad field; returns the manager unchanged. */
export function checkManagerShape(value: unknown): HardwareManager {
  if (typeof value !== 'object' || value === null) {
    throw new Error(
      `expected a hardware manager object, got ${value === null ? 'null' : typeof value}`,
    );
  }
  const parsed = hardwareManagerSchema.safeParse(value);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  return value as HardwareManager;
}

/** Checks a manager's step list; each step must name one of its methods. */
export function checkSteps(
  manager: HardwareManager,
  phase: string,
  value: unknown,
): StepDefinition[] {
  const parsed = z.array(stepDefinitionSchema).safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `hardware manager ${manager.name} returned invalid ${phase} steps: ${describeIssues(parsed.error)}`,
    );
  }
  for (const s of parsed.data) {
    if (!Object.hasOwn(manager.methods, s.step)) {
      throw new Error(
        `hardware manager ${manager.name} lists ${phase} step ${s.step} but has no method of that name`,
      );
    }
  }
  return parsed.data;
}
