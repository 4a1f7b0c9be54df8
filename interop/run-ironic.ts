// A real OpenStack Ironic (Debian's python3-ironic) on loopback with simulated machines
// enrolled, for trying our agent under the real conductor by hand:
//
//   npx tsx interop/run-ironic.ts --machines 2 --driver mixed --speed 20
//
// then, in another shell, the printed `export …` line and e.g. `baremetal node provide <name>`.
// Ctrl-C stops Ironic and the fleet; --keep keeps Ironic's directory (config, database, log).
import { parseArgs } from 'node:util';
import { createLogger } from '../lib';
import type { InteropDriver } from './enrol';
import { InteropLab } from './interop-lab';

const USAGE = `usage: run-ironic.ts [--machines N] [--profile NAME] [--driver redfish|ipmi|mixed]
                     [--speed X] [--keep]`;

function fail(message: string): never {
  process.stderr.write(`run-ironic: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        machines: { type: 'string', default: '1' },
        profile: { type: 'string', default: 'small-vm' },
        driver: { type: 'string', default: 'redfish' },
        speed: { type: 'string', default: '20' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const count = Number(values.machines);
  const speed = Number(values.speed);
  if (!Number.isInteger(count) || count < 0) fail('--machines must be a whole number');
  if (!(speed > 0)) fail('--speed must be a positive number');
  if (!['redfish', 'ipmi', 'mixed'].includes(values.driver))
    fail('--driver: redfish, ipmi or mixed');

  const logger = createLogger({ name: 'interop', level: process.env.LOG_LEVEL ?? 'info' });
  const lab = new InteropLab({ speed, logger, ironic: { keepDir: values.keep } });
  await lab.start();
  const stop = async () => {
    await lab.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const driver: InteropDriver =
      values.driver === 'mixed'
        ? i % 2 === 0
          ? 'redfish'
          : 'ipmi'
        : (values.driver as InteropDriver);
    const name = `interop-${String(i).padStart(2, '0')}`;
    const { node, machine } = await lab.addMachine(values.profile, name, driver);
    rows.push(`  ${name}  ${node.uuid}  ${driver}  ${machine.macs[0] ?? ''}`);
  }
  const out = [
    `Ironic ${lab.ironic.version} at ${lab.ironic.apiUrl} (simulated time ×${speed})`,
    `  directory ${lab.ironic.layout.dir}`,
    `  log       ${lab.ironic.layout.log}`,
    `  images    ${lab.ironic.http.url}/ serves ${lab.ironic.layout.httpRoot}`,
    `  Redfish   ${lab.fleet.redfishUrl}`,
    ...(rows.length ? ['Nodes (enroll):', ...rows] : []),
    '',
    `export OS_ENDPOINT=${lab.ironic.apiUrl} OS_AUTH_TYPE=none OS_BAREMETAL_API_VERSION=latest`,
    'Ctrl-C to stop.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`run-ironic: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
