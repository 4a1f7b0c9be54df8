import { completionText } from './codes';

/** Anything an IPMI exchange can fail with, worded for `last_error`. */
export class IpmiError extends Error {
  constructor(
    message: string,
    /** The completion code, when the BMC answered with one. */
    readonly completion?: number,
    /** Worth another try: no answer, or a session the BMC lost or had no room for. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'IpmiError';
  }
}

/** The BMC answered a command with a non-zero completion code. */
export function completionError(what: string, completion: number): IpmiError {
  return new IpmiError(`IPMI ${what} failed: ${completionText(completion)}`, completion);
}
