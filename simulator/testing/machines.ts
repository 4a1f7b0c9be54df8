import type { Clock } from '../../lib';
import { MacAllocator, Machine, type MachineHardware, type RamdiskLauncher } from '../machine';
import { buildMachineSpec, findProfile } from '../profiles';

/** A machine of a built-in profile with fixed identities, for tests. */
export function testMachine(
  profileName: string,
  clock: Clock,
  options: { id?: string; launcher?: RamdiskLauncher; hardware?: MachineHardware } = {},
): Machine {
  const profile = findProfile(profileName);
  if (!profile) throw new Error(`no profile ${profileName}`);
  const macs = new MacAllocator();
  const id = options.id ?? `${profileName}-test`;
  const spec = buildMachineSpec(profile, {
    id,
    name: id,
    mac: (port) => macs.allocate(`${id}/${port}`),
    provisioningIpv4: '10.0.0.20',
    bmc: { username: 'admin', password: 'secret-pw', ipv4: '192.0.2.10' },
  });
  return new Machine({
    spec,
    clock,
    ...(options.launcher ? { launcher: options.launcher } : {}),
    ...(options.hardware ? { hardware: options.hardware } : {}),
  });
}
