import type { FastifyReply } from 'fastify';

/**
 * Ironic's error body: the WSME fault serialised to a string and wrapped once more by its
 * ParsableErrorMiddleware, so clients see JSON inside a JSON string.
 */
export function ironicErrorBody(status: number, faultstring: string): { error_message: string } {
  return {
    error_message: JSON.stringify({
      faultstring,
      faultcode: status < 500 ? 'Client' : 'Server',
      debuginfo: null,
    }),
  };
}

export function sendIronicError(
  reply: FastifyReply,
  status: number,
  faultstring: string,
): FastifyReply {
  return reply.code(status).type('application/json').send(ironicErrorBody(status, faultstring));
}
