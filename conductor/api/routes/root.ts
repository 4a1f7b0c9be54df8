import type { FastifyInstance } from 'fastify';
import { IRONIC_MAX_VERSION, IRONIC_MIN_VERSION } from '../../../protocol';
import type { ApiContext } from '../context';

function versionDoc(base: string) {
  return {
    id: 'v1',
    links: [{ href: `${base}/v1/`, rel: 'self' }],
    status: 'CURRENT',
    min_version: IRONIC_MIN_VERSION,
    version: IRONIC_MAX_VERSION,
  };
}

function links(base: string, name: string) {
  return [
    { href: `${base}/v1/${name}/`, rel: 'self' },
    { href: `${base}/${name}/`, rel: 'bookmark' },
  ];
}

export function rootRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/', () => {
    const base = ctx.baseUrl();
    const v1 = versionDoc(base);
    return {
      name: 'OpenStack Ironic API',
      description:
        'Ironic is an OpenStack project which enables the provision and management of baremetal machines.',
      default_version: v1,
      versions: [v1],
    };
  });

  app.get('/v1', () => {
    const base = ctx.baseUrl();
    return {
      id: 'v1',
      links: [
        { href: `${base}/v1/`, rel: 'self' },
        {
          href: 'https://docs.openstack.org/ironic/latest/contributor/webapi.html',
          rel: 'describedby',
          type: 'text/html',
        },
      ],
      media_types: [{ base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' }],
      nodes: links(base, 'nodes'),
      ports: links(base, 'ports'),
      lookup: links(base, 'lookup'),
      heartbeat: links(base, 'heartbeat'),
      version: versionDoc(base),
    };
  });
}
