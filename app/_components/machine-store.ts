import type { LiveMessage, MachineRow } from '../_server/router';

export interface MachineListState {
  /** False until the first snapshot arrives. */
  ready: boolean;
  rows: readonly MachineRow[];
}

const byName = (a: MachineRow, b: MachineRow) =>
  a.name.localeCompare(b.name, 'en', { numeric: true });

/**
 * The browser's copy of the machine list, kept by applying the live feed's messages: a snapshot
 * replaces everything, an upsert patches one row in place, a remove drops it. Built for
 * `useSyncExternalStore`: the state object changes identity only when something changed.
 */
export class MachineStore {
  private state: MachineListState = { ready: false, rows: [] };
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): MachineListState => this.state;

  apply(message: LiveMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.set({ ready: true, rows: [...message.rows].sort(byName) });
        return;
      case 'upsert': {
        const { row } = message;
        const index = this.state.rows.findIndex((r) => r.uuid === row.uuid);
        const rows =
          index === -1
            ? [...this.state.rows, row].sort(byName)
            : this.state.rows.map((r, i) => (i === index ? row : r));
        this.set({ ...this.state, rows });
        return;
      }
      case 'remove': {
        const rows = this.state.rows.filter((r) => r.uuid !== message.uuid);
        if (rows.length !== this.state.rows.length) this.set({ ...this.state, rows });
        return;
      }
    }
  }

  private set(state: MachineListState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
