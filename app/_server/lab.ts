import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Conductor } from '../../conductor';
import { ScaledClock, type Clock, type Logger } from '../../lib';
import { ImageService } from '../../images';
import { Fleet, PROFILES } from '../../simulator';
import { enrollDemoMachines, planDemo, powerOnNodes } from './demo-machines';
import type { ConsoleEnv } from './env';
import { MachineFeed } from './machine-feed';
import { stopScenarios } from './scenarios';
import type { LabContext, LabInfo } from './trpc';

/** Every simulator profile in turn: a storage box, an NVMe compute node, a small VM, … */
export const DEMO_PROFILES: readonly string[] = PROFILES.map((profile) => profile.name);

export type LabEnv = Pick<
  ConsoleEnv,
  | 'HOST'
  | 'IRONIC_PORT'
  | 'REDFISH_PORT'
  | 'IMAGES_PORT'
  | 'DATA_DIR'
  | 'DEMO_MACHINES'
  | 'SIM_SPEED'
  | 'HEARTBEAT_TIMEOUT_S'
  | 'ERASE_DEVICES_PRIORITY'
>;

/**
 * The embedded lab `npm start` runs: a conductor, a simulated fleet enrolled into it, and the
 * feed the console watches. Everything shares one clock, so at SIM_SPEED 20 a boot, a heartbeat
 * interval and a timeout all shrink together and stay consistent with each other.
 */
export class Lab implements LabContext {
  readonly clock: Clock;
  readonly conductor: Conductor;
  /** Deploy images (the samples, plus what users add) served to the agents over HTTP. */
  readonly images: ImageService;
  private readonly logger: Logger;
  /** Set by whoever serves the console, once its address is known. */
  consoleUrl = '';
  private fleetInstance: Fleet | undefined;
  private feedInstance: MachineFeed | undefined;
  /** The demo's initial power-ons, settled (never rejected) once every BMC has answered. */
  poweringOn: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: LabEnv,
    options: { logger: Logger; clock?: Clock },
  ) {
    const logger = options.logger;
    this.logger = logger;
    this.clock = options.clock ?? new ScaledClock(env.SIM_SPEED);
    this.conductor = new Conductor({
      dataDir: path.resolve(env.DATA_DIR),
      listen: { host: env.HOST, port: env.IRONIC_PORT },
      clock: this.clock,
      logger: logger.child({ part: 'conductor' }),
      fastTrack: true,
      autoDiscovery: true,
      heartbeatTimeoutS: env.HEARTBEAT_TIMEOUT_S,
      // Ironic's 120 s default is tuned for real BMCs; a lab's machines change under the user.
      powerSyncIntervalMs: 30_000,
      cleanStepPriorityOverride: { 'deploy.erase_devices': env.ERASE_DEVICES_PRIORITY },
    });
    this.images = new ImageService({
      dataDir: path.resolve(env.DATA_DIR, 'images'),
      host: env.HOST,
      port: env.IMAGES_PORT,
      clock: this.clock,
      logger: logger.child({ part: 'images' }),
    });
  }

  get fleet(): Fleet {
    if (!this.fleetInstance) throw new Error('the lab is not started');
    return this.fleetInstance;
  }

  get feed(): MachineFeed {
    if (!this.feedInstance) throw new Error('the lab is not started');
    return this.feedInstance;
  }

  async start(): Promise<void> {
    await mkdir(path.resolve(this.env.DATA_DIR), { recursive: true });
    await this.conductor.start();
    // Before the fleet: a deploy started the moment the console opens must find its image.
    await this.images.start();
    const fleet = new Fleet({
      apiUrl: this.conductor.apiUrl,
      clock: this.clock,
      logger: this.logger.child({ part: 'simulator' }),
      redfish: { host: this.env.HOST, port: this.env.REDFISH_PORT },
    });
    this.fleetInstance = fleet;
    await fleet.start();
    this.feedInstance = new MachineFeed({
      conductor: this.conductor,
      fleet,
      logger: this.logger.child({ part: 'feed' }),
    });
    this.feedInstance.start();
    const demoLogger = this.logger.child({ part: 'demo' });
    const toPowerOn = enrollDemoMachines({
      conductor: this.conductor,
      fleet,
      plan: planDemo(this.env.DEMO_MACHINES, DEMO_PROFILES),
      logger: demoLogger,
    });
    // The console need not wait for BMCs to answer; the machines come up while it is in use.
    this.poweringOn = powerOnNodes(this.conductor, toPowerOn, demoLogger);
  }

  /** Stops in reverse order; safe to call after a partial start. */
  async stop(): Promise<void> {
    stopScenarios(this);
    this.feedInstance?.stop();
    const fleet = this.fleetInstance;
    this.fleetInstance = undefined;
    this.feedInstance = undefined;
    try {
      await fleet?.stop();
    } finally {
      await Promise.all([this.conductor.stop(), this.images.stop()]);
    }
  }

  info(): LabInfo {
    return {
      consoleUrl: this.consoleUrl,
      ironicApiUrl: this.conductor.apiUrl,
      redfishUrl: this.fleetInstance?.redfishUrl ?? '',
      imagesUrl: this.fleetInstance ? this.images.url : '',
      simSpeed: this.env.SIM_SPEED,
      heartbeatTimeoutS: this.env.HEARTBEAT_TIMEOUT_S,
      demoMachines: this.env.DEMO_MACHINES,
    };
  }
}
