import { randomBytes } from 'node:crypto';
import { isIP, isIPv6 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Clock, Logger } from '../lib';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_S,
  type InspectionData,
  type Inventory,
  type LookupConfig,
  type LookupNode,
  MASKED_SECRET,
  inventorySchema,
} from '../protocol';
import { buildApiServer } from './api';
import {
  CommandExecutor,
  type CommandRecord,
  type Extension,
  RESCUED_MARKER,
  bringInterfacesDown,
  flowExtension,
  imageExtension,
  logExtension,
  pollExtension,
  rescueExtension,
  standbyExtension,
  stepExtension,
  systemExtension,
} from './commands';
import type { AgentServices } from './commands/services';
import { type AgentConfig, loadAgentConfig } from './config';
import { type AgentEvents, type AgentState, TypedEmitter } from './events';
import {
  type HardwareDispatcher,
  HardwareManagerMethodNotFound,
  ManagerDispatcher,
} from './hardware';
import type { Host } from './host';
import { collectInventory, guessRootDisk } from './inventory';
import {
  type FetchLike,
  Heartbeater,
  IronicClient,
  IronicHttp,
  type RandomSource,
  discoverAdvertiseAddress,
  lookupNode,
  postInspectionData,
} from './ironic';
import { type LogRing, createAgentLogger } from './log';
import { createClientDispatcher, generateSelfSignedCertificate, tlsPolicy } from './tls';
import { AGENT_VERSION } from './version';

export interface AgentOptions {
  host: Host;
  config: AgentConfig;
  /** Where the agent's records go besides its own ring (e.g. stdout, the simulator's log). */
  logger?: Logger;
  /** Reported as `version` and heartbeat `agent_version`. */
  version?: string;
  /** Source of jitter for lookup and heartbeat waits; [0, 1). */
  random?: RandomSource;
  /** HTTP for Ironic calls (tests); defaults to undici's fetch. */
  fetch?: FetchLike;
  /** TLS and connection settings for outgoing requests. */
  dispatcher?: Dispatcher;
  /** Extra command extensions (tests, site-specific commands). */
  extensions?: readonly Extension[];
  /**
   * The hardware managers. Default: the plugins named by `hardware_managers` and the generic
   * manager, loaded and evaluated when the agent starts.
   */
  hardware?: HardwareDispatcher;
}

/** Seconds between checks for a NIC with a MAC before lookup (IPA: up to 60 s, 5 s steps). */
const MAC_WAIT_STEP_MS = 5_000;
const MAC_WAIT_TOTAL_MS = 60_000;

/**
 * The agent: inventory, optional inspection, lookup, the REST API and the heartbeat loop
 * (research/ipa.md §3.1). `start()` resolves as soon as the API listens; inspection, lookup
 * and heartbeats run in the background and report through `on('lookup' | 'heartbeat' |
 * 'state', …)`. `stop()` pulls the plug: every loop, request and socket ends.
 */
export class Agent {
  readonly host: Host;
  readonly config: AgentConfig;
  readonly version: string;
  readonly logger: Logger;
  readonly logRing: LogRing;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly events: TypedEmitter<AgentEvents>;
  private readonly abort = new AbortController();
  private readonly executor: CommandExecutor;
  private ironicHttp: IronicHttp | null = null;
  private ironic: IronicClient | null = null;
  private readonly injectedDispatcher: Dispatcher | undefined;
  private readonly fetchImpl: FetchLike | undefined;
  private ownDispatcher: Dispatcher | null = null;
  private autoTls = false;
  private currentState: AgentState = 'starting';
  private started = false;
  private stopping: Promise<void> | null = null;
  private server: FastifyInstance | null = null;
  private heartbeater: Heartbeater | null = null;
  private lifecycle: Promise<void> | null = null;
  private token: string | null;
  private boundPort: number | null = null;
  private advertiseHost: string | null;
  private startedAtS = 0;
  private cachedInventory: Inventory | null = null;
  private lookedUpNode: LookupNode | null = null;
  private lookupConfigData: LookupConfig | null = null;
  private inspectedUuid: string | null = null;
  private verifyCa: string | null = null;
  private partitionUuids: Record<string, unknown> = {};
  private readonly hardware: HardwareDispatcher;
  private apiStopReason: 'rescue' | 'lockdown' | null = null;

