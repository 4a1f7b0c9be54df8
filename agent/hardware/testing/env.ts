import { createLogger } from '../../../lib';
import type { CommandProgress } from '../../../protocol';
import { type AgentConfig, defaultAgentConfig } from '../../config';
import type { Host } from '../../host';
import { HardwareManagerMethodNotFound } from '../dispatch';
import type { ManagerEnv, ManagerKwargs, ManagerMethod, NodeInfo } from '../manager';

export interface TestEnv extends ManagerEnv {
  readonly progress: CommandProgress[];
  readonly partitionUuids: Record<string, unknown>[];
}

/**
 * A ManagerEnv for calling one manager's methods directly in tests: nested dispatches go to
 * `methods` (usually the same manager's), progress reports are kept.
 */
export function testEnv(options: {
  host: Host;
  config?: Partial<AgentConfig>;
  node?: NodeInfo | null;
  methods?: Readonly<Record<string, ManagerMethod>>;
  signal?: AbortSignal;
}): TestEnv {
  const progress: CommandProgress[] = [];
  const partitionUuids: Record<string, unknown>[] = [];
  const methods = options.methods ?? {};
  const env: TestEnv = {
    host: options.host,
    config: defaultAgentConfig(options.config ?? {}),
    logger: createLogger({ name: 'hardware-test', level: 'silent' }),
    signal: options.signal ?? new AbortController().signal,
    node: options.node ?? null,
    progress,
    partitionUuids,
    lookupConfig: null,
    recordPartitionUuids: (uuids) => partitionUuids.push(uuids),
    dispatch: async (method: string, kwargs: ManagerKwargs = {}) => {
      const fn = methods[method];
      if (!fn) throw new HardwareManagerMethodNotFound(method);
      return await fn(kwargs, env);
    },
    dispatchAll: async (method: string, kwargs: ManagerKwargs = {}) => {
      const fn = methods[method];
      if (!fn) throw new HardwareManagerMethodNotFound(method);
      return { Test: await fn(kwargs, env) };
    },
    reportProgress: (p) => progress.push(p),
  };
  return env;
}
