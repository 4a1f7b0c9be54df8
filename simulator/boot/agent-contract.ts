import type { Host } from '../../agent/host';
import type { fetch as undiciFetch } from 'undici';
import type { Logger } from '../../lib';

/**
 * The part of the agent the simulator drives (agent/index.ts `Agent`): built from a Host,
 * started, stopped like a power cut, and observed through events. Stated here so the launcher
 * can also run a stand-in in tests that are about the machine and not about the agent.
 */
export type SimAgentState = 'starting' | 'looking-up' | 'running' | 'stopped' | 'failed';

export interface SimAgent {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(
    event: 'state',
    listener: (event: { state: SimAgentState; previous: SimAgentState; error?: string }) => void,
  ): () => void;
  on(
    event: 'lookup',
    listener: (event: { ok: boolean; nodeUuid?: string; error?: string }) => void,
  ): () => void;
  on(event: 'heartbeat', listener: (event: { ok: boolean; error?: string }) => void): () => void;
}

export interface AgentFactoryOptions {
  argv: string[];
  logger: Logger;
  /** HTTP for the agent's calls to Ironic: fails like a dead network while the link is down. */
  fetch: typeof undiciFetch;
}

export type AgentFactory = (host: Host, options: AgentFactoryOptions) => Promise<SimAgent>;
