export { createAgentLauncher, type AgentLauncherOptions } from './agent-launcher';
export type { AgentFactory, AgentFactoryOptions, SimAgent, SimAgentState } from './agent-contract';
export { ramdiskCmdline, type RamdiskParams } from './kernel-cmdline';
export { serialLogger } from './serial-log';
