import { TRPCError } from '@trpc/server';

type Code = ConstructorParameters<typeof TRPCError>[0]['code'];

const byStatus: Record<number, Code> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  406: 'BAD_REQUEST',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/**
 * Lab parts report failures with an HTTP-like status (the Ironic API's own codes); the browser
 * should see the same meaning as a tRPC code, with a message that says what was being attempted.
 */
export function toTRPCError(error: unknown, attempted: string): TRPCError {
  if (error instanceof TRPCError) return error;
  const record =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const status = [record.status, record.statusCode, record.httpStatus].find(
    (v): v is number => typeof v === 'number',
  );
  const reason = error instanceof Error ? error.message : String(error);
  return new TRPCError({
    code: (status !== undefined ? byStatus[status] : undefined) ?? 'INTERNAL_SERVER_ERROR',
    message: `${attempted}: ${reason}`,
    cause: error,
  });
}
