/**
 * The clean-step picker: the steps the node's agent last reported (Ironic caches the result of
 * `clean.get_clean_steps` in driver_internal_info.agent_cached_clean_steps) plus the conductor's
 * own reserved steps, each with its arguments described well enough to build a form, and the
 * check that turns a filled form back into Ironic's `clean_steps`.
 */

export type ArgType = 'string' | 'number' | 'boolean' | 'json';

export interface StepArg {
  name: string;
  description: string;
  required: boolean;
  /** Ironic's argsinfo carries no type; this is read from the name and description. */
  type: ArgType;
}

export interface StepChoice {
  interface: string;
  step: string;
  /** Priority in automated cleaning; 0: runs only when asked for. */
  priority: number;
  abortable: boolean;
  rebootRequested: boolean;
  /** Run by the conductor itself, no agent needed (power actions, hold, wait). */
  reserved: boolean;
  description: string;
  /** What the step destroys, for the confirmation; null when it keeps data. */
  erases: string | null;
  args: StepArg[];
}

export interface StepChoices {
  steps: StepChoice[];
  /** When the agent's list was cached (ISO), or null when it never reported one. */
  refreshedAt: string | null;
}

/** What IPA's generic steps do, said plainly; unknown vendor steps fall back to their name. */
const KNOWN: Record<string, { description: string; erases?: string }> = {
  'deploy.erase_devices': {
    description: 'Securely erase every disk (ATA/NVMe secure erase, else overwrite).',
    erases: 'all data on every disk',
  },
  'deploy.erase_devices_metadata': {
    description: 'Wipe partition tables and filesystem signatures from every disk.',
    erases: 'partition tables and filesystem signatures on every disk',
  },
  'deploy.erase_devices_express': {
    description: 'Hardware erase where the disk supports it, metadata wipe elsewhere.',
    erases: 'data on every disk',
  },
  'deploy.erase_pstore': {
    description: 'Clear the kernel crash records kept in pstore.',
    erases: 'kernel crash records (pstore)',
  },
  'raid.delete_configuration': {
    description: 'Delete the RAID configuration (software RAID and controller volumes).',
    erases: 'RAID volumes and what they hold',
  },
  'raid.create_configuration': {
    description: 'Build the RAID configuration in target_raid_config.',
    erases: 'disks used by the new RAID volumes',
  },
  'deploy.burnin_cpu': { description: 'Load every CPU for a while (stress-ng).' },
  'deploy.burnin_memory': { description: 'Exercise the memory (stress-ng vm).' },
  'deploy.burnin_network': { description: 'Run network traffic against a partner (fio net).' },
  'deploy.burnin_disk': {
    description: 'Write and read back every disk (fio).',
    erases: 'all data on every disk',
  },
};

/** Ironic's reserved steps, run by the conductor whatever interface they name. */
const RESERVED: StepChoice[] = [
  reserved('deploy', 'wait', 'Pause the run; without seconds, until the next heartbeat.', [
    {
      name: 'seconds',
      description: 'How long to wait, in seconds (the conductor caps it).',
      required: false,
      type: 'number',
    },
  ]),
  reserved('deploy', 'hold', 'Stop in "clean hold" until an operator unholds or aborts.'),
  reserved('power', 'power_on', 'Power the machine on.'),
  reserved('power', 'power_off', 'Power the machine off.'),
  reserved('power', 'reboot', 'Reboot the machine.'),
];

function reserved(
  iface: string,
  step: string,
  description: string,
  args: StepArg[] = [],
): StepChoice {
  return {
    interface: iface,
    step,
    priority: 0,
    abortable: step === 'hold' || step === 'wait',
    rebootRequested: false,
    reserved: true,
    description,
    erases: null,
    args,
  };
}

/** Reads a type into Ironic's untyped argsinfo from the argument's name and description. */
export function argType(name: string, description: string): ArgType {
  if (/\b(true|false)\b|^whether\b|\bboolean\b/i.test(description)) return 'boolean';
  if (/(^|_)(seconds|count|size|iterations|passes|timeout|gb|mb|percent)($|_)/i.test(name)) {
    return 'number';
  }
  if (/\b(number of|in seconds|integer)\b/i.test(description)) return 'number';
  if (/(^|_)(config|configuration|settings|info|list|map)$/i.test(name)) return 'json';
  if (/\b(dictionary|dict|list of|json|configuration)\b/i.test(description)) return 'json';
  return 'string';
}

interface CachedStep {
  interface?: unknown;
  step?: unknown;
  priority?: unknown;
  abortable?: unknown;
  reboot_requested?: unknown;
  argsinfo?: unknown;
}

