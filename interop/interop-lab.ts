import { type Logger, ScaledClock } from '../lib';
import { Fleet, type MachineSnapshot } from '../simulator';
import { type CliRun, baremetal, baremetalOk } from './baremetal-cli';
import { type InteropDriver, enrolMachine } from './enrol';
import { IronicApi, type IronicNode } from './ironic-api';
import { RealIronic, type RealIronicOptions } from './real-ironic';

export interface InteropLabOptions {
  /**
   * How much faster simulated time runs than the wall clock (default 20): boots, erases and
   * the agents' heartbeats are quick, while the real Ironic keeps wall-clock time.
   */
  speed?: number;
  /** Give every machine an IPMI BMC too (default true). */
  ipmi?: boolean;
  ironic?: RealIronicOptions;
  logger?: Logger;
}

export interface LabMachine {
  machine: MachineSnapshot;
  node: IronicNode;
}

/** Wall-clock seconds the agents' own HTTP timeouts should allow a busy real Ironic. */
const AGENT_HTTP_TIMEOUT_WALL_S = 60;
const AGENT_LOOKUP_TIMEOUT_WALL_S = 300;

/**
 * A real Ironic and a simulated fleet pointed at each other: the machines' network boots start
 * our agent with `ipa-api-url` = this Ironic, and each machine is enrolled as a node whose BMC
 * is the simulator's (Redfish or IPMI).
 */
export class InteropLab {
  readonly ironic: RealIronic;
  readonly speed: number;
  private fleetInstance: Fleet | null = null;
  private apiInstance: IronicApi | null = null;
  private readonly options: InteropLabOptions;

  constructor(options: InteropLabOptions = {}) {
    this.options = options;
    this.speed = options.speed ?? 20;
    this.ironic = new RealIronic({
      ...options.ironic,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  get fleet(): Fleet {
    if (!this.fleetInstance) throw new Error('the lab is not started');
    return this.fleetInstance;
  }

  get api(): IronicApi {
    if (!this.apiInstance) throw new Error('the lab is not started');
    return this.apiInstance;
  }

  async start(): Promise<void> {
    await this.ironic.start();
    this.apiInstance = new IronicApi(this.ironic.apiUrl);
    // Agent timeouts count simulated seconds; stretch them so that a real Ironic answering in
    // a second of wall time is not "30 simulated seconds too late" at a high speed.
    const fleet = new Fleet({
      apiUrl: this.ironic.apiUrl,
      redfish: { host: '127.0.0.1', port: 0 },
      ...(this.options.ipmi === false ? {} : { ipmi: { host: '127.0.0.1', basePort: 0 } }),
      clock: new ScaledClock(this.speed),
      kernelParams: {
        'ipa-http-request-timeout': String(AGENT_HTTP_TIMEOUT_WALL_S * this.speed),
        'ipa-lookup-timeout': String(AGENT_LOOKUP_TIMEOUT_WALL_S * this.speed),
      },
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    try {
      await fleet.start();
    } catch (error) {
      await this.ironic.stop();
      throw error;
    }
    this.fleetInstance = fleet;
  }

  async stop(): Promise<void> {
    await this.fleetInstance?.stop();
    this.fleetInstance = null;
    await this.ironic.stop();
  }

  /** Racks a machine (powered off, disk first in its boot order) and enrols it in Ironic. */
  async addMachine(profile: string, name: string, driver: InteropDriver): Promise<LabMachine> {
    const machine = this.fleet.addMachine({ profile, name, bootDevice: 'Hdd' });
    const node = await enrolMachine(this.api, this.fleet, machine.id, {
      driver,
      name,
      deployImages: this.ironic.deployImages,
    });
    return { machine, node };
  }

  /** Runs the real `baremetal` CLI against this Ironic. */
  baremetal(...args: string[]): Promise<CliRun> {
    return baremetal(this.ironic.apiUrl, args);
  }

  baremetalOk(...args: string[]): Promise<CliRun> {
    return baremetalOk(this.ironic.apiUrl, args);
  }
}
