/**
 * The conductor's error catalog. Each code carries the HTTP status Ironic answers with, so the API
 * layer only translates the shape, never the meaning.
 */
export const ErrorCode = {
  NotFound: 404,
  NodeNotFound: 404,
  PortNotFound: 404,
  InventoryNotFound: 404,
  IncompleteLookup: 400,
  InvalidParameterValue: 400,
  InvalidStateRequested: 400,
  InvalidMAC: 400,
  InvalidUuidOrName: 400,
  PatchError: 400,
  NodeLocked: 409,
  InvalidState: 409,
  DuplicateName: 409,
  MACAlreadyExists: 409,
  NotAcceptable: 406,
  PowerStateFailure: 500,
  NoFreeConductorWorker: 503,
  ConcurrentActionLimit: 503,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

export class ConductorError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.status = ErrorCode[code];
  }
}

export const nodeNotFound = (ident: string) =>
  new ConductorError('NodeNotFound', `Node ${ident} could not be found.`);

export const nodeLocked = (uuid: string, host: string) =>
  new ConductorError(
    'NodeLocked',
    `Node ${uuid} is locked by host ${host}, please retry after the current operation is completed.`,
  );

export const invalidParameter = (message: string) =>
  new ConductorError('InvalidParameterValue', message);
