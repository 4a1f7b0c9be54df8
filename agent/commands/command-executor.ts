import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../../lib';
import type { CommandProgress } from '../../protocol';
import { CommandRecord } from './command-record';
import {
  AgentIsBusy,
  InvalidCommandError,
  InvalidContentError,
  RequestedObjectNotFoundError,
  RestError,
  VersionMismatch,
  toCommandError,
} from './errors';
import type { CommandContext, CommandParams, CommandSpec, Extension } from './extension';

export interface CommandExecutorOptions {
  clock: Clock;
  logger: Logger;
  /** Aborted when the agent stops; every command's signal follows it. */
  signal: AbortSignal;
  /** Called when a result is stored (sync: finished; async: started). */
  onRecorded?: (record: CommandRecord) => void;
  /** Called when an async command finishes (IPA then forces an early heartbeat). */
  onAsyncFinished?: (record: CommandRecord) => void;
  newId?: () => string;
}

/**
 * IPA's command dispatch (`ExecuteCommandMixin`): one command at a time under a lock, busy
 * while the last recorded command is RUNNING, results kept in insertion order for the life
 * of the agent.
 */
export class CommandExecutor {
  private readonly extensions = new Map<string, Extension>();
  private readonly results = new Map<string, CommandRecord>();
  private lock: Promise<void> = Promise.resolve();
  private readonly newId: () => string;

  constructor(private readonly options: CommandExecutorOptions) {
    this.newId = options.newId ?? randomUUID;
  }

  register(extension: Extension): void {
    this.extensions.set(extension.name, extension);
  }

  get extensionNames(): string[] {
    return [...this.extensions.keys()];
  }

  list(): CommandRecord[] {
    return [...this.results.values()];
  }

  get(id: string): CommandRecord {
    const record = this.results.get(id);
    if (!record) throw new RequestedObjectNotFoundError('Command Result', id);
    return record;
  }

  get last(): CommandRecord | undefined {
    let last: CommandRecord | undefined;
    for (const r of this.results.values()) last = r;
    return last;
  }

  /**
   * Runs `<extension>.<command>`. Throws RESTErrors that answer as HTTP faults (bad name,
   * unknown extension/command, busy, invalid content); any other failure is recorded as a
   * FAILED result, as IPA does.
   */
  execute(fullName: string, params: CommandParams): Promise<CommandRecord> {
    const run = this.lock.then(() => this.executeLocked(fullName, params));
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async executeLocked(fullName: string, params: CommandParams): Promise<CommandRecord> {
    const dot = fullName.indexOf('.');
    if (dot < 0) {
      throw new InvalidCommandError('Command name must be of the form <extension>.<name>');
    }
    const extName = fullName.slice(0, dot);
    const cmdName = fullName.slice(dot + 1);
    const last = this.last;
    if (last && !last.isDone) throw new AgentIsBusy(last.name);
    const extension = this.extensions.get(extName);
    if (!extension) throw new RequestedObjectNotFoundError('Extension', extName);
    const spec = Object.hasOwn(extension.commands, cmdName)
      ? extension.commands[cmdName]
      : undefined;
    if (!spec) throw new InvalidCommandError(`Unknown command: ${cmdName}`);

    const record = new CommandRecord(this.newId(), cmdName, this.options.clock.now());
    const ctx = this.contextFor(record);
    try {
      checkParams(spec, params);
      if (spec.validate) await spec.validate(params, ctx);
      if (spec.mode === 'sync') {
        const value: unknown = await spec.run(params, ctx);
        record.finish('SUCCEEDED', syncValue(value), null, this.options.clock.now());
        this.store(record);
        return record;
      }
    } catch (err) {
      if (err instanceof InvalidContentError) throw err;
      this.options.logger.error(
        { command: fullName, err: err instanceof Error ? err.message : String(err) },
        'command failed',
      );
      // IPA records a synchronous failure under the full dotted name.
      const failed = new CommandRecord(record.id, fullName, record.startedAt);
      failed.finish('FAILED', null, toCommandError(err), this.options.clock.now());
      this.store(failed);
      return failed;
    }
    this.store(record);
    this.runAsync(spec, params, record, ctx);
    return record;
  }

  /**
   * Runs a command without recording it (flow's own store): resolves with its result, rejects
   * with its error. Async commands are awaited.
   */
  async runNested(
    fullName: string,
    params: CommandParams,
    parent: CommandContext,
  ): Promise<unknown> {
    const dot = fullName.indexOf('.');
    if (dot < 0) {
      throw new InvalidCommandError('Command name must be of the form <extension>.<name>');
    }
    const extName = fullName.slice(0, dot);
    const cmdName = fullName.slice(dot + 1);
    const extension = this.extensions.get(extName);
    if (!extension) throw new RequestedObjectNotFoundError('Extension', extName);
    const spec = Object.hasOwn(extension.commands, cmdName)
      ? extension.commands[cmdName]
      : undefined;
    if (!spec) throw new InvalidCommandError(`Unknown command: ${cmdName}`);
    const ctx: CommandContext = {
      ...parent,
      name: cmdName,
      logger: parent.logger.child({ sub: fullName }),
    };
    checkParams(spec, params);
    if (spec.validate) await spec.validate(params, ctx);
    return await spec.run(params, ctx);
  }

  private store(record: CommandRecord): void {
    this.results.set(record.id, record);
    this.options.onRecorded?.(record);
  }

  private runAsync(
    spec: CommandSpec,
    params: CommandParams,
    record: CommandRecord,
    ctx: CommandContext,
  ): void {
    const { logger, clock } = this.options;
    logger.info({ command: record.name, id: record.id }, 'async command started');
    void (async () => {
      try {
        const value: unknown = await spec.run(params, ctx);
        const result =
          typeof value === 'string'
            ? { result: `${record.name}: ${value}` }
            : value === undefined
              ? null
              : value;
        record.finish('SUCCEEDED', result, null, clock.now());
        logger.info({ command: record.name, id: record.id }, 'async command succeeded');
      } catch (err) {
        const status = err instanceof VersionMismatch ? 'CLEAN_VERSION_MISMATCH' : 'FAILED';
        record.finish(status, null, toCommandError(err), clock.now());
        logger.error(
          { command: record.name, id: record.id, error: record.error },
          'async command failed',
        );
      }
      this.options.onAsyncFinished?.(record);
    })();
  }

  private contextFor(record: CommandRecord): CommandContext {
    return {
      signal: this.options.signal,
      logger: this.options.logger.child({ command: record.name }),
      name: record.name,
      reportProgress: (progress: CommandProgress) => {
        if (!record.isDone) record.progress = progress;
      },
    };
  }
}

function checkParams(spec: CommandSpec, params: CommandParams): void {
  if (spec.params === 'any') return;
  const allowed = spec.params;
  const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    // IPA fails such calls with a TypeError at call time: a FAILED result, not an HTTP 400.
    throw new RestError(
      'InvalidCommandParamsError',
      400,
      'Invalid command parameters',
      `unexpected keyword argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    );
  }
}

function syncValue(value: unknown): unknown {
  if (typeof value === 'string') return { result: value };
  return value === undefined ? null : value;
}
