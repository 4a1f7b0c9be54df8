import { Agent } from '../../agent';
import type { AgentFactory } from './agent-contract';

/** The real agent, configured from the fake OS's /proc/cmdline like on a real ramdisk. */
export const realAgentFactory: AgentFactory = (host, options) => Agent.fromHost(host, options);