  constructor(options: AgentOptions) {
    this.host = options.host;
    this.config = options.config;
    this.clock = options.host.clock;
    this.version = options.version ?? AGENT_VERSION;
    this.random = options.random ?? Math.random;
    const { logger, ring } = createAgentLogger({
      level: this.config.debug ? 'debug' : 'info',
      capacity: this.config.log_ring_size,
      ...(options.logger ? { downstream: options.logger } : {}),
    });
    this.logger = logger;
    this.logRing = ring;
    this.events = new TypedEmitter<AgentEvents>(logger);
    this.token = this.config.agent_token;
    this.advertiseHost = this.config.advertise_host;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const agent = this;
    this.hardware =
      options.hardware ??
      new ManagerDispatcher({
        host: this.host,
        config: this.config,
        logger: this.logger,
        agent: {
          get lookupConfig() {
            return agent.lookupConfigData;
          },
          recordPartitionUuids: (uuids) => {
            for (const key of Object.keys(this.partitionUuids)) delete this.partitionUuids[key];
            Object.assign(this.partitionUuids, uuids);
          },
        },
      });
    this.injectedDispatcher = options.dispatcher;
    this.fetchImpl = options.fetch;
    this.executor = new CommandExecutor({
      clock: this.clock,
      logger: this.logger.child({ component: 'commands' }),
      signal: this.abort.signal,
      onRecorded: (r) => this.onCommand(r),
      onAsyncFinished: (r) => {
        this.onCommand(r);
        this.heartbeater?.force();
      },
    });
    const services = this.services();
    const builtIn = [
      pollExtension(services),
      standbyExtension(services),
      stepExtension('clean', this.hardware),
      stepExtension('deploy', this.hardware),
      stepExtension('service', this.hardware),
      imageExtension(services),
      logExtension({
        host: this.host,
        agentLog: () => this.logRing.text(),
        commandResults: () => this.executor.list().map((r) => r.serialize()),
      }),
      rescueExtension(services),
      systemExtension(services),
      flowExtension((name, params, ctx) => this.executor.runNested(name, params, ctx)),
    ];
    for (const ext of builtIn) this.executor.register(ext);
    for (const ext of options.extensions ?? []) this.executor.register(ext);
  }

  /** Loads the configuration through the host (file, /proc/cmdline, argv) and builds an agent. */
  static async fromHost(
    host: Host,
    options: { argv?: readonly string[]; logger?: Logger } = {},
  ): Promise<Agent> {
    const config = await loadAgentConfig({ host, argv: options.argv ?? [] });
    return new Agent({ host, config, ...(options.logger ? { logger: options.logger } : {}) });
  }

  get state(): AgentState {
    return this.currentState;
  }

  get nodeUuid(): string | null {
    return this.lookedUpNode?.uuid ?? null;
  }

  get node(): LookupNode | null {
    return this.lookedUpNode;
  }

  get lookupConfig(): LookupConfig | null {
    return this.lookupConfigData;
  }

  /** The URL Ironic calls back, once the API listens and the address is known. */
  get callbackUrl(): string | null {
    if (this.boundPort === null || this.advertiseHost === null) return null;
    const port = this.config.advertise_port ?? this.boundPort;
    const host = isIPv6(this.advertiseHost) ? `[${this.advertiseHost}]` : this.advertiseHost;
    const protocol = this.autoTls ? 'https' : this.config.advertise_protocol;
    return `${protocol}://${host}:${port}`;
  }

  /** The port the API is bound to (useful with `listen_port = 0`). */
  get port(): number | null {
    return this.boundPort;
  }

  /** The token commands must carry; for the CLI to print in standalone mode. */
  get agentToken(): string | null {
    return this.token;
  }

  get inventory(): Inventory | null {
    return this.cachedInventory;
  }

