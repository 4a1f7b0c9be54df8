export { CommandExecutor, type CommandExecutorOptions } from './command-executor';
export { CommandRecord } from './command-record';
export * from './errors';
export type { CommandContext, CommandParams, CommandSpec, Extension } from './extension';
export type { AgentServices } from './services';
export { pollExtension } from './extensions/poll';
export { standbyExtension } from './extensions/standby';
