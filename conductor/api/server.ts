import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ApiVersion } from '../../protocol';
import { ConductorError } from '../nodes/errors';
import type { ApiContext } from './context';
import { sendIronicError } from './errors';
import { negotiate } from './microversion';
import { nodeRoutes, portRoutes } from './routes/nodes';
import { ramdiskRoutes } from './routes/ramdisk';
import { rootRoutes } from './routes/root';

/** Never let an agent token reach a log line, even one that slipped into a query string. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]agent_token=)[^&]*/gi, '$1******');
}

/** The Ironic API subset as a fastify app; listening is the caller's business. */
export function createApiServer(ctx: ApiContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 16 * 1024 * 1024,
  });
  // Fastify forbids object defaults on decorators; every request gets its own in onRequest.
  app.decorateRequest('apiVersion', null as unknown as ApiVersion);

  // Ironic reads bodies as JSON whatever the content type says (clients send DELETE with odd
  // headers, curl sends form types); an empty body is no body, not a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('Malformed JSON in the request body.') as FastifyError;
      err.statusCode = 400;
      done(err, undefined);
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    request.apiVersion = { major: 1, minor: 1 };
    const path = request.url.split('?')[0] ?? '';
    if (path === '/v1' || path.startsWith('/v1/')) {
      if (!negotiate(request, reply)) return;
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    ctx.logger.debug(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'api request',
    );
    done();
  });

  app.setErrorHandler((err: FastifyError | ConductorError, request, reply) => {
    if (err instanceof ConductorError) return sendIronicError(reply, err.status, err.message);
    const status = err.statusCode;
    if (status && status >= 400 && status < 500) return sendIronicError(reply, status, err.message);
    ctx.logger.error({ err, url: redactUrl(request.url) }, 'unhandled API error');
    return sendIronicError(reply, 500, 'Internal Server Error');
  });

  app.setNotFoundHandler((_request, reply) =>
    sendIronicError(reply, 404, 'The resource could not be found.'),
  );

  rootRoutes(app, ctx);
  ramdiskRoutes(app, ctx);
  nodeRoutes(app, ctx);
  portRoutes(app, ctx);
  return app;
}
