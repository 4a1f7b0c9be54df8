import type { Logger } from '../../lib';
import type { CommandProgress } from '../../protocol';

export type CommandParams = Record<string, unknown>;

export interface CommandContext {
  /** Aborted when the agent stops. */
  signal: AbortSignal;
  logger: Logger;
  /** Short command name, e.g. `execute_clean_step`. */
  name: string;
  /** Reports progress of a long async command (shown as `command_progress`). */
  reportProgress(progress: CommandProgress): void;
}

export interface CommandSpec {
  mode: 'sync' | 'async';
  /**
   * Parameter names the command accepts, as IPA's keyword arguments; unknown ones fail the
   * command. `'any'` for commands that take `**kwargs`.
   */
  params: readonly string[] | 'any';
  /** Runs before an async command starts; InvalidContentError here answers HTTP 400. */
  validate?(params: CommandParams, ctx: CommandContext): void | Promise<void>;
  run(params: CommandParams, ctx: CommandContext): unknown;
}

export interface Extension {
  /** IPA's extension name: `standby`, `clean`, `poll`, … */
  readonly name: string;
  readonly commands: Readonly<Record<string, CommandSpec>>;
}

/** Reads an optional parameter of a given type, or throws a message naming it. */
export function optionalParam<T>(
  params: CommandParams,
  name: string,
  check: (v: unknown) => v is T,
  fallback: T,
  what: string,
): T {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (!check(v)) throw new TypeError(`parameter ${name} must be ${what}`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
