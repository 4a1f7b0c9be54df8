import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_URL, createHarness, faultOf, V, type Harness } from '../testing/harness';

let h: Harness;
beforeEach(() => {
  h = createHarness();
  // Created out of name order, so insertion order (Ironic's `id`) and name order differ.
  for (const [i, name] of ['n2', 'n0', 'n4', 'n1', 'n3'].entries()) {
    h.nodes.create({
      name,
      driver: i % 2 ? 'redfish' : 'fake-hardware',
      ports: [{ address: `52:54:00:00:40:0${i}` }],
    });
  }
});
afterEach(() => h.close());

type NodePage = { nodes: { name: string; uuid: string }[]; next?: string };
const get = (url: string) => h.api.inject({ method: 'GET', url, headers: V('1.96') });
const pathOf = (next: string) => next.slice(BASE_URL.length);
const uuidOf = (name: string) => h.nodes.get(name).uuid;

describe('collection paging as Ironic does it', () => {
  it('pages by limit in insertion order and links the next page until one is not full', async () => {
    let res = await get('/v1/nodes?limit=2');
    let body = res.json<NodePage>();
    expect(body.nodes.map((n) => n.name)).toEqual(['n2', 'n0']);
    expect(body.next).toBe(`${BASE_URL}/v1/nodes?limit=2&marker=${uuidOf('n0')}`);
    res = await get(pathOf(body.next!));
    body = res.json<NodePage>();
    expect(body.nodes.map((n) => n.name)).toEqual(['n4', 'n1']);
    res = await get(pathOf(body.next!));
    body = res.json<NodePage>();
    expect(body.nodes.map((n) => n.name)).toEqual(['n3']);
    expect(body.next).toBeUndefined();
    // Without a limit the page is max_limit (1000): everything here, no link.
    const all = (await get('/v1/nodes')).json<NodePage>();
    expect(all.nodes).toHaveLength(5);
    expect(all).not.toHaveProperty('next');
    expect((await get('/v1/nodes?limit=5000')).json<NodePage>().nodes).toHaveLength(5);
  });

  it('sorts by sort_key and sort_dir, keeping them (and filters, fields) in the next link', async () => {
    const res = await get(
      '/v1/nodes/detail?sort_key=name&sort_dir=desc&limit=2&driver=fake-hardware',
    );
    const body = res.json<NodePage>();
    expect(body.nodes.map((n) => n.name)).toEqual(['n4', 'n3']);
    const next = new URL(body.next!);
    expect(next.pathname).toBe('/v1/nodes/detail');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      sort_key: 'name',
      sort_dir: 'desc',
      driver: 'fake-hardware',
      limit: '2',
      marker: uuidOf('n3'),
    });
    const last = (await get(pathOf(body.next!))).json<NodePage>();
    expect(last.nodes.map((n) => n.name)).toEqual(['n2']);
    const fields = (await get('/v1/nodes?fields=name&sort_key=name&limit=3')).json<NodePage>();
    expect(fields.nodes).toEqual([
      expect.objectContaining({ name: 'n0' }),
      expect.objectContaining({ name: 'n1' }),
      expect.objectContaining({ name: 'n2' }),
    ]);
    expect(fields.next).toContain('fields=name');
  });

  it('refuses bad paging parameters with Ironic messages', async () => {
    const cases: [string, number, string][] = [
      ['/v1/nodes?limit=0', 400, 'Limit must be positive'],
      ['/v1/nodes?limit=-3', 400, 'Limit must be positive'],
      ['/v1/nodes?limit=ten', 400, 'Invalid limit: ten'],
      [
        '/v1/nodes?sort_dir=up',
        400,
        "Invalid sort direction: up. Acceptable values are 'asc' or 'desc'",
      ],
      [
        '/v1/nodes?sort_key=driver_info',
        400,
        'The sort_key value "driver_info" is an invalid field for sorting',
      ],
      [
        '/v1/nodes?marker=2f1b2c3d-0000-4000-8000-000000000000',
        404,
        'Node 2f1b2c3d-0000-4000-8000-000000000000 could not be found.',
      ],
      [
        '/v1/ports?sort_key=extra',
        400,
        'The sort_key value "extra" is an invalid field for sorting',
      ],
    ];
    for (const [url, status, text] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      expect(faultOf(res.body).faultstring, url).toBe(text);
    }
  });

  it("pages ports too, all of them and a node's", async () => {
    type PortPage = { ports: { address: string; uuid: string }[]; next?: string };
    const first = (await get('/v1/ports?limit=3&sort_key=address&sort_dir=desc')).json<PortPage>();
    expect(first.ports.map((p) => p.address)).toEqual([
      '52:54:00:00:40:04',
      '52:54:00:00:40:03',
      '52:54:00:00:40:02',
    ]);
    const rest = (await get(pathOf(first.next!))).json<PortPage>();
    expect(rest.ports.map((p) => p.address)).toEqual(['52:54:00:00:40:01', '52:54:00:00:40:00']);
    expect(rest.next).toBeUndefined();
    const own = (await get('/v1/nodes/n4/ports?limit=1')).json<PortPage>();
    expect(own.ports.map((p) => p.address)).toEqual(['52:54:00:00:40:02']);
    expect(own.next).toBe(
      `${BASE_URL}/v1/nodes/${uuidOf('n4')}/ports?limit=1&marker=${own.ports[0]!.uuid}`,
    );
    expect((await get(pathOf(own.next!))).json<PortPage>()).toEqual({ ports: [] });
  });
});
