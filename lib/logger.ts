import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

/**
 * Keys that carry secrets anywhere in a log record. Agent tokens and BMC passwords must never be
 * written to a log, whatever object they travel in.
 */
export const REDACTED_PATHS = [
  'agent_token',
  'token',
  'password',
  'authorization',
  '*.agent_token',
  '*.token',
  '*.password',
  '*.authorization',
  '*.redfish_password',
  '*.ipmi_password',
  '*.agent_secret_token',
  'headers.authorization',
  'headers["x-auth-token"]',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where records go; defaults to stdout. */
  destination?: DestinationStream;
  /** Extra fields bound to every record. */
  base?: Record<string, unknown>;
}

/** The one structured logger every runtime uses. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: options.base ?? {},
      redact: { paths: REDACTED_PATHS, censor: '******' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
