import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledClock, createLogger } from '../../lib';
import { type MachineProfile, PROFILES, parseProfiles } from '../profiles';
import { Fleet } from '../fleet';
import { type SimArgs, parseSimArgs } from './args';

/**
 * `npm run sim`: a fleet against any Ironic-compatible API. Prints one JSON document with each
 * machine's BMC address, credentials and MACs on stdout (logs go to stderr), and runs until
 * SIGINT/SIGTERM, when every agent is stopped and the BMC service closed.
 */
async function main(argv: readonly string[]): Promise<number> {
  let args: SimArgs;
  try {
    args = parseSimArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  let profiles: MachineProfile[] = [];
  if (args.profileFile !== undefined) {
    try {
      profiles = parseProfiles(await readFile(args.profileFile, 'utf8'));
    } catch (error) {
      process.stderr.write(
        `${args.profileFile}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 2;
    }
    const known = new Set([...profiles, ...PROFILES].map((p) => p.name));
    const unknown = args.profiles.find((name) => !known.has(name));
    if (unknown !== undefined) {
      process.stderr.write(`unknown profile "${unknown}" (known: ${[...known].join(', ')})\n`);
      return 2;
    }
  }
  const logger = createLogger({
    name: 'simulator',
    level: args.logLevel,
    destination: process.stderr,
  });
  const clock = new ScaledClock(args.speed);
  // The QEMU machines' disk images live as long as this process, like the simulated disks.
  const qemuStateDir = join(tmpdir(), `sim-qemu-machines-${process.pid}`);
  let fleet: Fleet;
  try {
    fleet = new Fleet({
      apiUrl: args.apiUrl,
      clock,
      logger,
      redfish: { host: args.redfishHost, port: args.redfishPort },
      profiles,
      ...(args.ipmiPort !== undefined
        ? { ipmi: { host: args.redfishHost, basePort: args.ipmiPort } }
        : {}),
      ...(args.realRamdisk !== undefined
        ? {
            qemu: {
              ramdiskDir: args.realRamdisk,
              stateDir: qemuStateDir,
            },
          }
        : {}),
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  await fleet.start();
  for (let i = 0; i < args.machines; i++) {
    const profile = args.profiles[i % args.profiles.length]!;
    const prefix = args.namePrefix || profile;
    const name = `${prefix}-${String(i + 1).padStart(3, '0')}`;
    fleet.addMachine({
      profile,
      name,
      id: name,
      powerOn: args.powerOn,
      kind: i < args.realMachines ? 'qemu' : 'simulated',
    });
  }
  const machines = await Promise.all(
    fleet.list().map(async (m) => {
      const enrol = fleet.enrollment(m.id);
      const ipmi = await fleet.ipmi(m.id);
      return {
        id: m.id,
        name: m.name,
        profile: m.profile,
        kind: m.kind,
        macs: m.macs,
        bmc: {
          address: enrol.driver_info.redfish_address,
          systemId: enrol.driver_info.redfish_system_id,
          username: enrol.driver_info.redfish_username,
          password: enrol.driver_info.redfish_password,
        },
        ...(ipmi ? { ipmi: { address: ipmi.host, port: ipmi.port } } : {}),
        enrollment: enrol,
      };
    }),
  );
  const doc = { redfish: fleet.redfishUrl, apiUrl: args.apiUrl, speed: args.speed, machines };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);

  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  logger.info('stopping the fleet');
  await fleet.stop();
  await rm(qemuStateDir, { recursive: true, force: true });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `simulator failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
