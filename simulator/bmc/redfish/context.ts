import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, Logger } from '../../../lib';
import { RedfishMessage } from '../../../protocol';
import type { Machine } from '../../machine';
import type { MachineDirectory } from '../directory';
import { type SessionStore, callerCredentials, credentialsMatch } from './auth';
import { httpError, notFound, unauthorized } from './errors';
import type { TaskStore } from './task-store';

export interface RedfishContext {
  directory: MachineDirectory;
  clock: Clock;
  sessions: SessionStore;
  tasks: TaskStore;
  /** BMC firmware versions after simulated updates, by machine id. */
  firmware: Map<string, string>;
  logger: Logger | undefined;
}

export type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * The machine a request addresses, after the BMC-level faults and the credential check; null
 * once the reply has been dealt with (an unreachable BMC drops the connection unanswered).
 */
export function machineFor(
  ctx: RedfishContext,
  request: IdRequest,
  reply: FastifyReply,
): Machine | null {
  const machine = ctx.directory.get(request.params.id);
  if (!machine) throw notFound(request.url);
  if (machine.faults.bmcUnreachable) {
    void reply.hijack();
    request.raw.socket.destroy();
    return null;
  }
  if (machine.faults.bmcError) {
    throw httpError(
      500,
      RedfishMessage.GeneralError,
      'A general error has occurred. See ExtendedInfo for more information.',
    );
  }
  const credentials = callerCredentials(request, ctx.sessions);
  if (!credentials || !credentialsMatch(machine, credentials)) {
    void reply.header('WWW-Authenticate', 'Basic realm="Redfish"');
    throw unauthorized();
  }
  return machine;
}

/** The machines the caller's credentials reach (for collections); 401 when none. */
export function reachableMachines(ctx: RedfishContext, request: FastifyRequest): Machine[] {
  const credentials = callerCredentials(request, ctx.sessions);
  if (!credentials) throw unauthorized();
  const machines = [...ctx.directory.list()].filter(
    (m) => !m.faults.bmcUnreachable && credentialsMatch(m, credentials),
  );
  if (machines.length === 0) throw unauthorized();
  return machines;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function malformed() {
  return httpError(
    400,
    RedfishMessage.MalformedJSON,
    'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
  );
}

export function odataId(path: string): { '@odata.id': string } {
  return { '@odata.id': path };
}

export function collection(type: string, path: string, name: string, members: string[]) {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': path,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map(odataId),
  };
}
