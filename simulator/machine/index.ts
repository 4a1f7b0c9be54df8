export {
  Machine,
  type AgentStatus,
  type AtaSecurity,
  type BootDevice,
  type BootOverride,
  type BootOverrideEnabled,
  type EfiBootEntry,
  type HardwareBoot,
  type MachineHardware,
  type MachineDisk,
  type MachineListener,
  type MachineOptions,
  type MediaDevice,
  type OsHandle,
  type PowerPhase,
  type RamdiskBoot,
  type RamdiskLauncher,
  type RunningOs,
  type VirtualMediaSlot,
} from './machine';
export {
  FAULT_KINDS,
  type FaultSpec,
  type MachineFaults,
  activeFaults,
  noFaults,
  setFault,
} from './faults';
export { MacAllocator } from './mac-allocator';
export { NamedTimers } from './named-timers';
export { SerialConsole, type SerialListener } from './serial-console';
export { SparseDisk, CHUNK_SIZE, type SparseDiskStats } from './sparse-disk';
export * from './types';
export {
  type DiskLayout,
  type FileSystemInfo,
  type PartitionInfo,
  partitionName,
  probeFileSystem,
  readDiskLayout,
} from './disk-layout';
export { BIOS_REGISTRY, type BiosValue, biosChangeError, biosDefaults } from './bios';