function argsOf(argsinfo: unknown): StepArg[] {
  if (!argsinfo || typeof argsinfo !== 'object') return [];
  return Object.entries(argsinfo as Record<string, unknown>).map(([name, info]) => {
    const record = (info ?? {}) as { description?: unknown; required?: unknown };
    const description = typeof record.description === 'string' ? record.description : '';
    return {
      name,
      description,
      required: record.required === true,
      type: argType(name, description),
    };
  });
}

/**
 * The picker's list: the agent's steps (one per interface.step, the highest-priority manager's,
 * as the agent would dispatch it), then the reserved ones.
 */
export function stepChoices(driverInternalInfo: Record<string, unknown>): StepChoices {
  const cached = driverInternalInfo.agent_cached_clean_steps;
  const best = new Map<string, StepChoice>();
  if (cached && typeof cached === 'object') {
    for (const list of Object.values(cached as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue;
      for (const raw of list as CachedStep[]) {
        if (typeof raw.interface !== 'string' || typeof raw.step !== 'string') continue;
        const key = `${raw.interface}.${raw.step}`;
        const priority = typeof raw.priority === 'number' ? raw.priority : 0;
        const previous = best.get(key);
        if (previous && previous.priority >= priority) continue;
        best.set(key, {
          interface: raw.interface,
          step: raw.step,
          priority,
          abortable: raw.abortable === true,
          rebootRequested: raw.reboot_requested === true,
          reserved: false,
          description: KNOWN[key]?.description ?? raw.step.replaceAll('_', ' '),
          erases: KNOWN[key]?.erases ?? null,
          args: argsOf(raw.argsinfo),
        });
      }
    }
  }
  const refreshed = driverInternalInfo.agent_cached_clean_steps_refreshed;
  return {
    steps: [...best.values(), ...RESERVED],
    refreshedAt: typeof refreshed === 'string' ? refreshed : null,
  };
}

export interface RequestedStep {
  interface: string;
  step: string;
  /** As the form holds them: text for every type, checked for booleans. */
  args: Record<string, string | boolean>;
}

export interface StepIssue {
  path: (string | number)[];
  message: string;
}

function convert(arg: StepArg, raw: string | boolean): { value: unknown } | { error: string } {
  if (arg.type === 'boolean') {
    if (typeof raw === 'boolean') return { value: raw };
    if (/^(true|false)$/i.test(raw)) return { value: raw.toLowerCase() === 'true' };
    return { error: 'must be true or false' };
  }
  const text = String(raw).trim();
  if (arg.type === 'number') {
    const n = Number(text);
    return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
  }
  if (arg.type === 'json') {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (error) {
      return { error: `must be valid JSON (${(error as Error).message})` };
    }
  }
  return { value: text };
}

/**
 * The requested steps as Ironic's `clean_steps`, checked against the picker's list: each step
 * must be offered, required arguments filled, values of their type, nothing unknown. Problems
 * come back with the form field they belong to (`steps.0.args.seconds`).
 */
export function toCleanSteps(
  requested: readonly RequestedStep[],
  choices: readonly StepChoice[],
):
  | { ok: true; steps: { interface: string; step: string; args: Record<string, unknown> }[] }
  | { ok: false; issues: StepIssue[] } {
  const issues: StepIssue[] = [];
  const steps = requested.map((request, index) => {
    const choice = choices.find(
      (c) => c.interface === request.interface && c.step === request.step,
    );
    const args: Record<string, unknown> = {};
    if (!choice) {
      issues.push({
        path: ['steps', index, 'step'],
        message: `${request.interface}.${request.step} is not among this machine's clean steps`,
      });
      return { interface: request.interface, step: request.step, args };
    }
    for (const name of Object.keys(request.args)) {
      if (!choice.args.some((arg) => arg.name === name)) {
        issues.push({
          path: ['steps', index, 'args', name],
          message: `${choice.step} takes no argument "${name}"`,
        });
      }
    }
    for (const arg of choice.args) {
      const raw = request.args[arg.name];
      if (raw === undefined || raw === '') {
        if (arg.required) {
          issues.push({ path: ['steps', index, 'args', arg.name], message: 'is required' });
        }
        continue;
      }
      const converted = convert(arg, raw);
      if ('error' in converted) {
        issues.push({ path: ['steps', index, 'args', arg.name], message: converted.error });
      } else args[arg.name] = converted.value;
    }
    return { interface: choice.interface, step: choice.step, args };
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, steps };
}
