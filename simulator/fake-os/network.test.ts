import { Agent as HttpClient, fetch, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackServer } from '../../agent/image/testing/loopback-server';
import { FakeClock } from '../../lib';
import { testMachine } from '../testing/machines';
import { machineNetwork } from './network';

const BODY = Buffer.alloc(256 * 1024, 0x5a);

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(apiPath = '') {
  const machine = testMachine('small-vm', new FakeClock());
  const server = await loopbackServer((req, res) => {
    if (req.method === 'POST') req.resume();
    res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  cleanup.push(() => server.close());
  const client = new HttpClient().compose(machineNetwork(machine, [`${server.url}${apiPath}`]));
  cleanup.push(() => client.close());
  const get = async (path: string, method: 'GET' | 'POST' = 'GET') => {
    const res = await request(`${server.url}${path}`, {
      method,
      dispatcher: client,
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    return Buffer.from(await res.body.arrayBuffer());
  };
  /** undici's fetch drives the newer handler interface, request() the older one. */
  const fetched = async (path: string) =>
    Buffer.from(await (await fetch(`${server.url}${path}`, { dispatcher: client })).arrayBuffer());
  return { machine, get, fetched };
}

describe('the machine network', () => {
  it('corrupts downloads while image-corrupt is on, never the Ironic API, and heals when cleared', async () => {
    const { machine, get, fetched } = await setup();
    expect((await get('/images/a.raw')).equals(BODY)).toBe(true);
    machine.injectFault({ kind: 'image-corrupt' });
    for (const damaged of [await get('/images/a.raw'), await fetched('/images/a.raw')]) {
      expect(damaged.length).toBe(BODY.length);
      expect(damaged.equals(BODY)).toBe(false);
    }
    expect((await fetched('/v1/lookup')).equals(BODY)).toBe(true);
    for (const path of ['/', '/v1', '/v1/lookup?addresses=x', '/v1/heartbeat/n']) {
      expect((await get(path)).equals(BODY)).toBe(true);
    }
    expect((await get('/upload', 'POST')).equals(BODY)).toBe(true);
    machine.clearFault({ kind: 'image-corrupt' });
    expect((await get('/images/a.raw')).equals(BODY)).toBe(true);
  });

  it('knows an Ironic API behind a path prefix, and what lies beside it', async () => {
    const { machine, get } = await setup('/baremetal');
    machine.injectFault({ kind: 'image-corrupt' });
    expect((await get('/baremetal/v1/lookup')).equals(BODY)).toBe(true);
    expect((await get('/v1/images/x')).equals(BODY)).toBe(false);
  });

  it('fails every request with ENETUNREACH while the provisioning link is down', async () => {
    const { machine, get, fetched } = await setup();
    machine.injectFault({ kind: 'link-down', nic: 'enp1s0' });
    await expect(get('/images/a.raw')).rejects.toMatchObject({ code: 'ENETUNREACH' });
    await expect(fetched('/v1/lookup')).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { code: 'ENETUNREACH' },
    });
    machine.clearFault({ kind: 'link-down', nic: 'enp1s0' });
    expect((await get('/images/a.raw')).equals(BODY)).toBe(true);
  });
});
