import type { Logger } from '../../lib';
import type { CommandProgress } from '../../protocol';
import type { AgentConfig } from '../config/agent-config';
import type { Host } from '../host';
import {
  type DispatchCall,
  type HardwareDispatcher,
  HardwareManagerMethodNotFound,
  type HardwareStep,
  type StepPhase,
} from './dispatch';
import { HardwareManagerLoadError, HardwareManagerNotFound } from './errors';
import { GenericHardwareManager } from './generic/generic-manager';
import { type ModuleImporter, loadManagerPlugins } from './load-managers';
import type {
  AgentBridge,
  HardwareManager,
  ManagerEnv,
  ManagerKwargs,
  NodeInfo,
  StepDefinition,
} from './manager';
import { checkSteps } from './manager-schema';
import { deduplicateSteps } from './merge-steps';

export interface ManagerDispatcherOptions {
  host: Host;
  config: AgentConfig;
  logger?: Logger;
  /**
   * The managers to evaluate, replacing the default list (the plugins of `hardware_managers`,
   * then the generic manager). Tests and the simulator pass their own.
   */
  managers?: readonly HardwareManager[];
  /** Managers added before the configured plugins (e.g. a site manager built in code). */
  extraManagers?: readonly HardwareManager[];
  /** How plugin modules are imported (tests). */
  importModule?: ModuleImporter;
  /** The agent's lookup settings and partition UUID record (none in tests). */
  agent?: AgentBridge;
}

export interface LoadedManager {
  readonly manager: HardwareManager;
  readonly support: number;
  readonly className: string;
}

interface CallScope {
  signal: AbortSignal;
  logger: Logger;
  reportProgress(progress: CommandProgress): void;
}

const silentLogger = (): Logger =>
  ({
    child: () => silentLogger(),
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    fatal: () => undefined,
  }) as unknown as Logger;

/**
 * IPA's hardware manager machinery (research/ipa.md §4): managers loaded once and sorted by
 * support, `dispatch_to_managers` with fall-through on IncompatibleHardwareMethodError,
 * `dispatch_to_all_managers`, deduplicated step lists and the version map.
 */
export class ManagerDispatcher implements HardwareDispatcher {
  private readonly host: Host;
  private readonly config: AgentConfig;
  private readonly logger: Logger;
  private readonly options: ManagerDispatcherOptions;
  private readonly abort = new AbortController();
  private entries: LoadedManager[] = [];
  private starting: Promise<void> | null = null;
  private cachedNode: NodeInfo | null = null;

