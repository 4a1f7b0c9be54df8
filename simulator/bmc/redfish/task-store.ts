import type { Clock, TimerHandle } from '../../../lib';

export type TaskState = 'New' | 'Running' | 'Completed' | 'Exception' | 'Cancelled';

export interface Task {
  id: string;
  name: string;
  machineId: string;
  startedAt: number;
  durationMs: number;
  state: TaskState;
  status: 'OK' | 'Warning' | 'Critical';
  message: string;
  endedAt: number | null;
}

/**
 * Long-running BMC operations (firmware updates) as Redfish Tasks: each runs for a simulated
 * duration on the clock, reports its progress, then completes and runs its effect.
 */
export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly timers = new Map<string, TimerHandle>();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  start(name: string, machineId: string, durationMs: number, effect: () => string): Task {
    const id = String(this.nextId++);
    const task: Task = {
      id,
      name,
      machineId,
      startedAt: this.clock.now(),
      durationMs,
      state: 'Running',
      status: 'OK',
      message: `${name} started`,
      endedAt: null,
    };
    this.tasks.set(id, task);
    this.timers.set(
      id,
      this.clock.setTimeout(() => {
        this.timers.delete(id);
        try {
          task.message = effect();
          task.state = 'Completed';
        } catch (error) {
          task.state = 'Exception';
          task.status = 'Critical';
          task.message = error instanceof Error ? error.message : String(error);
        }
        task.endedAt = this.clock.now();
      }, durationMs),
    );
    return task;
  }

  get(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  list(): Task[] {
    return [...this.tasks.values()];
  }

  percent(task: Task): number {
    if (task.state !== 'Running') return 100;
    return Math.min(99, Math.floor(((this.clock.now() - task.startedAt) / task.durationMs) * 100));
  }

  stop(): void {
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
  }
}
