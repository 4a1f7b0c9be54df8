import type { DestinationStream } from 'pino';

export interface LogRecord {
  /** Epoch milliseconds. */
  time: number;
  level: string;
  msg: string;
  /** The whole JSON line as pino wrote it. */
  line: string;
}

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * The newest log records of one agent, bounded, for the serial console and the log bundle.
 * It is a pino destination; each record is also handed to `forward` (e.g. stdout).
 */
export class LogRing implements DestinationStream {
  private readonly records: LogRecord[] = [];
  private readonly listeners = new Set<(record: LogRecord) => void>();

  constructor(
    private readonly capacity: number,
    private readonly forward?: (line: string, record: LogRecord) => void,
  ) {}

  write(line: string): void {
    const record = toRecord(line);
    this.records.push(record);
    if (this.records.length > this.capacity)
      this.records.splice(0, this.records.length - this.capacity);
    this.forward?.(line, record);
    for (const l of this.listeners) l(record);
  }

  snapshot(): readonly LogRecord[] {
    return [...this.records];
  }

  /** Plain text, one record per line: `<iso time> <LEVEL> <msg>`. */
  text(): string {
    return this.records
      .map((r) => `${new Date(r.time).toISOString()} ${r.level.toUpperCase()} ${r.msg}`)
      .join('\n');
  }

  subscribe(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function toRecord(line: string): LogRecord {
  const trimmed = line.endsWith('\n') ? line.slice(0, -1) : line;
  try {
    const obj = JSON.parse(trimmed) as { time?: unknown; level?: unknown; msg?: unknown };
    const time =
      typeof obj.time === 'number'
        ? obj.time
        : typeof obj.time === 'string'
          ? Date.parse(obj.time)
          : Date.now();
    const level =
      typeof obj.level === 'number'
        ? (LEVELS[obj.level] ?? String(obj.level))
        : typeof obj.level === 'string'
          ? obj.level
          : 'info';
    return { time, level, msg: typeof obj.msg === 'string' ? obj.msg : '', line: trimmed };
  } catch {
    return { time: Date.now(), level: 'info', msg: trimmed, line: trimmed };
  }
}
