export { type AgentConfig, defaultAgentConfig } from './agent-config';
export { ConfigError } from './config-error';
export { DEFAULT_CONFIG_FILE, type LoadAgentConfigOptions, loadAgentConfig } from './load-config';
export { normalizeBootif, parseKernelCmdline } from './kernel-cmdline';
export { OPTIONS, type OptionName } from './options';
