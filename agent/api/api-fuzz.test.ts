import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { faultSchema } from '../../protocol';
import {
  CommandExecutor,
  type AgentServices,
  flowExtension,
  imageExtension,
  logExtension,
  pollExtension,
  rescueExtension,
  standbyExtension,
  stepExtension,
  systemExtension,
} from '../commands';
import { defaultAgentConfig } from '../config';
import { NO_HARDWARE_MANAGERS } from '../hardware';
import { collectInventory } from '../inventory';
import { FakeHost } from '../testing/fake-host';
import { buildApiServer } from './api-server';

const TOKEN = 'f'.repeat(40);

/** Small seeded PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMANDS = [
  'fuzz.slow',
  'poll.get_hardware_info',
  'poll.get_node_info',
  'poll.set_node_info',
  'standby.sync',
  'standby.get_partition_uuids',
  'standby.power_off',
  'clean.get_clean_steps',
  'clean.execute_clean_step',
  'deploy.execute_deploy_step',
  'service.get_service_steps',
  'image.install_bootloader',
  'log.collect_system_logs',
  'rescue.finalize_rescue',
  'system.lockdown',
  'flow.start_flow',
  'nope.x',
  'standby',
  '.',
  '',
  'standby.__proto__',
  'standby.constructor',
  '__proto__.x',
];

describe('API fuzzing', () => {
  it('answers thousands of random requests with no 5xx lacking a fault body and no crash', async () => {
    const rnd = prng(20260801);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const host = new FakeHost().file('/proc/sys/kernel/hostname', 'fuzz\n');
    const logger = createLogger({ name: 'fuzz', level: 'silent' });
    let requestCount = 0;
    const waiters: { until: number; resolve: () => void }[] = [];
    const executor = new CommandExecutor({
      clock: host.clock,
      logger,
      signal: new AbortController().signal,
    });
    const services: AgentServices = {
      host,
      config: defaultAgentConfig(),
      hardware: NO_HARDWARE_MANAGERS,
      collectInventory: () => collectInventory(host),
      node: null,
      lookupConfig: null,
      partitionUuids: {},
      agentLog: () => '',
      commandResults: () => executor.list().map((r) => r.serialize()),
      stopServingApi: () => undefined,
    };
    for (const ext of [
      pollExtension(services),
      standbyExtension(services),
      stepExtension('clean', services.hardware),
      stepExtension('deploy', services.hardware),
      stepExtension('service', services.hardware),
      imageExtension(services),
      logExtension(services),
      rescueExtension(services),
      systemExtension(services),
      flowExtension((n, p, c) => executor.runNested(n, p, c)),
      {
        // Stays RUNNING for a few dozen requests, so busy answers (409) get exercised.
        name: 'fuzz',
        commands: {
          slow: {
            mode: 'async' as const,
            params: 'any' as const,
            run: () =>
              new Promise<void>((resolve) => {
                waiters.push({ until: requestCount + 20, resolve });
                // A `?wait=true` on this command would wait for requests that never come.
                setTimeout(resolve, 50);
              }),
          },
        },
      },
    ]) {
      executor.register(ext);
    }
    const app = buildApiServer({
      executor,
      getToken: () => TOKEN,
      version: 'fuzz',
      startedAt: 0,
      logger,
      bodyLimit: 64 * 1024,
      signal: new AbortController().signal,
    });

    const randomValue = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.2)
        return pick([null, true, false, 0, -1, 1e308, 'x', '', '💥', '../../etc']);
      if (r < 0.4) return Math.floor(rnd() * 1e6) - 5e5;
      if (r < 0.55)
        return String.fromCharCode(
          ...Array.from({ length: Math.floor(rnd() * 20) }, () => Math.floor(rnd() * 0xffff)),
        );
      if (r < 0.75)
        return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(rnd() * 5); i++) {
        obj[
          pick([
            'step',
            'node',
            'ports',
            'flow',
            'params',
            'name',
            'rescue_password',
            'hashed',
            '__proto__',
            'constructor',
            'root_uuid',
            'x',
          ])
        ] = randomValue(depth + 1);
      }
      return obj;
    };
    const randomBody = (): string | Buffer => {
      const r = rnd();
      if (r < 0.1)
        return Buffer.from(
          Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)),
        );
      if (r < 0.2) return JSON.stringify(randomValue(0)).slice(0, Math.floor(rnd() * 50));
      if (r < 0.3) return JSON.stringify(randomValue(0));
      if (r < 0.32) return 'x'.repeat(70 * 1024);
      const body: Record<string, unknown> = {
        name: rnd() < 0.9 ? (rnd() < 0.04 ? 'fuzz.slow' : pick(COMMANDS)) : randomValue(1),
        params: rnd() < 0.5 ? randomValue(1) : {},
      };
      if (rnd() < 0.1) delete body.params;
      if (
        rnd() < 0.3 &&
        typeof body.params === 'object' &&
        body.params !== null &&
        !Array.isArray(body.params)
      ) {
        // plausible parameters for the real commands
        Object.assign(body.params, {
          node: { uuid: 'n' },
          ports: [],
          step: rnd() < 0.5 ? { step: 'erase_devices' } : randomValue(2),
          flow: [{ 'standby.get_partition_uuids': {} }],
        });
      }
      return JSON.stringify(body);
    };

    const statuses = new Map<number, number>();
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const plausible = rnd() < 0.5;
      const method = plausible
        ? 'POST'
        : pick(['POST', 'POST', 'POST', 'GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const path = plausible
        ? '/v1/commands/'
        : pick([
            '/v1/commands/',
            '/commands/',
            '/v1/commands',
            '/v1/commands/abc',
            '/v1/status',
            '/',
            '/v1/',
            '/v1/x/y',
            '/%ff',
            '/v1/commands/%00',
          ]);
      const query = plausible
        ? `?agent_token=${TOKEN}`
        : pick([
            `?agent_token=${TOKEN}`,
            `?agent_token=${TOKEN}&wait=true`,
            '',
            '?agent_token=',
            `?agent_token=${TOKEN}&agent_token=x`,
            `?wait=TRUE&agent_token=${TOKEN}`,
          ]);
      const res = await app.inject({
        method: method as 'POST',
        url: `${path}${query}`,
        payload: method === 'GET' || method === 'HEAD' ? undefined : randomBody(),
        headers: {
          'content-type': pick([
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            '',
          ]),
        },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      requestCount++;
      for (const w of waiters.filter((x) => x.until <= requestCount)) w.resolve();
      if (res.statusCode >= 500) {
        expect(
          faultSchema.safeParse(JSON.parse(res.body)).success,
          `${method} ${path}: ${res.body}`,
        ).toBe(true);
      }
      if (method !== 'HEAD' && res.statusCode >= 400) {
        expect(
          () => faultSchema.parse(JSON.parse(res.body)),
          `${method} ${path}${query}: ${res.body}`,
        ).not.toThrow();
      }
      // Let async commands finish so the agent does not stay busy for the whole run.
      await new Promise((r) => setImmediate(r));
    }
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Every outcome class is exercised, and IPA never answers 415 (any Content-Type is JSON).
    for (const status of [200, 308, 400, 401, 404, 405, 409, 413]) {
      expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
    }
    expect(statuses.has(415)).toBe(false);
    // Commands really ran (and failed in every way), not just routing.
    const records = executor.list();
    expect(records.length).toBeGreaterThan(200);
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(['SUCCEEDED', 'FAILED']));
    expect(statuses.get(200)).toBeGreaterThan(100);
    const alive = await app.inject({ url: '/v1/status' });
    expect(alive.statusCode).toBe(200);
    await app.close();
  }, 120_000);
});
