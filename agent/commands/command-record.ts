import {
  type CommandError,
  type CommandProgress,
  type CommandResult,
  type CommandStatus,
} from '../../protocol';

/**
 * One executed command, kept for the life of the agent. Serializes exactly as IPA's
 * `BaseCommandResult` (no `command_params`), plus our optional `command_progress`.
 */
export class CommandRecord {
  readonly id: string;
  readonly name: string;
  status: CommandStatus;
  error: CommandError | null = null;
  result: unknown = null;
  progress: CommandProgress | undefined;
  readonly startedAt: number;
  finishedAt: number | undefined;
  private resolveDone!: () => void;
  /** Resolves when the command has finished, whatever its outcome. */
  readonly done: Promise<void>;

  constructor(id: string, name: string, startedAt: number, status: CommandStatus = 'RUNNING') {
    this.id = id;
    this.name = name;
    this.status = status;
    this.startedAt = startedAt;
    this.done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    if (status !== 'RUNNING') this.resolveDone();
  }

  get isDone(): boolean {
    return this.status !== 'RUNNING';
  }

  finish(
    status: Exclude<CommandStatus, 'RUNNING'>,
    result: unknown,
    error: CommandError | null,
    at: number,
  ): void {
    if (this.isDone) return;
    this.status = status;
    this.result = result;
    this.error = error;
    this.finishedAt = at;
    this.resolveDone();
  }

  serialize(): CommandResult {
    const out: CommandResult = {
      id: this.id,
      command_name: this.name,
      command_status: this.status,
      command_error: this.error,
      command_result: this.result,
    };
    if (this.progress !== undefined) out.command_progress = this.progress;
    return out;
  }
}
