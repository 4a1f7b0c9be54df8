import { type Logger, createLogger } from '../../lib';
import { LogRing, type LogRecord } from './log-ring';

const STANDARD_KEYS = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

export interface AgentLogger {
  logger: Logger;
  ring: LogRing;
}

/**
 * The agent's own logger writes into its ring; records are then handed on to the caller's
 * logger (level and fields kept), so a simulator's many agents each keep their own history.
 */
export function createAgentLogger(options: {
  level: string;
  capacity: number;
  downstream?: Logger;
  base?: Record<string, unknown>;
}): AgentLogger {
  const { downstream } = options;
  const forward = downstream
    ? (line: string, record: LogRecord) => {
        let fields: Record<string, unknown> = {};
        try {
          fields = JSON.parse(line) as Record<string, unknown>;
        } catch {
          // unparseable lines are forwarded as a message only
        }
        for (const k of STANDARD_KEYS) delete fields[k];
        const method = record.level in LEVEL_METHODS ? (record.level as LevelMethod) : 'info';
        downstream[method](fields, record.msg);
      }
    : undefined;
  const ring = new LogRing(options.capacity, forward);
  const logger = createLogger({
    name: 'ironic-python-agent',
    level: options.level,
    destination: ring,
    ...(options.base ? { base: options.base } : {}),
  });
  return { logger, ring };
}

type LevelMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LEVEL_METHODS: Record<LevelMethod, true> = {
  trace: true,
  debug: true,
  info: true,
  warn: true,
  error: true,
  fatal: true,
};