  on<K extends keyof AgentEvents>(name: K, listener: (event: AgentEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  off<K extends keyof AgentEvents>(name: K, listener: (event: AgentEvents[K]) => void): void {
    this.events.off(name, listener);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Agent.start() may be called once');
    this.started = true;
    const signal = this.abort.signal;
    this.startedAtS = this.clock.now() / 1000;
    this.logger.info(
      { version: this.version, standalone: this.config.standalone, apiUrls: this.config.api_url },
      'starting ironic-python-agent',
    );
    try {
      if (await this.host.exists(RESCUED_MARKER)) {
        // IPA's unit does not even start on a rescued node; never serve the API again.
        this.logger.warn(`${RESCUED_MARKER} exists: this node was rescued, not serving the API`);
        this.setState('stopped', 'rescued');
        return;
      }
      // IPA loads its managers at the start of run(), before the first inventory.
      await this.hardware.start?.(signal);
      await this.setupIronic();
      this.cachedInventory = await this.collect(signal);
      if (this.config.standalone && this.token === null) {
        this.token = randomBytes(32).toString('base64url');
        this.logger.info('standalone mode: generated an agent token');
      }
      await this.listen();
    } catch (err) {
      if (signal.aborted) return;
      this.setState('failed', errorText(err));
      await this.shutdownServer();
      throw err;
    }
    if (this.config.advertise_host === null && (this.config.standalone || !this.talksToIronic)) {
      this.advertiseHost = this.localAddress();
    }
    this.lifecycle = this.runLifecycle(signal).catch(async (err: unknown) => {
      if (signal.aborted) return;
      this.logger.error({ err: errorText(err) }, 'agent failed');
      this.setState('failed', errorText(err));
      await this.shutdownServer();
    });
  }

  /** Stops everything; safe to call at any time and more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort(new Error('agent stopped'));
      await this.heartbeater?.stop();
      await this.shutdownServer();
      await this.lifecycle;
      await this.hardware.stop?.();
      await this.ownDispatcher?.close();
      this.setState('stopped');
      this.logger.info('agent stopped');
    })();
    return this.stopping;
  }

  /** Requests an early heartbeat (as when an async command ends). */
  forceHeartbeat(): void {
    this.heartbeater?.force();
  }

  private get talksToIronic(): boolean {
    return this.config.api_url.length > 0;
  }

  /** The Ironic client, with IPA's outgoing TLS settings unless a dispatcher was injected. */
  private async setupIronic(): Promise<void> {
    if (!this.talksToIronic && !this.config.inspection_callback_url) return;
    let dispatcher = this.injectedDispatcher;
    if (!dispatcher) {
      this.ownDispatcher = await createClientDispatcher(this.host, this.config, this.logger);
      dispatcher = this.ownDispatcher;
    }
    this.ironicHttp = new IronicHttp({
      urls: this.config.api_url,
      clock: this.clock,
      logger: this.logger.child({ component: 'ironic' }),
      timeoutMs: this.config.http_request_timeout * 1000,
      globalRequestId: this.config.global_request_id,
      dispatcher,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
    });
    if (this.talksToIronic) {
      this.ironic = new IronicClient(this.ironicHttp, this.logger, this.config.ironic_api_version);
    }
  }

  /**
   * IPA's auto TLS (research/ipa.md §1.7): with Ironic ≥ 1.68 and no manual TLS, serve HTTPS
   * with a fresh self-signed certificate for the advertised IP and send it as
   * `agent_verify_ca`. IPA starts its API only after lookup; this agent already listens (plain,
   * token-less) and switches to HTTPS on the same port before the first heartbeat.
   */
  private async maybeEnableAutoTls(signal: AbortSignal): Promise<void> {
    if (!this.config.enable_auto_tls || this.config.listen_tls || !this.ironic) return;
    if (!(await this.ironic.supportsVerifyCa(signal))) return;
    const ip = this.advertiseHost;
    if (ip === null || !isIP(ip)) {
      this.logger.warn(
        { advertiseHost: ip },
        'auto TLS needs an IP address to advertise; staying on HTTP',
      );
      return;
    }
    const { certPem, keyPem } = generateSelfSignedCertificate({
      ipAddress: ip,
      commonName: this.cachedInventory?.hostname ?? 'ironic-python-agent',
      curve: this.config.tls_certificate_curve,
      now: this.clock.now(),
      allowedClockSkewS: this.config.auto_tls_allowed_clock_skew,
    });
    await this.shutdownServer();
    if (signal.aborted) return;
    await this.listen({ key: keyPem, cert: certPem }, this.boundPort ?? this.config.listen_port);
    this.verifyCa = certPem;
    this.autoTls = true;
    this.logger.info('auto TLS enabled: serving HTTPS with a self-signed certificate');
  }

  private async runLifecycle(signal: AbortSignal): Promise<void> {
    if (this.config.inspection_callback_url && this.ironicHttp) {
      await this.inspect(signal);
    }
    if (this.config.standalone || !this.ironic) {
      if (!this.config.standalone) this.logger.warn('no Ironic API URL configured: not looking up');
      this.setState('running');
      return;
    }
    this.setState('looking-up');
    await this.waitForMacs(signal);
    const macs = (this.cachedInventory?.interfaces ?? []).map((i) => i.mac_address);
    let attempts = 0;
    const data = await lookupNode({
      client: this.ironic,
      macs,
      nodeUuid: this.inspectedUuid,
      timeoutS: this.config.lookup_timeout,
      intervalS: this.config.lookup_interval,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      signal,
      onAttemptFailed: (info) => {
        attempts = info.attempt;
        this.events.emit('lookup', {
          ok: false,
          attempt: info.attempt,
          error: info.message,
          retryInMs: info.retryInMs,
        });
      },
    });
    this.lookedUpNode = data.node;
    this.lookupConfigData = data.config;
    if (!this.acceptToken(data.config.agent_token ?? null)) {
      // IPA: the token went to someone else; never serve the API, idle until stopped.
      this.setState('failed', 'Ironic already handed out the agent token; not serving the API');
      await this.shutdownServer();
      return;
    }
    this.events.emit('lookup', { ok: true, nodeUuid: data.node.uuid, attempts: attempts + 1 });
    if (this.advertiseHost === null) {
      this.advertiseHost = await discoverAdvertiseAddress({
        host: this.host,
        clock: this.clock,
        logger: this.logger,
        apiUrls: this.ironicHttp?.baseUrls ?? this.config.api_url,
        networkInterface: this.config.network_interface,
        attempts: this.config.ip_lookup_attempts,
        sleepS: this.config.ip_lookup_sleep,
        signal,
      });
    }
    await this.maybeEnableAutoTls(signal);
    this.logger.info({ callbackUrl: this.callbackUrl }, 'advertising the agent API');
    this.setState('running');
    const ironic = this.ironic;
    this.heartbeater = new Heartbeater({
      clock: this.clock,
      random: this.random,
      logger: this.logger.child({ component: 'heartbeat' }),
      heartbeatTimeoutS: data.config.heartbeat_timeout || DEFAULT_HEARTBEAT_TIMEOUT_S,
      beat: (s) =>
        ironic.heartbeat(
          {
            nodeUuid: data.node.uuid,
            callbackUrl: this.callbackUrl ?? '',
            agentToken: this.token,
            agentVersion: this.version,
            agentVerifyCa: this.verifyCa,
          },
          s,
        ),
      onBeat: (outcome) => this.events.emit('heartbeat', outcome),
    });
    if (!signal.aborted) this.heartbeater.start();
  }

  /** IPA's token rules: take a token of 32+ characters; `******` without one is fatal. */
  private acceptToken(token: string | null): boolean {
    if (token === MASKED_SECRET) {
      if (this.token === null) {
        this.logger.error('lookup returned a masked agent token and none is configured');
        return false;
      }
      return true;
    }
    if (token !== null && token.length >= 32) {
      this.token = token;
    } else if (token !== null) {
      this.logger.warn('ignoring an agent token shorter than 32 characters');
    }
    return true;
  }

  private async inspect(signal: AbortSignal): Promise<void> {
    const inventory = this.cachedInventory!;
    const data: InspectionData = {
      inventory,
      boot_interface: inventory.boot.pxe_interface,
      configuration: {
        collectors: ['default'],
        managers: Object.entries(this.hardware.versions()).map(([name, version]) => ({
          name,
          version,
        })),
      },
      error: null,
    };
    const root = guessRootDisk(inventory.disks);
    if (root) data.root_disk = root;
    try {
      this.inspectedUuid = await postInspectionData({
        http: this.ironicHttp!,
        callbackUrl: this.config.inspection_callback_url!,
        data,
        clock: this.clock,
        logger: this.logger,
        signal,
      });
      this.events.emit('inspection', { ok: true, nodeUuid: this.inspectedUuid });
    } catch (err) {
      if (signal.aborted) throw err;
      this.logger.error({ err: errorText(err) }, 'inspection failed; looking up without it');
      this.events.emit('inspection', { ok: false, error: errorText(err) });
    }
  }

  private async waitForMacs(signal: AbortSignal): Promise<void> {
    const deadline = this.clock.now() + MAC_WAIT_TOTAL_MS;
    while ((this.cachedInventory?.interfaces.length ?? 0) === 0 && this.clock.now() < deadline) {
      this.logger.info('no network interface with a MAC address yet; waiting');
      await this.clock.sleep(MAC_WAIT_STEP_MS, signal);
      this.cachedInventory = await this.collect(signal);
    }
  }

  /** IPA's `list_hardware_info`, dispatched so a custom manager may supply the inventory. */
  private async collect(signal?: AbortSignal): Promise<Inventory> {
    const skipBmcDetect = this.lookupConfigData?.agent_skip_bmc_detect === true;
    let answer: unknown;
    try {
      answer = await this.hardware.dispatch('list_hardware_info', {
        node: this.lookedUpNode,
        ports: [],
        kwargs: { skip_bmc_detect: skipBmcDetect },
        ctx: {
          signal: signal ?? this.abort.signal,
          logger: this.logger,
          name: 'list_hardware_info',
          reportProgress: () => undefined,
        },
      });
    } catch (err) {
      if (!(err instanceof HardwareManagerMethodNotFound)) throw err;
      return collectInventory(this.host, {
        logger: this.logger,
        ...(signal ? { signal } : {}),
        skipBmcDetect,
      });
    }
    const parsed = inventorySchema.safeParse(answer);
    if (!parsed.success) {
      throw new Error(
        `list_hardware_info returned an invalid inventory: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return answer as Inventory;
  }

  private async listen(
    https?: { key: string; cert: string },
    port: number = this.config.listen_port,
  ): Promise<void> {
    if (!https && this.config.listen_tls) {
      https = {
        cert: await this.host.readFile(this.config.tls_cert_file!),
        key: await this.host.readFile(this.config.tls_key_file!),
      };
      if (this.config.advertise_protocol !== 'https') {
        this.logger.warn('listen_tls is set but advertise_protocol is http; Ironic will call http');
      }
    }
    const policy = tlsPolicy(this.config.tls_min_version, this.config.tls_cipher_suites);
    const server = buildApiServer({
      executor: this.executor,
      getToken: () => this.token,
      version: this.version,
      startedAt: this.startedAtS,
      logger: this.logger.child({ component: 'api' }),
      bodyLimit: this.config.max_request_body_bytes,
      signal: this.abort.signal,
      onResponseSent: () => this.afterResponse(),
      statusTokenAlways: () => this.ironic?.pollsStatusWithToken() ?? true,
      ...(https ? { https: { ...https, ...policy } } : {}),
    });
    this.server = server;
    try {
      await server.listen({ host: this.config.listen_host, port });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (
        this.config.listen_host === '::' &&
        (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')
      ) {
        // IPA binds :: only when the kernel has IPv6.
        await server.listen({ host: '0.0.0.0', port });
      } else {
        throw err;
      }
    }
    const address = server.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : port;
    const url = `${https ? 'https' : 'http'}://${this.config.listen_host}:${this.boundPort}`;
    this.logger.info({ port: this.boundPort }, `API listening on ${url}`);
    this.events.emit('listening', { url, port: this.boundPort });
  }

  private async shutdownServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await server.close();
  }

  /** Best guess for standalone mode: the first IPv4 of the inventory, else the bind address. */
  private localAddress(): string {
    const ip = this.cachedInventory?.interfaces.find((i) => i.ipv4_address)?.ipv4_address;
    if (ip) return ip;
    const listen = this.config.listen_host;
    return listen === '::' || listen === '0.0.0.0' ? '127.0.0.1' : listen;
  }

  /** After the response of finalize_rescue / lockdown: the API and heartbeats end. */
  private afterResponse(): void {
    const reason = this.apiStopReason;
    if (reason === null || this.server === null) return;
    void (async () => {
      this.logger.info({ reason }, 'stopping the API');
      await this.heartbeater?.stop();
      await this.shutdownServer();
      if (reason === 'lockdown') {
        const names = await bringInterfacesDown({ host: this.host });
        this.logger.info({ interfaces: names }, 'lockdown: network interfaces are down');
      }
      this.setState('stopped', reason);
    })();
  }

  private onCommand(record: CommandRecord): void {
    this.events.emit('command', { id: record.id, name: record.name, status: record.status });
  }

  private setState(state: AgentState, error?: string): void {
    const previous = this.currentState;
    if (previous === state) return;
    if (previous === 'stopped') return;
    this.currentState = state;
    this.events.emit('state', { state, previous, ...(error ? { error } : {}) });
  }

  private services(): AgentServices {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const agent = this;
    return {
      host: this.host,
      config: this.config,
      hardware: this.hardware,
      collectInventory: (signal) => agent.collect(signal),
      get lookupConfig() {
        return agent.lookupConfigData;
      },
      agentLog: () => this.logRing.text(),
      commandResults: () => this.executor.list().map((r) => r.serialize()),
      stopServingApi: (reason) => {
        agent.apiStopReason = reason;
      },
      get node() {
        return agent.lookedUpNode;
      },
      get partitionUuids() {
        return agent.partitionUuids;
      },
    };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
