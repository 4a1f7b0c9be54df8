import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { FakeIronic } from '../testing/fake-ironic';
import { SteppingClock } from '../testing/stepping-clock';
import { LookupNodeError } from './errors';
import { IronicHttp } from './http-client';
import { IronicClient } from './ironic-client';
import { postInspectionData } from './inspection';
import { lookupNode } from './lookup';

const silent = createLogger({ name: 'test', level: 'silent' });
const MACS = ['52:54:00:12:34:56', '52:54:00:12:34:57'];
const FOUND = {
  status: 200,
  body: {
    node: { uuid: 'node-1', properties: {}, instance_info: {}, driver_internal_info: {} },
    config: { heartbeat_timeout: 300, agent_token: 't'.repeat(40) },
  },
};

describe('Ironic client against a fake Ironic', () => {
  let clock: SteppingClock;
  let ironic: FakeIronic;

  beforeEach(async () => {
    clock = new SteppingClock();
    ironic = new FakeIronic(clock);
    await ironic.start();
  });
  afterEach(async () => {
    await ironic.stop();
  });

  const http = (urls = [ironic.url], extra: { globalRequestId?: string } = {}) =>
    new IronicHttp({
      urls,
      clock,
      logger: silent,
      timeoutMs: 30_000,
      fetch: ironic.fetch,
      ...extra,
    });

  /** Lets I/O finish, then jumps the clock to the next timer, until `done()` holds. */
  const drive = async (done: () => boolean, maxSteps = 200) => {
    for (let i = 0; i < maxSteps; i++) {
      await ironic.idle();
      if (done()) return;
      const due = clock.nextDue();
      if (due === undefined) throw new Error('nothing scheduled');
      await clock.advance(due - clock.now());
    }
    throw new Error('drive: too many steps');
  };

  it('negotiates the version, caps lookup at 1.62 and heartbeat at 1.68, sends IPA headers', async () => {
    ironic.lookup = () => FOUND;
    const client = new IronicClient(http([ironic.url], { globalRequestId: 'req-abc' }), silent);
    await client.lookupOnce(MACS, 'node-from-inspection');
    await client.heartbeat({
      nodeUuid: 'node-1',
      callbackUrl: 'http://10.0.0.5:9999',
      agentToken: 'tok',
      agentVersion: '12.0.0',
      agentVerifyCa: 'PEM',
    });
    expect(ironic.of('/').filter((r) => r.url === '/')).toHaveLength(1); // cached
    const [lookup] = ironic.of('/v1/lookup');
    expect(lookup!.url).toBe(
      '/v1/lookup?addresses=52%3A54%3A00%3A12%3A34%3A56%2C52%3A54%3A00%3A12%3A34%3A57&node_uuid=node-from-inspection',
    );
    expect(lookup!.headers['x-openstack-ironic-api-version']).toBe('1.62');
    expect(lookup!.headers['x-openstack-request-id']).toBe('req-abc');
    const [hb] = ironic.of('/v1/heartbeat/node-1');
    expect(hb!.headers['x-openstack-ironic-api-version']).toBe('1.68');
    expect(hb!.headers['content-type']).toBe('application/json');
    expect(hb!.body).toEqual({
      callback_url: 'http://10.0.0.5:9999',
      agent_token: 'tok',
      agent_version: '12.0.0',
      agent_verify_ca: 'PEM',
    });
  });

  it('knows which Ironic polls command status without the token (21.4 does, 1.96 does not)', async () => {
    ironic.root = () => ({ status: 200, body: { default_version: { version: '1.82' } } });
    const old = new IronicClient(http(), silent);
    expect(old.pollsStatusWithToken()).toBe(true); // unknown until negotiated: strict
    await old.apiVersion();
    expect(old.pollsStatusWithToken()).toBe(false);
    expect(new IronicClient(http(), silent, '1.96').pollsStatusWithToken()).toBe(true);
    expect(new IronicClient(http(), silent, '1.95').pollsStatusWithToken()).toBe(false);
    ironic.root = () => ({ status: 500 });
    const unknown = new IronicClient(http(), silent);
    await unknown.apiVersion();
    expect(unknown.pollsStatusWithToken()).toBe(true);
  });

  it('gates heartbeat fields by version and falls back to 1.31 without caching it', async () => {
    ironic.root = () => ({ status: 500 });
    const client = new IronicClient(http(), silent);
    const params = {
      nodeUuid: 'n',
      callbackUrl: 'http://a:1',
      agentToken: 'tok',
      agentVersion: '12.0.0',
    };
    await client.heartbeat(params);
    await client.heartbeat(params);
    expect(ironic.of('/').filter((r) => r.url === '/')).toHaveLength(2);
    const beats = ironic.of('/v1/heartbeat/');
    expect(beats[0]!.headers['x-openstack-ironic-api-version']).toBe('1.31');
    expect(beats[0]!.body).toEqual({ callback_url: 'http://a:1' });

    const at140 = new IronicClient(http(), silent, '1.40');
    await at140.heartbeat(params);
    expect(ironic.of('/v1/heartbeat/')[2]!.body).toEqual({
      callback_url: 'http://a:1',
      agent_version: '12.0.0',
    });
    const at162 = new IronicClient(http(), silent, '1.62');
    await at162.heartbeat({ ...params, agentToken: null, agentVerifyCa: 'PEM' });
    expect(ironic.of('/v1/heartbeat/')[3]!.body).toEqual({
      callback_url: 'http://a:1',
      agent_token: null,
      agent_version: '12.0.0',
    });
  });

  it('accepts only 202 for a heartbeat and extracts Ironic error text', async () => {
    const client = new IronicClient(http(), silent, '1.68');
    const params = { nodeUuid: 'n', callbackUrl: 'http://a:1', agentToken: 't', agentVersion: 'v' };
    ironic.heartbeat = () => ({ status: 200 });
    await expect(client.heartbeat(params)).rejects.toThrow('Error 200');
    ironic.heartbeat = () => ({
      status: 409,
      body: { error_message: JSON.stringify({ faultstring: 'Node n is locked by host c1' }) },
    });
    await expect(client.heartbeat(params)).rejects.toMatchObject({
      name: 'HeartbeatConflictError',
      status: 409,
      message: 'Error 409: Node n is locked by host c1',
    });
    ironic.heartbeat = () => ({
      status: 400,
      body: {
        error_message: JSON.stringify({
          faultstring: 'Detected change in ramdisk provided callback_url',
        }),
      },
    });
    await expect(client.heartbeat(params)).rejects.toThrow(
      'Error 400: Detected change in ramdisk provided callback_url',
    );
  });

  it('fails over to the next URL on transport errors and remembers the one that worked', async () => {
    ironic.lookup = () => FOUND;
    const h = http(['http://127.0.0.1:1', ironic.url]);
    const client = new IronicClient(h, silent, '1.68');
    expect((await client.lookupOnce(MACS, null)).kind).toBe('found');
    expect(h.baseUrls[0]).toBe(ironic.url);
  });

  it('waits U(lookup_interval, min(2^(n-1), 60)) between failed lookups', async () => {
    let n = 0;
    ironic.lookup = () => (++n <= 8 ? { status: 404, body: { error_message: 'nope' } } : FOUND);
    const client = new IronicClient(http(), silent, '1.68');
    let result: unknown;
    void lookupNode({
      client,
      macs: MACS,
      nodeUuid: null,
      timeoutS: 600,
      intervalS: 1,
      clock,
      random: () => 0.5,
      logger: silent,
    }).then((r) => (result = r));
    await drive(() => result !== undefined);
    const times = ironic.of('/v1/lookup').map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // (1 + ceiling) / 2 with ceiling 1, 2, 4, 8, 16, 32, 60, 60
    expect(gaps).toEqual([1000, 1500, 2500, 4500, 8500, 16500, 30500, 30500]);
    expect(result).toMatchObject({ node: { uuid: 'node-1' }, config: { heartbeat_timeout: 300 } });
  });

  it('adds 5, 10, 30, 30 s after each 409 and honours the interval floor', async () => {
    let n = 0;
    ironic.lookup = () => (++n <= 4 ? { status: 409, body: { error_message: 'locked' } } : FOUND);
    const client = new IronicClient(http(), silent, '1.68');
    let done = false;
    void lookupNode({
      client,
      macs: MACS,
      nodeUuid: null,
      timeoutS: 600,
      intervalS: 3,
      clock,
      random: () => 0,
      logger: silent,
    }).then(() => (done = true));
    await drive(() => done);
    const times = ironic.of('/v1/lookup').map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([8000, 13000, 33000, 33000]);
  });

  it('gives up after lookup_timeout', async () => {
    const client = new IronicClient(http(), silent, '1.68');
    let error: unknown;
    void lookupNode({
      client,
      macs: MACS,
      nodeUuid: null,
      timeoutS: 10,
      intervalS: 1,
      clock,
      random: () => 0,
      logger: silent,
    }).catch((e: unknown) => (error = e));
    const start = clock.now();
    await drive(() => error !== undefined);
    expect(error).toBeInstanceOf(LookupNodeError);
    expect(clock.now() - start).toBe(10_000);
    expect(ironic.of('/v1/lookup')).toHaveLength(11);
  });

  it('retries unusable answers: bad JSON, missing uuid, missing heartbeat_timeout; moves an old top-level heartbeat_timeout', async () => {
    const answers = [
      { status: 200, body: 'not json' },
      { status: 200, body: { node: {}, config: { heartbeat_timeout: 300 } } },
      { status: 200, body: { node: FOUND.body.node, config: {} } },
      { status: 200, body: { node: FOUND.body.node, heartbeat_timeout: 120 } },
    ];
    let n = 0;
    ironic.lookup = () => answers[n++] ?? FOUND;
    const client = new IronicClient(http(), silent, '1.68');
    const kinds = [];
    for (let i = 0; i < 4; i++) kinds.push(await client.lookupOnce(MACS, null));
    expect(kinds.map((k) => k.kind)).toEqual(['retry', 'retry', 'retry', 'found']);
    expect(kinds[3]).toMatchObject({ data: { config: { heartbeat_timeout: 120 } } });
  });

  it('posts inspection data without a version header, retrying 5xx with 5–30 s waits', async () => {
    let n = 0;
    ironic.inspection = () => (++n <= 2 ? { status: 503 } : { status: 200, body: { uuid: 'abc' } });
    let uuid: unknown;
    const data = { inventory: {} as never, error: null };
    void postInspectionData({
      http: http(),
      callbackUrl: `${ironic.url}/v1/continue_inspection`,
      data,
      clock,
      logger: silent,
    }).then((u) => (uuid = u));
    await drive(() => uuid !== undefined);
    expect(uuid).toBe('abc');
    const posts = ironic.of('/v1/continue_inspection');
    expect(posts.map((p) => p.at - posts[0]!.at)).toEqual([0, 5000, 10000]);
    expect(posts[0]!.headers['x-openstack-ironic-api-version']).toBeUndefined();
    expect(posts[0]!.body).toEqual(data);

    ironic.inspection = () => ({ status: 400, body: { error_message: 'bad data' } });
    await expect(
      postInspectionData({
        http: http(),
        callbackUrl: `${ironic.url}/v1/continue_inspection`,
        data,
        clock,
        logger: silent,
      }),
    ).rejects.toThrow('inspection data could not be sent: Error 400: bad data');
  });
});
