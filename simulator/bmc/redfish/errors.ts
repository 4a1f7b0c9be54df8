import type { FastifyReply } from 'fastify';
import { type RedfishError, RedfishMessage, redfishError } from '../../../protocol';

/** Message ids beyond the shared catalog that this BMC answers with. */
export const LocalMessage = {
  ActionParameterMissing: 'Base.1.8.ActionParameterMissing',
  PropertyValueTypeError: 'Base.1.8.PropertyValueTypeError',
  PropertyNotWritable: 'Base.1.8.PropertyNotWritable',
  ActionNotSupported: 'Base.1.8.ActionNotSupported',
  UnsupportedMediaType: 'Base.1.8.UnsupportedMediaType',
  ResourceAlreadyExists: 'Base.1.8.ResourceAlreadyExists',
  CreateFailedMissingReqProperties: 'Base.1.8.CreateFailedMissingReqProperties',
} as const;

export class RedfishHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: RedfishError,
  ) {
    super(body.error.message);
  }
}

export function httpError(
  status: number,
  messageId: string,
  message: string,
  args?: string[],
): RedfishHttpError {
  return new RedfishHttpError(
    status,
    redfishError(messageId, message, resolutionFor(messageId), args),
  );
}

export function sendError(reply: FastifyReply, error: RedfishHttpError): FastifyReply {
  return reply.code(error.status).type('application/json').send(error.body);
}

export const notFound = (url: string) =>
  httpError(
    404,
    RedfishMessage.ResourceNotFound,
    `The requested resource of type ${'Resource'} named '${url}' was not found.`,
    [url],
  );

export const unauthorized = () =>
  httpError(
    401,
    RedfishMessage.NoValidSession,
    'There is no valid session established with the implementation.',
  );

function resolutionFor(messageId: string): string {
  switch (messageId) {
    case RedfishMessage.NoValidSession:
      return 'Establish a session before attempting any operations, or supply valid Basic credentials.';
    case RedfishMessage.PreconditionFailed:
      return 'Try the operation again using the appropriate ETag.';
    case RedfishMessage.MalformedJSON:
      return 'Ensure that the request body is valid JSON and resubmit the request.';
    case RedfishMessage.ResourceNotFound:
      return 'Provide a valid URI and resubmit the request.';
    case RedfishMessage.ActionParameterValueNotInList:
    case RedfishMessage.PropertyValueNotInList:
      return 'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.';
    case RedfishMessage.PropertyUnknown:
      return 'Remove the unknown property from the request body and resubmit the request if the operation failed.';
    default:
      return 'None.';
  }
}
