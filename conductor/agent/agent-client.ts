import { Agent, request, type Dispatcher } from 'undici';
import { commandListSchema, commandResultSchema, type CommandResult } from '../../protocol';
import { systemClock, type Clock } from '../../lib';
import type { NodeRow } from '../db/schema';
import { pinnedAgentConnector } from './agent-tls';

/** The agent refused a new command because one is still running (HTTP 409, AgentIsBusy). */
export class AgentBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentBusyError';
  }
}

/** The agent could not be reached, or answered something that is not IPA. */
export class AgentCommandError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AgentCommandError';
  }
}

/**
 * `[agent] command_timeout`, on the socket in real time (undici's headers/body timeouts), never
 * on the injected Clock. The lab's Clock runs up to thousands of times faster than the wall: a
 * 60 s simulated timeout would expire within milliseconds, abort calls the agent is about to
 * answer and leave the conductor unsure whether the agent took the command and its token. Only
 * orchestration waits (callback timeouts, `wait` steps, polling intervals) use the Clock.
 */
const COMMAND_TIMEOUT_MS = 60_000;
/** `[agent] max_command_attempts` for connection failures. */
const MAX_ATTEMPTS = 3;

export interface AgentClientOptions {
  /** For plain http agents and https agents that sent no certificate. */
  dispatcher: Dispatcher;
  /** Judges agent certificate dates; the lab's scaled clock dates the agents' certificates. */
  clock?: Clock;
}

/**
 * The conductor → agent channel of research conductor-bmc.md §2.4: POST/GET
 * `<agent_url>/v1/commands/` with `agent_token` as a query parameter on every call.
 */
export class AgentClient {
  /** One verifying dispatcher per agent certificate (`agent_verify_ca` from the heartbeat). */
  private readonly pinned = new Map<string, Agent>();

  constructor(private readonly opts: AgentClientOptions) {}

  async close(): Promise<void> {
    const agents = [...this.pinned.values()];
    this.pinned.clear();
    await Promise.all(agents.map((a) => a.close()));
  }

  /**
   * An agent with auto TLS serves a self-signed certificate and sends it as `agent_verify_ca`;
   * Ironic uses it as the CA for that agent, and so do we.
   */
  private dispatcherFor(node: NodeRow, url: URL): Dispatcher {
    const ca = node.driverInternalInfo.agent_verify_ca;
    if (url.protocol !== 'https:' || typeof ca !== 'string' || !ca.includes('BEGIN CERTIFICATE')) {
      return this.opts.dispatcher;
    }
    let agent = this.pinned.get(ca);
    if (!agent) {
      // Agent certificates come and go with reboots; keep the cache small.
      if (this.pinned.size >= 256) {
        const [oldest] = this.pinned;
        if (oldest) {
          this.pinned.delete(oldest[0]);
          void oldest[1].close();
        }
      }
      agent = new Agent({
        connections: 2,
        connect: pinnedAgentConnector(ca, this.opts.clock ?? systemClock),
      });
      this.pinned.set(ca, agent);
    }
    return agent;
  }

  async executeCommand(
    node: NodeRow,
    name: string,
    params: Record<string, unknown>,
    wait: boolean,
  ): Promise<CommandResult> {
    const body = await this.call(node, 'POST', { wait: String(wait) }, { name, params });
    const parsed = commandResultSchema.safeParse(body);
    if (!parsed.success) {
      throw new AgentCommandError(`Agent answered ${name} with an invalid command result`);
    }
    return parsed.data;
  }

  async listCommands(node: NodeRow): Promise<CommandResult[]> {
    const body = await this.call(node, 'GET', {});
    const parsed = commandListSchema.safeParse(body);
    if (!parsed.success) throw new AgentCommandError('Agent answered an invalid command list');
    return parsed.data.commands;
  }

  private async call(
    node: NodeRow,
    method: 'GET' | 'POST',
    query: Record<string, string>,
    body?: unknown,
  ): Promise<unknown> {
    const dii = node.driverInternalInfo;
    if (typeof dii.agent_url !== 'string') {
      throw new AgentCommandError(
        `Node ${node.uuid} has no agent_url: the agent has not heartbeated`,
      );
    }
    const url = new URL(
      'v1/commands/',
      dii.agent_url.endsWith('/') ? dii.agent_url : `${dii.agent_url}/`,
    );
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (typeof dii.agent_secret_token === 'string') {
      url.searchParams.set('agent_token', dii.agent_secret_token);
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          dispatcher: this.dispatcherFor(node, url),
          headersTimeout: COMMAND_TIMEOUT_MS,
          bodyTimeout: COMMAND_TIMEOUT_MS,
        });
      } catch (err) {
        lastError = err;
        continue;
      }
      const text = await res.body.text();
      if (res.statusCode === 409 || /agent is busy/i.test(text)) {
        throw new AgentBusyError(faultText(text) || 'Agent is busy');
      }
      if (res.statusCode >= 400) {
        throw new AgentCommandError(
          `Agent answered ${method} /v1/commands/ with ${res.statusCode}: ${faultText(text)}`,
          res.statusCode,
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new AgentCommandError('Agent answered with invalid JSON');
      }
    }
    throw new AgentCommandError(
      `Agent at ${url.origin} is unreachable: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`,
    );
  }
}

function faultText(text: string): string {
  try {
    const body = JSON.parse(text) as { faultstring?: string; message?: string };
    return body.faultstring ?? body.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** The text Ironic extracts from a failed command: `details`, else `message`. */
export function commandErrorText(result: CommandResult): string {
  const err = result.command_error;
  if (!err) return 'unknown error';
  return err.details || err.message;
}
