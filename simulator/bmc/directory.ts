import type { Machine } from '../machine';

/** How a BMC front end finds the machines behind it (one fleet, many Systems). */
export interface MachineDirectory {
  get(id: string): Machine | undefined;
  list(): Iterable<Machine>;
}
