import type { CommandError } from '../../protocol';

/**
 * IPA's RESTError family (`errors.py`): `type` is the class name, `code` the HTTP-ish status,
 * `message` the class message and `details` the specific text. A RESTError raised before a
 * command starts becomes an HTTP fault `"<message>: <details>"` with `code` as status.
 */
export class RestError extends Error {
  readonly type: string;
  readonly code: number;
  readonly details: string;
  constructor(type: string, code: number, message: string, details: string) {
    super(message);
    this.name = type;
    this.type = type;
    this.code = code;
    this.details = details;
  }

  toJSON(): CommandError {
    return { type: this.type, code: this.code, message: this.message, details: this.details };
  }

  /** IPA's faultstring for a RESTError. */
  get faultstring(): string {
    return `${this.message}: ${this.details}`;
  }
}

/** Bad input caught before a command runs; always answered as HTTP 400. */
export class InvalidContentError extends RestError {
  constructor(details: string, type = 'InvalidContentError', message = 'Invalid request body') {
    super(type, 400, message, details);
  }
}

export class InvalidCommandError extends InvalidContentError {
  constructor(details: string) {
    super(details, 'InvalidCommandError', 'Invalid command');
  }
}

export class InvalidCommandParamsError extends InvalidContentError {
  constructor(details: string) {
    super(details, 'InvalidCommandParamsError', 'Invalid command parameters');
  }
}

export class RequestedObjectNotFoundError extends RestError {
  constructor(kind: string, id: string) {
    super('RequestedObjectNotFoundError', 404, 'Not found', `${kind} with id ${id} not found.`);
  }
}

export class CommandExecutionError extends RestError {
  constructor(details: string, type = 'CommandExecutionError', code = 500) {
    super(
      type,
      code,
      type === 'AgentIsBusy' ? 'Agent is busy' : 'Command execution failed',
      details,
    );
  }
}

export class AgentIsBusy extends CommandExecutionError {
  constructor(commandName: string) {
    super(`executing command ${commandName}`, 'AgentIsBusy', 409);
  }
}

/** Hardware managers differ from what the conductor computed steps against. */
export class VersionMismatch extends RestError {
  constructor(agentVersion: unknown, expected: unknown) {
    super(
      'VersionMismatch',
      409,
      'Hardware managers version mismatch, reload agent with correct version',
      `Current state is: ${JSON.stringify(agentVersion)}, expected state is: ${JSON.stringify(expected)}`,
    );
  }
}

/** A step failure in one of the three step phases. */
export class StepError extends RestError {
  constructor(type: 'CleaningError' | 'DeploymentError' | 'ServicingError', details: string) {
    const message = {
      CleaningError: 'Clean step failed',
      DeploymentError: 'Deploy step failed',
      ServicingError: 'Service step failed',
    }[type];
    super(type, 500, message, details);
  }
}

/** Any thrown value as IPA's error object; non-RESTErrors become CommandExecutionError. */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof RestError) return err.toJSON();
  const details = err instanceof Error ? err.message : String(err);
  return new CommandExecutionError(details).toJSON();
}
