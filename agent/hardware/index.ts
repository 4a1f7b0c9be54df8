export {
  type DispatchCall,
  type HardwareDispatcher,
  HardwareManagerMethodNotFound,
  type HardwareStep,
  NO_HARDWARE_MANAGERS,
  type StepPhase,
} from './dispatch';
export {
  BlockDeviceEraseError,
  CleaningError,
  CommandExecutionError,
  DeviceNotFound,
  HardwareManagerConfigurationError,
  HardwareManagerLoadError,
  HardwareManagerNotFound,
  IncompatibleHardwareMethodError,
  ProtectedDeviceError,
  SoftwareRAIDError,
} from './errors';
export {
  type AgentBridge,
  type HardwareManager,
  type HardwareManagerFactory,
  type ManagerEnv,
  type ManagerFactoryEnv,
  type ManagerKwargs,
  type ManagerMethod,
  type NodeInfo,
  type StepArgInfo,
  type StepDefinition,
  type StepInterface,
  type StepList,
  defineHardwareManager,
} from './manager';
export { STEP_INTERFACES, checkManagerShape } from './manager-schema';
export { type ModuleImporter, loadManagerPlugins } from './load-managers';
export { deduplicateSteps } from './merge-steps';
export {
  type LoadedManager,
  ManagerDispatcher,
  type ManagerDispatcherOptions,
} from './manager-dispatcher';
export { HardwareSupport, type HardwareSupportLevel } from './support';
export {
  HINT_TYPES,
  type HintName,
  RootDeviceHintError,
  findDevicesByHints,
  matchRootDeviceHints,
  parseRootDeviceHints,
} from './hints/root-device-hints';
export {
  type DeviceProgressSink,
  type EraseOutcome,
  GenericHardwareManager,
  type GenericHardwareManagerOptions,
} from './generic/generic-manager';
export { type BlockDevice, listBlockDevices } from './generic/block-devices';
export {
  DEFAULT_CHUNK_BYTES,
  type OverwriteOptions,
  type OverwriteProgress,
  type OverwriteResult,
  overwriteBlockDevice,
} from './generic/overwrite';
