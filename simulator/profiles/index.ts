import { computeNvme } from './compute-nvme';
import type { MachineProfile } from './profile';
import { smallVm } from './small-vm';
import { storage2u } from './storage-2u';

export {
  buildMachineSpec,
  type MachineIdentity,
  type MachineProfile,
  type ProfileDisk,
  type ProfileNic,
} from './profile';
export { parseProfiles, profileSchema } from './profile-schema';
export { computeNvme, smallVm, storage2u };

/** The built-in machine types, by name. */
export const PROFILES: readonly MachineProfile[] = [storage2u, computeNvme, smallVm];

export function findProfile(
  name: string,
  extra: readonly MachineProfile[] = [],
): MachineProfile | undefined {
  return extra.find((p) => p.name === name) ?? PROFILES.find((profile) => profile.name === name);
}
