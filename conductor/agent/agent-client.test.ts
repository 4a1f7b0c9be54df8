import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib';
import type { NodeRow } from '../db/schema';
import { AgentBusyError, AgentClient, AgentCommandError } from './agent-client';

let app: FastifyInstance;
let url: string;
let dispatcher: Agent;
const seen: { method: string; url: string; body: unknown }[] = [];
let releaseSlow: () => void = () => undefined;
let slowArrived: () => void = () => undefined;

beforeEach(async () => {
  seen.length = 0;
  app = Fastify();
  app.all('/v1/commands/', (req, reply) => {
    seen.push({ method: req.method, url: req.url, body: req.body });
    const body = req.body as { name?: string } | undefined;
    if (body?.name === 'busy.cmd') {
      return reply
        .code(409)
        .send({ faultcode: 'Client', faultstring: 'Agent is busy: executing command x' });
    }
    if (body?.name === 'slow.cmd') {
      // Answers only when the test says so, however far the clock has moved meanwhile.
      return new Promise((resolve) => {
        releaseSlow = () =>
          resolve({
            id: 'c2',
            command_name: 'slow',
            command_status: 'SUCCEEDED',
            command_error: null,
            command_result: { late: true },
          });
        slowArrived();
      });
    }
    if (body?.name === 'bad.cmd')
      return reply.code(400).send({ faultcode: 'Client', faultstring: 'nope' });
    if (req.method === 'GET') return { commands: [] };
    return {
      id: 'c1',
      command_name: 'cmd',
      command_status: 'SUCCEEDED',
      command_error: null,
      command_result: { r: 1 },
    };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  dispatcher = new Agent();
});
afterEach(async () => {
  await app.close();
  await dispatcher.close();
});

const nodeWith = (dii: Record<string, unknown>) =>
  ({ uuid: 'u1', driverInternalInfo: dii }) as unknown as NodeRow;

describe('AgentClient', () => {
  it('posts commands with wait and the token as query parameters', async () => {
    const client = new AgentClient({ dispatcher });
    const res = await client.executeCommand(
      nodeWith({ agent_url: url, agent_secret_token: 'tok' }),
      'clean.get_clean_steps',
      { node: {} },
      true,
    );
    expect(res.command_result).toEqual({ r: 1 });
    expect(seen[0]).toEqual({
      method: 'POST',
      url: '/v1/commands/?wait=true&agent_token=tok',
      body: { name: 'clean.get_clean_steps', params: { node: {} } },
    });
    expect(
      await client.listCommands(nodeWith({ agent_url: `${url}/`, agent_secret_token: 'tok' })),
    ).toEqual([]);
    expect(seen[1]!.url).toBe('/v1/commands/?agent_token=tok');
  });

  it('maps 409 to AgentBusyError and other errors to AgentCommandError', async () => {
    const client = new AgentClient({ dispatcher });
    const node = nodeWith({ agent_url: url, agent_secret_token: 't' });
    await expect(client.executeCommand(node, 'busy.cmd', {}, false)).rejects.toBeInstanceOf(
      AgentBusyError,
    );
    await expect(client.executeCommand(node, 'bad.cmd', {}, false)).rejects.toThrow(/400: nope/);
    await expect(client.listCommands(nodeWith({}))).rejects.toBeInstanceOf(AgentCommandError);
  });

  it('gives up on an unreachable agent after its attempts', async () => {
    const client = new AgentClient({ dispatcher });
    await app.close();
    await expect(
      client.listCommands(nodeWith({ agent_url: url, agent_secret_token: 't' })),
    ).rejects.toThrow(/is unreachable/);
  });

  it('times agent calls in real time: simulated hours passing do not abort a call', async () => {
    const clock = new FakeClock();
    const client = new AgentClient({ dispatcher, clock });
    const arrived = new Promise<void>((r) => (slowArrived = r));
    const call = client.executeCommand(
      nodeWith({ agent_url: url, agent_secret_token: 't' }),
      'slow.cmd',
      {},
      true,
    );
    await arrived;
    // Far beyond [agent] command_timeout on the lab's clock, while the agent is still working.
    await clock.advance(10 * 3_600_000);
    releaseSlow();
    await expect(call).resolves.toMatchObject({ command_result: { late: true } });
    expect(
      seen.filter((s) => (s.body as { name?: string } | undefined)?.name === 'slow.cmd'),
    ).toHaveLength(1);
  });
});
