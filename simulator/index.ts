// The simulator's public surface: the fleet, its snapshots and the machine types.
export {
  Fleet,
  type AddMachineOptions,
  type Enrollment,
  type FleetOptions,
  type IpmiAccess,
  type SerialView,
} from './fleet';
export { type MachineKind, type MachineSnapshot } from './snapshot';
export { PROFILES, findProfile, parseProfiles, type MachineProfile } from './profiles';
export type { AgentFactory, SimAgent, SimAgentState } from './boot';
export { FakeOs, type FakeOsOptions } from './fake-os';
export { FAULT_KINDS, Machine, type FaultSpec, type MachineFaults } from './machine';
