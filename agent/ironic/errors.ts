/** Lookup gave up after `lookup_timeout` seconds. */
export class LookupNodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupNodeError';
  }
}

/** A heartbeat Ironic did not accept (anything but 202). */
export class HeartbeatError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.name = status === 409 ? 'HeartbeatConflictError' : 'HeartbeatError';
    this.status = status;
  }
}

/** No Ironic URL answered at the transport level. */
export class IronicConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IronicConnectionError';
  }
}

/** The agent could not find the address to advertise to Ironic. */
export class LookupAgentIPError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupAgentIPError';
  }
}
