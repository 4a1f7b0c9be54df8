import { parseArgs } from 'node:util';
import { PROFILES } from '../profiles';

export interface SimArgs {
  machines: number;
  profiles: string[];
  apiUrl: string;
  redfishHost: string;
  redfishPort: number;
  speed: number;
  powerOn: boolean;
  namePrefix: string;
  logLevel: string;
  /** First UDP port of the per-machine IPMI BMCs (0 = any free port); undefined = no IPMI. */
  ipmiPort: number | undefined;
  /** JSON file with user machine types (checked when loaded). */
  profileFile: string | undefined;
  /** Folder with a built kernel + initramfs: the first `realMachines` machines boot it in QEMU. */
  realRamdisk: string | undefined;
  realMachines: number;
}

export const USAGE = `usage: npm run sim -- [options]
  --machines N         machines to simulate (default 1)
  --profile P          ${PROFILES.map((p) => p.name).join(' | ')} | mix (default small-vm);
                       a comma-separated list is used round-robin
  --api-url URL        Ironic API the agents talk to (default http://127.0.0.1:6385)
  --redfish-host H     address of the Redfish service (default 127.0.0.1)
  --redfish-port N     port of the Redfish service (default 8000; 0 = any free port)
  --speed X            simulated time runs X times faster than real time (default 1)
  --profile-file F     JSON list of extra machine types (see simulator/profiles/profile-schema.ts)
  --ipmi-port N        also serve IPMI 2.0 (lanplus), machine n on UDP port N+n (0 = any free port)
  --real-ramdisk DIR   the first --real-machines machines boot DIR's kernel + initramfs
                       (npm run build:ramdisk -- -o DIR/ipa) in QEMU: real kernel, real console
  --real-machines N    how many machines are QEMU machines (default 1 with --real-ramdisk)
  --power-on           power every machine on at start
  --name-prefix S      machine names are S-001, S-002, … (default: the profile name)
  --log-level L        fatal | error | warn | info | debug (default info; logs go to stderr)`;

/** Parses and validates the command line; throws with a message fit for the user. */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      machines: { type: 'string', default: '1' },
      profile: { type: 'string', default: 'small-vm' },
      'api-url': { type: 'string', default: 'http://127.0.0.1:6385' },
      'redfish-host': { type: 'string', default: '127.0.0.1' },
      'redfish-port': { type: 'string', default: '8000' },
      speed: { type: 'string', default: '1' },
      'power-on': { type: 'boolean', default: false },
      'name-prefix': { type: 'string', default: '' },
      'log-level': { type: 'string', default: 'info' },
      'ipmi-port': { type: 'string' },
      'profile-file': { type: 'string' },
      'real-ramdisk': { type: 'string' },
      'real-machines': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const machines = Number(values.machines);
  if (!Number.isInteger(machines) || machines < 0 || machines > 100_000) {
    throw new Error(`--machines must be an integer from 0 to 100000, got "${values.machines}"`);
  }
  const port = Number(values['redfish-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--redfish-port must be a port number, got "${values['redfish-port']}"`);
  }
  let ipmiPort: number | undefined;
  if (values['ipmi-port'] !== undefined) {
    ipmiPort = Number(values['ipmi-port']);
    if (!Number.isInteger(ipmiPort) || ipmiPort < 0 || ipmiPort + machines > 65535) {
      throw new Error(
        `--ipmi-port must leave room for every machine below 65536, got "${values['ipmi-port']}"`,
      );
    }
  }
  const realMachines = Number(values['real-machines'] ?? (values['real-ramdisk'] ? 1 : 0));
  if (!Number.isInteger(realMachines) || realMachines < 0 || realMachines > machines) {
    throw new Error(
      `--real-machines must be an integer from 0 to --machines, got "${values['real-machines']}"`,
    );
  }
  if (realMachines > 0 && values['real-ramdisk'] === undefined) {
    throw new Error('--real-machines needs --real-ramdisk DIR');
  }
  const speed = Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new Error(`--speed must be > 0, got "${values.speed}"`);
  const profiles =
    values.profile === 'mix'
      ? PROFILES.map((p) => p.name)
      : values.profile.split(',').map((p) => p.trim());
  for (const name of values['profile-file'] === undefined ? profiles : []) {
    if (!PROFILES.some((p) => p.name === name)) {
      throw new Error(
        `unknown profile "${name}" (known: ${PROFILES.map((p) => p.name).join(', ')}, mix)`,
      );
    }
  }
  try {
    new URL(values['api-url']);
  } catch {
    throw new Error(`--api-url must be a URL, got "${values['api-url']}"`);
  }
  return {
    machines,
    profiles,
    apiUrl: values['api-url'],
    redfishHost: values['redfish-host'],
    redfishPort: port,
    speed,
    powerOn: values['power-on'],
    namePrefix: values['name-prefix'],
    logLevel: values['log-level'],
    ipmiPort,
    profileFile: values['profile-file'],
    realRamdisk: values['real-ramdisk'],
    realMachines,
  };
}
