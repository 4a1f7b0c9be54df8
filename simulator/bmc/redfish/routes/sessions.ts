import type { FastifyInstance } from 'fastify';
import { RedfishMessage } from '../../../../protocol';
import { type Session, credentialsMatch } from '../auth';
import { callerCredentials } from '../auth';
import { type RedfishContext, collection, isObject, malformed, odataId } from '../context';
import { LocalMessage, httpError, notFound, unauthorized } from '../errors';
import { SESSIONS, SESSION_SERVICE } from '../paths';

/**
 * SessionService: POST credentials, get an X-Auth-Token and the session's URI in Location;
 * DELETE ends it. Opening a session needs no prior authentication (DSP0266 §13.3.4).
 */
export function registerSessionRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get(SESSION_SERVICE, (_request, reply) =>
    reply.send({
      '@odata.type': '#SessionService.v1_1_8.SessionService',
      '@odata.id': SESSION_SERVICE,
      Id: 'SessionService',
      Name: 'Session Service',
      ServiceEnabled: true,
      SessionTimeout: ctx.sessions.timeoutS,
      Status: { State: 'Enabled', Health: 'OK' },
      Sessions: odataId(SESSIONS),
    }),
  );

  app.get(SESSIONS, (request, reply) => {
    const caller = callerCredentials(request, ctx.sessions);
    if (!caller) throw unauthorized();
    const mine = ctx.sessions
      .list()
      .filter(
        (s) =>
          s.credentials.username === caller.username && s.credentials.password === caller.password,
      );
    return reply.send(
      collection(
        'SessionCollection',
        SESSIONS,
        'Session Collection',
        mine.map((s) => `${SESSIONS}/${s.id}`),
      ),
    );
  });

  app.post<{ Body: unknown }>(SESSIONS, (request, reply) => {
    const body = request.body;
    if (!isObject(body)) throw malformed();
    const { UserName, Password } = body;
    for (const [key, value] of [
      ['UserName', UserName],
      ['Password', Password],
    ] as const) {
      if (value === undefined) {
        throw httpError(
          400,
          LocalMessage.CreateFailedMissingReqProperties,
          `The create operation failed because the required property ${key} was missing from the request.`,
          [key],
        );
      }
      if (typeof value !== 'string') {
        throw httpError(
          400,
          LocalMessage.PropertyValueTypeError,
          `The value for the property ${key} is of a different type than the property can accept.`,
          [JSON.stringify(value), key],
        );
      }
    }
    const credentials = { username: UserName as string, password: Password as string };
    const reachable = [...ctx.directory.list()].some(
      (m) => !m.faults.bmcUnreachable && credentialsMatch(m, credentials),
    );
    if (!reachable) throw unauthorized();
    const session = ctx.sessions.create(credentials);
    return reply
      .code(201)
      .header('X-Auth-Token', session.token)
      .header('Location', `${SESSIONS}/${session.id}`)
      .send(sessionResource(session));
  });

  app.get<{ Params: { sid: string } }>(`${SESSIONS}/:sid`, (request, reply) => {
    const session = ownedSession(ctx, request.params.sid, request);
    if (!session) throw notFound(request.url);
    return reply.send(sessionResource(session));
  });

  app.delete<{ Params: { sid: string } }>(`${SESSIONS}/:sid`, (request, reply) => {
    const session = ownedSession(ctx, request.params.sid, request);
    if (!session) throw notFound(request.url);
    ctx.sessions.delete(session.id);
    return reply.code(204).send();
  });
}

function ownedSession(
  ctx: RedfishContext,
  id: string,
  request: Parameters<typeof callerCredentials>[0],
): Session | undefined {
  const caller = callerCredentials(request, ctx.sessions);
  if (!caller) throw unauthorized();
  const session = ctx.sessions.get(id);
  if (!session) return undefined;
  if (
    session.credentials.username !== caller.username ||
    session.credentials.password !== caller.password
  ) {
    throw httpError(
      403,
      RedfishMessage.InsufficientPrivilege,
      'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
    );
  }
  return session;
}

function sessionResource(session: Session) {
  return {
    '@odata.type': '#Session.v1_3_0.Session',
    '@odata.id': `${SESSIONS}/${session.id}`,
    Id: session.id,
    Name: 'User Session',
    UserName: session.credentials.username,
  };
}
