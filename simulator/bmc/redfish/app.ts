import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Clock, type Logger, systemClock } from '../../../lib';
import { RedfishMessage } from '../../../protocol';
import type { MachineDirectory } from '../directory';
import { SessionStore } from './auth';
import type { RedfishContext } from './context';
import { LocalMessage, RedfishHttpError, httpError, notFound, sendError } from './errors';
import {
  CHASSIS,
  MANAGERS,
  ROOT,
  SESSIONS,
  SESSION_SERVICE,
  SYSTEMS,
  TASK_SERVICE,
  UPDATE_SERVICE,
} from './paths';
import { registerBiosRoutes } from './routes/bios';
import { registerChassisRoutes } from './routes/chassis';
import { registerManagerRoutes } from './routes/managers';
import { registerSessionRoutes } from './routes/sessions';
import { registerSystemRoutes } from './routes/systems';
import { registerTaskRoutes } from './routes/tasks';
import { TaskStore } from './task-store';

export interface RedfishAppOptions {
  directory: MachineDirectory;
  clock?: Clock;
  logger?: Logger;
  /** Service UUID reported in the ServiceRoot. */
  serviceUuid?: string;
  /** Idle timeout of X-Auth-Token sessions, seconds. */
  sessionTimeoutS?: number;
}

/**
 * One Redfish service for a whole fleet, as sushy-tools' emulator serves many Systems on one
 * port. Each System (and its Manager and Chassis) answers only to its own BMC credentials,
 * given as HTTP Basic or through a session; the routes translate requests into calls on the
 * machine model and every failure into a Redfish error body.
 */
export function createRedfishApp(options: RedfishAppOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : {}),
    // Thousands of BMCs polled every few seconds would drown the log in request lines.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
  });
  const clock = options.clock ?? systemClock;
  const ctx: RedfishContext = {
    directory: options.directory,
    clock,
    sessions: new SessionStore(clock, options.sessionTimeoutS),
    tasks: new TaskStore(clock),
    firmware: new Map(),
    logger: options.logger,
  };
  app.addHook('onClose', () => {
    ctx.tasks.stop();
    return Promise.resolve();
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof RedfishHttpError) return sendError(reply, error);
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(
        reply,
        httpError(
          415,
          LocalMessage.UnsupportedMediaType,
          'The request specified a media type that is not supported.',
        ),
      );
    }
    if (status === 400 || error.code?.startsWith('FST_ERR_CTP') === true) {
      return sendError(
        reply,
        httpError(
          400,
          RedfishMessage.MalformedJSON,
          'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
        ),
      );
    }
    options.logger?.error({ err: error }, 'redfish handler failed');
    return sendError(
      reply,
      httpError(
        status >= 400 ? status : 500,
        RedfishMessage.GeneralError,
        'A general error has occurred. See ExtendedInfo for more information.',
      ),
    );
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, notFound(request.url)));
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('OData-Version', '4.0');
    done(null, payload);
  });

  app.get('/redfish', (_request, reply) => reply.send({ v1: `${ROOT}/` }));
  app.get(ROOT, (_request, reply) =>
    reply.send({
      '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
      '@odata.id': `${ROOT}/`,
      Id: 'RootService',
      Name: 'Simulated Redfish Service',
      RedfishVersion: '1.11.0',
      UUID: options.serviceUuid ?? '92384634-2938-2342-8820-489239905423',
      Systems: { '@odata.id': SYSTEMS },
      Managers: { '@odata.id': MANAGERS },
      Chassis: { '@odata.id': CHASSIS },
      SessionService: { '@odata.id': SESSION_SERVICE },
      TaskService: { '@odata.id': TASK_SERVICE },
      UpdateService: { '@odata.id': UPDATE_SERVICE },
      Links: { Sessions: { '@odata.id': SESSIONS } },
    }),
  );

  registerSystemRoutes(app, ctx);
  registerBiosRoutes(app, ctx);
  registerManagerRoutes(app, ctx);
  registerChassisRoutes(app, ctx);
  registerSessionRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  return app;
}
