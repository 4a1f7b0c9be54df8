// The agent's public surface (DESIGN.md): the Host port, the Linux host, the Agent and the
// pieces a simulator or a hardware-manager author needs.
export * from './host';
export { LinuxHost, type LinuxHostOptions } from './host/linux';
export { Agent, type AgentOptions } from './agent';
export { type AgentEvents, type AgentState } from './events';
export {
  type AgentConfig,
  ConfigError,
  DEFAULT_CONFIG_FILE,
  type LoadAgentConfigOptions,
  defaultAgentConfig,
  loadAgentConfig,
} from './config';
export { type CollectInventoryOptions, collectInventory, guessRootDisk } from './inventory';
export {
  type AgentServices,
  type CommandContext,
  type CommandParams,
  type CommandSpec,
  type Extension,
  RestError,
} from './commands';
export {
  type DispatchCall,
  type EraseOutcome,
  GenericHardwareManager,
  type HardwareDispatcher,
  type HardwareManager,
  type HardwareManagerFactory,
  HardwareManagerLoadError,
  HardwareManagerMethodNotFound,
  type HardwareStep,
  HardwareSupport,
  IncompatibleHardwareMethodError,
  ManagerDispatcher,
  type ManagerDispatcherOptions,
  type ManagerEnv,
  type ManagerFactoryEnv,
  type ManagerKwargs,
  type ManagerMethod,
  NO_HARDWARE_MANAGERS,
  type NodeInfo,
  type StepDefinition,
  type StepPhase,
  defineHardwareManager,
  matchRootDeviceHints,
} from './hardware';
export { type LogRecord, LogRing } from './log';
export { AGENT_VERSION } from './version';
