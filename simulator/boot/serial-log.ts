import { createLogger, type Logger } from '../../lib';
import type { Machine } from '../machine';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};

/**
 * A logger whose records land on the machine's serial console in IPA's journal style, as
 * `systemd.journald.forward_to_console` shows them on a real ramdisk. Secrets are redacted by
 * the shared logger before anything is written.
 */
export function serialLogger(
  machine: Machine,
  write: (line: string) => void,
  level = 'info',
): Logger {
  return createLogger({
    name: 'ironic-python-agent',
    level,
    destination: {
      write(record: string) {
        write(formatRecord(machine, record));
      },
    },
  });
}

function formatRecord(machine: Machine, record: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(record) as Record<string, unknown>;
  } catch {
    return record.trimEnd();
  }
  const level = LEVELS[Number(parsed.level)] ?? 'INFO';
  const msg = typeof parsed.msg === 'string' ? parsed.msg : '';
  const extra = Object.entries(parsed)
    .filter(([key]) => !['level', 'time', 'msg', 'name', 'pid', 'hostname'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `[${machine.kernelTime()}] ironic-python-agent[${level}]: ${msg}${extra ? ` (${extra})` : ''}`;
}