  constructor(options: ManagerDispatcherOptions) {
    this.options = options;
    this.host = options.host;
    this.config = options.config;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'hardware' });
  }

  /** The managers in dispatch order, once started. */
  get managers(): readonly LoadedManager[] {
    return this.entries;
  }

  /** IPA's `get_cached_node()`. */
  get node(): NodeInfo | null {
    return this.cachedNode;
  }

  start(signal?: AbortSignal): Promise<void> {
    if (signal) {
      if (signal.aborted) this.abort.abort(signal.reason);
      else signal.addEventListener('abort', () => this.abort.abort(signal.reason), { once: true });
    }
    this.starting ??= this.load();
    return this.starting;
  }

  stop(): Promise<void> {
    this.abort.abort(new Error('hardware managers stopped'));
    return Promise.resolve();
  }

  versions(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { manager } of this.entries) out[manager.name] = manager.version;
    return out;
  }

  async cacheNode(node: Record<string, unknown> | null): Promise<void> {
    if (node === null) return;
    await this.start();
    const previous = this.cachedNode;
    this.cachedNode = node;
    if (previous !== null && previous.uuid === node.uuid) return;
    // A new node may name a root device (hints) that appears late: wait for it, as IPA does.
    this.logger.info({ node: node.uuid }, 'cached node; waiting for its root device');
    try {
      await this.dispatchAllKw('wait_for_disks', { node }, this.scope());
    } catch (err) {
      if (!(err instanceof HardwareManagerMethodNotFound)) throw err;
    }
  }

  async getSteps(
    phase: StepPhase,
    node: Record<string, unknown> | null,
    ports: unknown[],
    ctx: DispatchCall['ctx'],
  ): Promise<Record<string, HardwareStep[]>> {
    await this.start();
    const scope = this.scope(ctx);
    const kwargs: ManagerKwargs = { node, ports };
    const candidates = [];
    for (const entry of this.entries) {
      const lister = stepLister(entry.manager, phase);
      if (!lister) continue;
      let raw: unknown;
      try {
        raw = await lister(kwargs, this.env(scope));
      } catch (err) {
        if (isIncompatible(err)) continue;
        throw err;
      }
      const steps: StepDefinition[] = checkSteps(entry.manager, phase, raw);
      candidates.push({ className: entry.className, support: entry.support, steps });
    }
    return deduplicateSteps(candidates) as Record<string, HardwareStep[]>;
  }

  async dispatch(method: string, call: DispatchCall): Promise<unknown> {
    await this.start();
    return this.dispatchKw(method, kwargsOf(call), this.scope(call.ctx));
  }

  async dispatchAll(method: string, call: DispatchCall): Promise<Record<string, unknown>> {
    await this.start();
    return this.dispatchAllKw(method, kwargsOf(call), this.scope(call.ctx));
  }

  /** `dispatch_to_managers` outside a command (inventory at start-up, tests). */
  async call(method: string, kwargs: ManagerKwargs = {}, signal?: AbortSignal): Promise<unknown> {
    await this.start();
    return this.dispatchKw(method, kwargs, this.scope(signal ? { signal } : undefined));
  }

  private async load(): Promise<void> {
    const scope = this.scope();
    let candidates: HardwareManager[];
    if (this.options.managers) {
      candidates = [...this.options.managers];
    } else {
      const plugins = await loadManagerPlugins(
        this.config.hardware_managers,
        { host: this.host, config: this.config, logger: this.logger },
        this.options.importModule,
      );
      candidates = [
        ...(this.options.extraManagers ?? []),
        ...plugins,
        new GenericHardwareManager(),
      ];
    }
    checkUnique(candidates);
    const evaluated: LoadedManager[] = [];
    for (const manager of candidates) {
      let support: unknown;
      try {
        support = await manager.evaluateHardwareSupport(this.env(scope));
      } catch (err) {
        if (this.abort.signal.aborted) throw err;
        throw new HardwareManagerLoadError(
          manager.name,
          `evaluateHardwareSupport failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (typeof support !== 'number' || !Number.isInteger(support) || support < 0) {
        throw new HardwareManagerLoadError(
          manager.name,
          `evaluateHardwareSupport must return a non-negative integer, got ${JSON.stringify(support)}`,
        );
      }
      this.logger.info(
        { manager: manager.name, version: manager.version, support },
        'hardware manager evaluated',
      );
      if (support > 0) evaluated.push({ manager, support, className: classNameOf(manager) });
    }
    // Stable: equal support keeps the configured order (plugins before the generic manager).
    evaluated.sort((a, b) => b.support - a.support);
    if (evaluated.length === 0) throw new HardwareManagerNotFound();
    this.entries = evaluated;
    for (const { manager } of evaluated) await manager.initialize?.(this.env(scope));
  }

  private async dispatchKw(
    method: string,
    kwargs: ManagerKwargs,
    scope: CallScope,
  ): Promise<unknown> {
    const declined: string[] = [];
    for (const { manager } of this.entries) {
      const fn = Object.hasOwn(manager.methods, method) ? manager.methods[method] : undefined;
      if (!fn) continue;
      try {
        return await fn(kwargs, this.env(scope));
      } catch (err) {
        if (!isIncompatible(err)) throw err;
        declined.push(`${manager.name}: ${incompatibleDetails(err)}`);
        scope.logger.debug(
          { manager: manager.name, method, reason: incompatibleDetails(err) },
          'hardware manager is incompatible, trying the next one',
        );
      }
    }
    throw new HardwareManagerMethodNotFound(method, declined);
  }

  private async dispatchAllKw(
    method: string,
    kwargs: ManagerKwargs,
    scope: CallScope,
  ): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    let answered = false;
    for (const { manager, className } of this.entries) {
      const fn = Object.hasOwn(manager.methods, method) ? manager.methods[method] : undefined;
      if (!fn) continue;
      try {
        out[className] = (await fn(kwargs, this.env(scope))) ?? null;
        answered = true;
      } catch (err) {
        if (!isIncompatible(err)) throw err;
      }
    }
    if (!answered) throw new HardwareManagerMethodNotFound(method);
    return out;
  }

  private scope(ctx?: Partial<CallScope>): CallScope {
    const signal = ctx?.signal
      ? AbortSignal.any([ctx.signal, this.abort.signal])
      : this.abort.signal;
    return {
      signal,
      logger: ctx?.logger ?? this.logger,
      reportProgress: ctx?.reportProgress ?? (() => undefined),
    };
  }

  private env(scope: CallScope): ManagerEnv {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      host: this.host,
      config: this.config,
      logger: scope.logger,
      signal: scope.signal,
      get node() {
        return self.cachedNode;
      },
      dispatch: (method, kwargs = {}) => this.dispatchKw(method, kwargs, scope),
      dispatchAll: (method, kwargs = {}) => this.dispatchAllKw(method, kwargs, scope),
      reportProgress: (p) => scope.reportProgress(p),
      get lookupConfig() {
        return self.options.agent?.lookupConfig ?? null;
      },
      recordPartitionUuids: (uuids) => self.options.agent?.recordPartitionUuids(uuids),
    };
  }
}

function kwargsOf(call: DispatchCall): ManagerKwargs {
  return { ...call.kwargs, node: call.node, ports: call.ports };
}

function stepLister(
  manager: HardwareManager,
  phase: StepPhase,
): ((kwargs: ManagerKwargs, env: ManagerEnv) => unknown) | undefined {
  if (phase === 'clean' && manager.getCleanSteps) {
    return (kw, env) => manager.getCleanSteps!(kw, env);
  }
  if (phase === 'deploy' && manager.getDeploySteps) {
    return (kw, env) => manager.getDeploySteps!(kw, env);
  }
  if (phase === 'service' && manager.getServiceSteps) {
    return (kw, env) => manager.getServiceSteps!(kw, env);
  }
  return undefined;
}

export function classNameOf(manager: HardwareManager): string {
  return manager.className ?? manager.name;
}

/** Duck-typed so that a plugin bundling its own copy of the error class still falls through. */
function isIncompatible(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { type?: unknown; name?: unknown };
  return (
    e.type === 'IncompatibleHardwareMethodError' || e.name === 'IncompatibleHardwareMethodError'
  );
}

function checkUnique(managers: readonly HardwareManager[]): void {
  const names = new Set<string>();
  const classes = new Set<string>();
  for (const m of managers) {
    if (names.has(m.name)) {
      throw new HardwareManagerLoadError(m.name, 'two hardware managers have this name');
    }
    const cls = classNameOf(m);
    if (classes.has(cls)) {
      throw new HardwareManagerLoadError(m.name, `another hardware manager has class name ${cls}`);
    }
    names.add(m.name);
    classes.add(cls);
  }
}

function incompatibleDetails(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown };
  return typeof e.details === 'string' ? e.details : String(e.message);
}
