import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, createLogger } from '../../lib';
import { commandResultSchema, faultSchema } from '../../protocol';
import { CommandExecutor } from '../commands/command-executor';
import { InvalidCommandParamsError, StepError } from '../commands/errors';
import type { Extension } from '../commands/extension';
import { buildApiServer } from './api-server';

const TOKEN = 'a'.repeat(40);
const silent = createLogger({ name: 'test', level: 'silent' });

interface Deferred {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

describe('IPA REST API', () => {
  let app: FastifyInstance;
  let executor: CommandExecutor;
  let gate: Deferred | undefined;
  let finished: string[];
  let token: string | null;
  const ctl = new AbortController();

  const testExtension: Extension = {
    name: 'test',
    commands: {
      echo: { mode: 'sync', params: ['value'], run: (p) => p.value },
      str: { mode: 'sync', params: [], run: () => 'hello' },
      nothing: { mode: 'sync', params: [], run: () => undefined },
      boom: {
        mode: 'sync',
        params: [],
        run: () => {
          throw new Error('kaboom');
        },
      },
      slow: {
        mode: 'async',
        params: 'any',
        run: () =>
          new Promise((resolve, reject) => {
            gate = { resolve, reject };
          }),
      },
      validated: {
        mode: 'async',
        params: ['image_info'],
        validate: () => {
          throw new InvalidCommandParamsError('image_info is missing');
        },
        run: () => null,
      },
    },
  };

  beforeEach(() => {
    finished = [];
    token = TOKEN;
    let n = 0;
    executor = new CommandExecutor({
      clock: new FakeClock(),
      logger: silent,
      signal: ctl.signal,
      onAsyncFinished: (r) => finished.push(r.name),
      newId: () => `id-${++n}`,
    });
    executor.register(testExtension);
    app = buildApiServer({
      executor,
      getToken: () => token,
      version: '12.0.0',
      startedAt: 1767225600.25,
      logger: silent,
      bodyLimit: 2048,
      signal: ctl.signal,
    });
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (body: unknown, query = `agent_token=${TOKEN}`, headers = {}) =>
    app.inject({
      method: 'POST',
      url: `/v1/commands/?${query}`,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    });
  const expectFault = (
    res: { statusCode: number; body: string; headers: Record<string, unknown> },
    status: number,
    text: string | RegExp,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    const body = faultSchema.parse(JSON.parse(res.body));
    expect(body.faultcode).toBe(status < 500 ? 'Client' : 'Server');
    if (typeof text === 'string') expect(body.faultstring).toBe(text);
    else expect(body.faultstring).toMatch(text);
    expect(Object.keys(body)).toEqual(['faultcode', 'faultstring']);
  };

  it('serves the root and v1 documents without a token', async () => {
    const root = await app.inject({ url: '/', headers: { host: 'agent:9999' } });
    expect(root.statusCode).toBe(200);
    const doc = JSON.parse(root.body) as Record<string, unknown>;
    expect(doc.name).toBe('OpenStack Ironic Python Agent API');
    expect(doc.default_version).toEqual({
      id: 'v1',
      links: [
        { href: 'http://agent:9999/v1', rel: 'self' },
        {
          href: 'https://docs.openstack.org/ironic-python-agent/',
          rel: 'describedby',
          type: 'text/html',
        },
      ],
    });
    const v1 = await app.inject({ url: '/v1/', headers: { host: 'agent:9999' } });
    expect(JSON.parse(v1.body)).toMatchObject({
      id: 'v1',
      commands: [
        { href: 'http://agent:9999/v1/commands', rel: 'self' },
        { href: 'http://agent:9999/commands', rel: 'bookmark' },
      ],
      media_types: [
        { base: 'application/json', type: 'application/vnd.openstack.ironic-python-agent.v1+json' },
      ],
    });
  });

  it('serves status on both paths, without trailing newline', async () => {
    for (const url of ['/v1/status', '/status']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toBe('{"started_at":1767225600.25,"version":"12.0.0"}');
    }
  });

  it('redirects slashless forms with 308, keeping the query', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/commands?agent_token=${TOKEN}&wait=true`,
      headers: { host: 'h:1' },
    });
    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe(`http://h:1/v1/commands/?agent_token=${TOKEN}&wait=true`);
    expect((await app.inject({ url: '/commands' })).headers.location).toMatch(/\/commands\/$/);
    expect((await app.inject({ url: '/v1' })).statusCode).toBe(308);
  });

  it('answers 404 and 405 as faults', async () => {
    expectFault(
      await app.inject({ url: '/nope' }),
      404,
      '404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
    );
    expectFault(await app.inject({ url: '/v1/status/' }), 404, /^404 Not Found/);
    expectFault(
      await app.inject({ method: 'DELETE', url: `/v1/commands/?agent_token=${TOKEN}` }),
      405,
      '405 Method Not Allowed: The method is not allowed for the requested URL.',
    );
    expectFault(await app.inject({ method: 'POST', url: '/v1/status' }), 405, /^405/);
    expectFault(await app.inject({ method: 'PUT', url: '/commands/abc' }), 405, /^405/);
  });

  it('requires the token as query parameter on every commands route', async () => {
    const invalid = '401 Unauthorized: Token invalid.';
    expectFault(await app.inject({ url: '/v1/commands/' }), 401, invalid);
    expectFault(await app.inject({ url: '/commands/?agent_token=wrong' }), 401, invalid);
    expectFault(await app.inject({ url: '/v1/commands/id-1' }), 401, invalid);
    expectFault(await post({ name: 'test.str', params: {} }, 'agent_token=nope'), 401, invalid);
    expectFault(
      await app.inject({
        method: 'POST',
        url: '/v1/commands/',
        payload: '{}',
        headers: { 'x-agent-token': TOKEN },
      }),
      401,
      invalid,
    );
    token = null; // before lookup: nothing is accepted
    expectFault(await app.inject({ url: `/v1/commands/?agent_token=${TOKEN}` }), 401, invalid);
    token = TOKEN;
    expect((await app.inject({ url: `/v1/commands/?agent_token=${TOKEN}` })).statusCode).toBe(200);
  });

  it('lets an older Ironic poll command status without the token until one arrives', async () => {
    let always = false;
    const legacy = buildApiServer({
      executor,
      getToken: () => token,
      version: '12.0.0',
      startedAt: 1,
      logger: silent,
      bodyLimit: 2048,
      signal: ctl.signal,
      statusTokenAlways: () => always,
    });
    try {
      // Ironic 21.4 sends the token on POSTs only, and polls `GET /v1/commands/` without it.
      const invalid = '401 Unauthorized: Token invalid.';
      const denied = await legacy.inject({
        method: 'POST',
        url: '/v1/commands/',
        payload: { name: 'test.str', params: {} },
      });
      expectFault(denied, 401, invalid);
      const listed = await legacy.inject({ url: '/v1/commands/' });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ commands: [] });
      expect((await legacy.inject({ url: '/v1/commands/nope' })).statusCode).toBe(404);
      // A GET that carries a token shows the conductor sends it: from then on it is required.
      expect((await legacy.inject({ url: `/v1/commands/?agent_token=${TOKEN}` })).statusCode).toBe(
        200,
      );
      expectFault(await legacy.inject({ url: '/v1/commands/' }), 401, invalid);
      expectFault(await legacy.inject({ url: '/commands/id-1' }), 401, invalid);
      always = true;
      expectFault(await legacy.inject({ url: '/v1/commands/' }), 401, invalid);
    } finally {
      await legacy.close();
    }
  });

  it('validates the POST body (after the token), whatever the content type', async () => {
    const missing = '400 Bad Request: Missing or invalid name or params';
    expectFault(await post({ name: 'test.str' }), 400, missing);
    expectFault(await post({ params: {} }), 400, missing);
    expectFault(await post({ name: 'test.str', params: [] }), 400, missing);
    expectFault(await post({ name: 5, params: {} }), 400, missing);
    expectFault(await post([1, 2]), 400, missing);
    expectFault(await post('not json'), 400, /^400 Bad Request: Failed to decode JSON object/);
    const res = await post(
      JSON.stringify({ name: 'test.str', params: {} }),
      `agent_token=${TOKEN}`,
      {
        'content-type': 'text/plain',
      },
    );
    expect(res.statusCode).toBe(200);
    const noType = await app.inject({
      method: 'POST',
      url: `/v1/commands/?agent_token=${TOKEN}`,
      payload: Buffer.from(JSON.stringify({ name: 'test.str', params: {} })),
    });
    expect(noType.statusCode).toBe(200);
    for (const type of ['', 'garbage', 'multipart/form-data; boundary=x']) {
      const res = await post({ name: 'test.str', params: {} }, `agent_token=${TOKEN}`, {
        'content-type': type,
      });
      expect(res.statusCode, type).toBe(200);
    }
  });

  it('maps dispatch errors to IPA faults', async () => {
    expectFault(
      await post({ name: 'nodot', params: {} }),
      400,
      'Invalid command: Command name must be of the form <extension>.<name>',
    );
    expectFault(
      await post({ name: 'nope.x', params: {} }),
      404,
      'Not found: Extension with id nope not found.',
    );
    expectFault(
      await post({ name: 'test.unknown', params: {} }),
      400,
      'Invalid command: Unknown command: unknown',
    );
    expectFault(
      await post({ name: 'test.validated', params: {} }),
      400,
      'Invalid command parameters: image_info is missing',
    );
    expectFault(
      await app.inject({ url: `/v1/commands/missing?agent_token=${TOKEN}` }),
      404,
      'Not found: Command Result with id missing not found.',
    );
  });

  it('answers 413 for an oversized body', async () => {
    const big = JSON.stringify({ name: 'test.echo', params: { value: 'x'.repeat(4096) } });
    expectFault(
      await post(big),
      413,
      '413 Request Entity Too Large: The data value transmitted exceeds the capacity limit.',
    );
  });

  it('runs sync commands: short name, wrapped strings, null, no params in the result', async () => {
    const res = await post({ name: 'test.echo', params: { value: { a: 1 } } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      id: 'id-1',
      command_name: 'echo',
      command_status: 'SUCCEEDED',
      command_error: null,
      command_result: { a: 1 },
    });
    const resultOf = async (name: string) =>
      (JSON.parse((await post({ name, params: {} })).body) as { command_result: unknown })
        .command_result;
    expect(await resultOf('test.str')).toEqual({ result: 'hello' });
    expect(await resultOf('test.nothing')).toBeNull();
  });

  it('records synchronous failures under the dotted name with IPA error objects', async () => {
    const boom = JSON.parse((await post({ name: 'test.boom', params: {} })).body) as unknown;
    expect(boom).toEqual({
      id: 'id-1',
      command_name: 'test.boom',
      command_status: 'FAILED',
      command_error: {
        type: 'CommandExecutionError',
        code: 500,
        message: 'Command execution failed',
        details: 'kaboom',
      },
      command_result: null,
    });
    const bad = JSON.parse((await post({ name: 'test.str', params: { extra: 1 } })).body) as {
      command_status: string;
      command_error: unknown;
    };
    expect(bad.command_status).toBe('FAILED');
    expect(bad.command_error).toEqual({
      type: 'InvalidCommandParamsError',
      code: 400,
      message: 'Invalid command parameters',
      details: 'unexpected keyword argument: extra',
    });
  });

  it('runs async commands, reports busy (409) while running, waits with ?wait=true', async () => {
    const started = JSON.parse((await post({ name: 'test.slow', params: { x: 1 } })).body) as {
      id: string;
    };
    expect(started).toMatchObject({
      command_name: 'slow',
      command_status: 'RUNNING',
      command_result: null,
    });
    expectFault(
      await post({ name: 'test.str', params: {} }),
      409,
      'Agent is busy: executing command slow',
    );

    const waiting = app.inject({
      url: `/v1/commands/${started.id}?wait=TRUE&agent_token=${TOKEN}`,
    });
    const notWaiting = await app.inject({
      url: `/commands/${started.id}?wait=false&agent_token=${TOKEN}`,
    });
    expect(JSON.parse(notWaiting.body)).toMatchObject({ command_status: 'RUNNING' });
    gate!.resolve('done');
    const done = JSON.parse((await waiting).body) as unknown;
    expect(commandResultSchema.parse(done)).toEqual({
      id: started.id,
      command_name: 'slow',
      command_status: 'SUCCEEDED',
      command_error: null,
      command_result: { result: 'slow: done' },
    });
    expect(finished).toEqual(['slow']);

    // Failed async command keeps a RESTError as is.
    gate = undefined;
    const second = post({ name: 'test.slow', params: {} }, `agent_token=${TOKEN}&wait=true`);
    for (let i = 0; i < 100 && !gate; i++) await new Promise((r) => setImmediate(r));
    gate!.reject(new StepError('CleaningError', 'disk on fire'));
    expect(JSON.parse((await second).body)).toMatchObject({
      command_status: 'FAILED',
      command_error: {
        type: 'CleaningError',
        code: 500,
        message: 'Clean step failed',
        details: 'disk on fire',
      },
    });

    const list = JSON.parse(
      (await app.inject({ url: `/v1/commands/?agent_token=${TOKEN}` })).body,
    ) as {
      commands: { id: string; command_name: string }[];
    };
    expect(list.commands.map((c) => c.command_name)).toEqual(['slow', 'slow']);
    expect(list.commands[0]!.id).toBe(started.id);
  });

  it('serialises concurrent sync commands instead of reporting busy', async () => {
    const [a, b] = await Promise.all([
      post({ name: 'test.echo', params: { value: 1 } }),
      post({ name: 'test.echo', params: { value: 2 } }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
  });
});
