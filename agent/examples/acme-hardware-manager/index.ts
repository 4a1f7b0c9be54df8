/**
 * An example custom hardware manager, as a vendor would ship it (an npm package or a file
 * named in `hardware_managers`). For ACME servers it offers a `flash_bios` step that runs
 * the vendor's `acme-flash` tool, and erases ACME MagicStore drives with `acme-secure-erase`;
 * every other disk falls through to the generic manager. Everything goes through the Host port,
 * so the same code runs on metal and on the simulator's fake OS.
 */
import {
  HardwareSupport,
  HostError,
  IncompatibleHardwareMethodError,
  type ManagerEnv,
  type ManagerKwargs,
  type StepDefinition,
  defineHardwareManager,
} from '../../index';

const FLASH_TOOL = 'acme-flash';
const ERASE_TOOL = 'acme-secure-erase';

/** `flash_bios` reboots into the new firmware and must not be interrupted. */
const FLASH_BIOS: StepDefinition = {
  step: 'flash_bios',
  priority: 0,
  interface: 'management',
  reboot_requested: true,
  abortable: false,
  argsinfo: {
    image_url: { description: 'URL of the ACME BIOS capsule.', required: true },
    sha256: { description: 'SHA-256 of the capsule, checked by acme-flash.', required: true },
    version: {
      description: 'Version the capsule holds; the step does nothing when it already runs.',
      required: false,
    },
  },
};

/** The version acme-flash reports (`BIOS version: 2.4.1`), or null. */
export function parseBiosVersion(text: string): string | null {
  return /^BIOS version:\s*(\S+)/m.exec(text)?.[1] ?? null;
}

async function tool(env: ManagerEnv, command: string, args: string[]) {
  try {
    return await env.host.run(command, args, { signal: env.signal, timeoutMs: 3_600_000 });
  } catch (err) {
    if (err instanceof HostError && err.code === 'ENOENT') {
      throw new Error(`${command} is not installed on this ramdisk`);
    }
    throw err;
  }
}

function requireString(kwargs: ManagerKwargs, name: string): string {
  const v = kwargs[name];
  if (typeof v !== 'string' || v === '') throw new TypeError(`flash_bios needs ${name} (a string)`);
  return v;
}

async function flashBios(
  kwargs: ManagerKwargs,
  env: ManagerEnv,
): Promise<{ bios_version: string }> {
  const url = requireString(kwargs, 'image_url');
  const sha256 = requireString(kwargs, 'sha256');
  if (!/^[0-9a-f]{64}$/i.test(sha256))
    throw new TypeError('flash_bios: sha256 must be 64 hex digits');
  const wanted = typeof kwargs.version === 'string' ? kwargs.version : null;

  const query = await tool(env, FLASH_TOOL, ['--query']);
  const current = parseBiosVersion(query.stdout);
  if (wanted !== null && current === wanted) {
    env.logger.info({ version: current }, 'BIOS already at the requested version');
    return { bios_version: current };
  }
  env.reportProgress({
    fraction: 0,
    message: `flashing BIOS ${current ?? '?'} → ${wanted ?? 'new'}`,
  });
  const out = await tool(env, FLASH_TOOL, ['--image', url, '--sha256', sha256, '--yes']);
  if (out.exitCode !== 0) {
    throw new Error(
      `acme-flash failed (exit code ${out.exitCode}): ${out.stderr.trim() || out.stdout.trim()}`,
    );
  }
  const after = parseBiosVersion((await tool(env, FLASH_TOOL, ['--query'])).stdout) ?? 'unknown';
  env.reportProgress({ fraction: 1, message: `BIOS flashed to ${after}; reboot to activate` });
  return { bios_version: after };
}

/** MagicStore drives need the vendor's erase; anything else is the generic manager's job. */
async function eraseBlockDevice(kwargs: ManagerKwargs, env: ManagerEnv): Promise<unknown> {
  const dev = kwargs.block_device as { name: string; model: string | null } | undefined;
  if (!dev?.model?.startsWith('ACME MagicStore')) {
    throw new IncompatibleHardwareMethodError(`${dev?.name ?? 'device'} is not a MagicStore drive`);
  }
  const out = await tool(env, ERASE_TOOL, ['--device', dev.name, '--confirm']);
  if (out.exitCode !== 0) {
    throw new Error(`acme-secure-erase of ${dev.name} failed: ${out.stderr.trim()}`);
  }
  return { method: 'acme-secure-erase' };
}

export default defineHardwareManager({
  name: 'acme_hardware_manager',
  version: '1.0',
  className: 'AcmeHardwareManager',

  /** SERVICE_PROVIDER on ACME machines that carry the vendor tool; absent anywhere else. */
  async evaluateHardwareSupport(env) {
    const vendor = await env.host.readFile('/sys/class/dmi/id/sys_vendor').catch(() => '');
    if (vendor.trim() !== 'ACME') return HardwareSupport.NONE;
    const probe = await env.host.run(FLASH_TOOL, ['--version']).catch(() => null);
    if (!probe || probe.exitCode !== 0) {
      env.logger.warn('ACME machine without acme-flash: the ACME manager stays out');
      return HardwareSupport.NONE;
    }
    return HardwareSupport.SERVICE_PROVIDER;
  },

  getCleanSteps: () => [FLASH_BIOS],
  getServiceSteps: () => [FLASH_BIOS],

  methods: {
    flash_bios: flashBios,
    erase_block_device: eraseBlockDevice,
  },
});
