import { Agent, loadAgentConfig } from '../../agent';
import type { AgentFactory } from './agent-contract';

/**
 * The real agent, configured through the fake OS (config file, /proc/cmdline) exactly as
 * `Agent.fromHost` does, with its Ironic HTTP routed through the machine's network model.
 */
export const realAgentFactory: AgentFactory = async (host, options) =>
  new Agent({
    host,
    config: await loadAgentConfig({ host, argv: options.argv }),
    logger: options.logger,
    fetch: options.fetch,
  });
