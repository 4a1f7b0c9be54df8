import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Clock, type Logger, systemClock } from '../lib';
import { createRedfishApp } from './bmc';
import { IpmiBmc } from './bmc/ipmi';
import { type AgentFactory, createAgentLauncher } from './boot';
import { realAgentFactory } from './boot/real-agent';
import { type FaultSpec, MacAllocator, Machine } from './machine';
import { type MachineProfile, buildMachineSpec, findProfile, PROFILES } from './profiles';
import { QemuLauncher, findRealRamdisk } from './qemu';
import { type MachineKind, type MachineSnapshot, snapshotOf } from './snapshot';

export interface FleetOptions {
  /** The Ironic API the agents look up and heartbeat against. */
  apiUrl: string;
  clock?: Clock;
  logger?: Logger;
  /** The shared Redfish service; default 127.0.0.1:8000, port 0 = ephemeral. */
  redfish?: { host?: string; port?: number };
  /** Builds the agent a network boot loads; defaults to the real agent. */
  agentFactory?: AgentFactory;
  /** Mixed into BMC passwords, so a fleet rebuilt with the same ids and secret keeps them. */
  bmcSecret?: string;
  /** Level of the agents' logs on the serial consoles. */
  agentLogLevel?: string;
  /** Machine types besides the built-in ones (a user profile may shadow a built-in name). */
  profiles?: readonly MachineProfile[];
  /** Extra kernel parameters for every network boot (`ipa-*` options of the agent). */
  kernelParams?: Readonly<Record<string, string>>;
  /**
   * An IPMI-over-LAN BMC per machine, each on its own UDP port: `basePort + n` for the n-th
   * machine added, or any free port when basePort is 0. Off when absent.
   */
  ipmi?: { host?: string; basePort?: number };
  /**
   * What machines of kind `qemu` boot: the kernel + initramfs in `ramdiskDir` (from `npm run
   * build:ramdisk`, never built here), with their disk images under `stateDir`.
   */
  qemu?: {
    ramdiskDir: string;
    stateDir: string;
    memoryMiB?: number;
    accel?: 'tcg' | 'kvm';
  };
}

export interface IpmiAccess {
  host: string;
  port: number;
  username: string;
  password: string;
}

export interface AddMachineOptions {
  profile: string;
  name?: string;
  id?: string;
  powerOn?: boolean;
  bootDevice?: 'Pxe' | 'Hdd';
  /** BMC credentials; derived from the id and the fleet secret when omitted. */
  bmcUsername?: string;
  bmcPassword?: string;
  /**
   * `simulated` (default): network and media boots start the agent on a fake OS. `qemu`: they
   * start a QEMU process booting the real ramdisk, whose serial port is the machine's console;
   * the BMCs drive it the same way. Needs the fleet's `qemu` option.
   */
  kind?: 'simulated' | 'qemu';
}

export interface Enrollment {
  name: string;
  driver: 'redfish';
  driver_info: {
    redfish_address: string;
    redfish_system_id: string;
    redfish_username: string;
    redfish_password: string;
    redfish_verify_ca: false;
  };
  properties: Record<string, unknown>;
  ports: { address: string }[];
}

export interface SerialView {
  tail(): string;
  subscribe(listener: (chunk: string) => void): () => void;
}

/**
 * A fleet of simulated machines behind one Redfish service, like sushy-tools' emulator: each
 * machine is a System with its own BMC credentials. Network boots start the real agent on a
 * fake OS against `apiUrl`.
 */
export class Fleet {
  private readonly options: FleetOptions;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly machines = new Map<string, Machine>();
  private readonly unsubscribes = new Map<string, () => void>();
  private readonly ipmiBmcs = new Map<string, { bmc: IpmiBmc; ready: Promise<void> }>();
  private readonly listeners = new Set<(machine: MachineSnapshot) => void>();
  private readonly macs = new MacAllocator();
  private readonly qemu: QemuLauncher | undefined;
  private readonly kinds = new Map<string, MachineKind>();
  private readonly app: FastifyInstance;
  private boundUrl: string | undefined;
  private started = false;
  private nextIndex = 0;

  constructor(options: FleetOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.app = createRedfishApp({
      directory: { get: (id) => this.machines.get(id), list: () => this.machines.values() },
      clock: this.clock,
      ...(options.logger ? { logger: options.logger.child({ part: 'redfish' }) } : {}),
    });
    if (options.qemu) {
      // Checked now, so a wrong folder fails at start and not at the first power-on.
      this.qemu = new QemuLauncher({
        ramdisk: findRealRamdisk(options.qemu.ramdiskDir),
        stateDir: options.qemu.stateDir,
        apiUrl: options.apiUrl,
        ...(options.qemu.memoryMiB !== undefined ? { memoryMiB: options.qemu.memoryMiB } : {}),
        ...(options.qemu.accel ? { accel: options.qemu.accel } : {}),
        ...(options.kernelParams ? { kernelParams: options.kernelParams } : {}),
        ...(options.logger ? { logger: options.logger.child({ part: 'qemu' }) } : {}),
      });
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    const host = this.options.redfish?.host ?? '127.0.0.1';
    const port = this.options.redfish?.port ?? 8000;
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    this.boundUrl = `http://${urlHost(host)}:${boundPort}`;
    this.started = true;
    for (const [id, entry] of this.ipmiBmcs) entry.ready = this.startIpmi(id, entry.bmc);
    await Promise.all([...this.ipmiBmcs.values()].map((entry) => entry.ready));
    this.logger?.info({ redfish: this.boundUrl, machines: this.machines.size }, 'fleet started');
  }

  /** Pulls every plug (agents stop) and closes the BMC service. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.machines.values()].map((machine) => machine.powerOff().catch(() => false)),
    );
    await Promise.all(
      [...this.ipmiBmcs.values()].map(({ bmc, ready }) => ready.then(() => bmc.stop())),
    );
    if (this.started) {
      this.started = false;
      await this.app.close();
    }
  }

  /** The Redfish service's base URL (known after start when the port is ephemeral). */
  get redfishUrl(): string {
    if (this.boundUrl) return this.boundUrl;
    const host = this.options.redfish?.host ?? '127.0.0.1';
    return `http://${urlHost(host)}:${this.options.redfish?.port ?? 8000}`;
  }

  /** Every machine type this fleet can build: user profiles first, then the built-in ones. */
  get profiles(): MachineProfile[] {
    const extra = this.options.profiles ?? [];
    return [...extra, ...PROFILES.filter((p) => !extra.some((e) => e.name === p.name))];
  }

  /** The in-process Redfish app, for `inject` in tests. */
  get redfishApp(): FastifyInstance {
    return this.app;
  }

  addMachine(options: AddMachineOptions): MachineSnapshot {
    const profile = findProfile(options.profile, this.options.profiles);
    if (!profile) {
      throw new RangeError(
        `unknown profile "${options.profile}" (known: ${this.profiles.map((p) => p.name).join(', ')})`,
      );
    }
    const id = options.id ?? randomUUID();
    if (this.machines.has(id)) throw new RangeError(`machine "${id}" already exists`);
    if (!/^[A-Za-z0-9._~-]+$/.test(id)) {
      throw new RangeError(`machine id "${id}" must be URL-safe (letters, digits, . _ ~ -)`);
    }
    const index = this.nextIndex++;
    const name = options.name ?? `${profile.name}-${String(index + 1).padStart(3, '0')}`;
    const spec = buildMachineSpec(profile, {
      id,
      name,
      mac: (port) => this.macs.allocate(`${id}/${port}`),
      provisioningIpv4: provisioningAddress(index),
      bmc: {
        username: options.bmcUsername ?? 'admin',
        password: options.bmcPassword ?? this.derivePassword(id),
        ipv4: managementAddress(index),
      },
    });
    const kind = options.kind ?? 'simulated';
    if (kind === 'qemu' && !this.qemu) {
      throw new RangeError(
        'a qemu machine needs the fleet started with a real ramdisk (--real-ramdisk DIR)',
      );
    }
    if (kind === 'qemu') {
      // QEMU's firmware and kernel take their own real time; the model adds none.
      spec.timings = { ...spec.timings, postMs: 0, netbootMs: 0 };
    }
    const machine = new Machine({
      spec,
      clock: this.clock,
      ...(kind === 'qemu' && this.qemu
        ? { hardware: this.qemu }
        : {
            launcher: createAgentLauncher({
              apiUrl: this.options.apiUrl,
              clock: this.clock,
              createAgent: this.options.agentFactory ?? realAgentFactory,
              ...(this.logger ? { logger: this.logger } : {}),
              ...(this.options.agentLogLevel ? { agentLogLevel: this.options.agentLogLevel } : {}),
              ...(this.options.kernelParams ? { kernelParams: this.options.kernelParams } : {}),
            }),
          }),
    });
    this.kinds.set(id, kind);
    machine.setBootOverride({ target: options.bootDevice ?? 'Pxe', enabled: 'Continuous' });
    this.machines.set(id, machine);
    this.unsubscribes.set(
      id,
      machine.onChange((m) => this.emit(m)),
    );
    if (this.options.ipmi) {
      const base = this.options.ipmi.basePort ?? 0;
      const bmc = new IpmiBmc({
        machine,
        clock: this.clock,
        host: this.options.ipmi.host ?? '127.0.0.1',
        port: base > 0 ? base + index : 0,
        ...(this.logger ? { logger: this.logger.child({ part: 'ipmi' }) } : {}),
      });
      this.ipmiBmcs.set(id, {
        bmc,
        ready: this.started ? this.startIpmi(id, bmc) : Promise.resolve(),
      });
    }
    if (options.powerOn) machine.powerOn();
    this.emit(machine);
    return this.snapshot(machine);
  }

  async removeMachine(id: string): Promise<void> {
    const machine = this.machines.get(id);
    if (!machine) return;
    this.unsubscribes.get(id)?.();
    this.unsubscribes.delete(id);
    this.machines.delete(id);
    this.kinds.delete(id);
    const ipmi = this.ipmiBmcs.get(id);
    this.ipmiBmcs.delete(id);
    await ipmi?.ready.then(() => ipmi.bmc.stop());
    await machine.dispose();
    for (const nic of machine.spec.nics) this.macs.release(nic.mac);
    this.macs.release(machine.spec.bmc.mac);
  }

  list(): MachineSnapshot[] {
    return [...this.machines.values()].map((m) => this.snapshot(m));
  }

  get(id: string): MachineSnapshot | undefined {
    const machine = this.machines.get(id);
    return machine ? this.snapshot(machine) : undefined;
  }

  /** The model behind a machine, for fault injection and tests. */
  machine(id: string): Machine | undefined {
    return this.machines.get(id);
  }

  async powerOn(id: string): Promise<void> {
    this.require(id).powerOn();
    await Promise.resolve();
  }

  async powerOff(id: string): Promise<void> {
    await this.require(id).powerOff();
  }

  /** Turns a fault on for one machine (see MachineFaults); throws for unknown disks or NICs. */
  injectFault(id: string, fault: FaultSpec): void {
    this.require(id).injectFault(fault);
  }

  clearFault(id: string, fault: FaultSpec): void {
    this.require(id).clearFault(fault);
  }

  faults(id: string): FaultSpec[] {
    return this.require(id).activeFaults;
  }

  /** Kills the machine's agent process; the machine stays on. False when no agent runs. */
  crashAgent(id: string): Promise<boolean> {
    return this.require(id).crashAgent();
  }

  /** What `baremetal node create` + `port create` need to enrol the machine with Redfish. */
  enrollment(id: string): Enrollment {
    const machine = this.require(id);
    const { spec } = machine;
    const largest = Math.max(0, ...spec.disks.map((d) => d.sizeBytes));
    return {
      name: spec.name,
      driver: 'redfish',
      driver_info: {
        redfish_address: this.redfishUrl,
        redfish_system_id: `/redfish/v1/Systems/${encodeURIComponent(id)}`,
        redfish_username: spec.bmc.username,
        redfish_password: spec.bmc.password,
        redfish_verify_ca: false,
      },
      properties: {
        cpus: machine.cpus,
        memory_mb: spec.memoryMiB,
        // Ironic's convention: the root disk's size in GiB, less one for partitioning slack.
        local_gb: Math.max(0, Math.floor(largest / 1024 ** 3) - 1),
        cpu_arch: spec.cpu.architecture,
        capabilities: `boot_mode:${machine.bootMode === 'UEFI' ? 'uefi' : 'bios'}`,
      },
      ports: spec.nics.filter((nic) => nic.connected).map((nic) => ({ address: nic.mac })),
    };
  }

  /** Where and how to reach the machine's IPMI BMC (after start); undefined without IPMI. */
  async ipmi(id: string): Promise<IpmiAccess | undefined> {
    const machine = this.require(id);
    const entry = this.ipmiBmcs.get(id);
    if (!entry) return undefined;
    await entry.ready;
    return {
      host: entry.bmc.host,
      port: entry.bmc.port,
      username: machine.spec.bmc.username,
      password: machine.spec.bmc.password,
    };
  }

  serial(id: string): SerialView {
    const console = this.require(id).serial;
    return {
      tail: () => console.tail(),
      subscribe: (listener) => console.subscribe(listener),
    };
  }

  /** Sends keystrokes to a machine's serial port; what runs there answers on `serial(id)`. */
  serialInput(id: string, text: string): void {
    const machine = this.require(id);
    // A QEMU machine's serial port is the real one of its guest.
    if (this.qemu?.serialInput(id, text)) return;
    machine.serialInput(text);
  }

  /** `qemu` for machines whose boots run in QEMU, else `simulated`. */
  kindOf(id: string): MachineKind {
    this.require(id);
    return this.kinds.get(id) ?? 'simulated';
  }

  onChange(listener: (machine: MachineSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private snapshot(machine: Machine): MachineSnapshot {
    return snapshotOf(machine, this.redfishUrl, this.kinds.get(machine.id) ?? 'simulated');
  }

  private emit(machine: Machine): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.snapshot(machine);
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.logger?.warn({ err: error }, 'fleet change listener failed');
      }
    }
  }

  /** Binds a BMC's UDP port; a failure is logged and leaves that machine without IPMI. */
  private startIpmi(id: string, bmc: IpmiBmc): Promise<void> {
    return bmc.start().catch((error: unknown) => {
      this.logger?.error({ machine: id, err: error }, 'cannot start the IPMI BMC');
    });
  }

  private require(id: string): Machine {
    const machine = this.machines.get(id);
    if (!machine) throw new RangeError(`no machine "${id}"`);
    return machine;
  }

  private derivePassword(id: string): string {
    const secret = this.options.bmcSecret ?? 'baremetal-lab';
    return createHash('sha256').update(`${secret}\0${id}`).digest('base64url').slice(0, 16);
  }
}

/** 10.x.y.z addresses on the provisioning network, skipping network and broadcast addresses. */
function provisioningAddress(index: number): string {
  const n = 16 + index;
  const host = (n % 254) + 1;
  const rest = Math.floor(n / 254);
  return `10.${(rest >> 8) & 0xff}.${rest & 0xff}.${host}`;
}

/**
 * The address each BMC reports on its LAN channel (what the agent puts in `bmc_address`). Every
 * BMC gets its own, as on a real management network: were they all the shared emulator's
 * address, Ironic's inspection lookup by BMC address would match every node at once.
 */
function managementAddress(index: number): string {
  return `172.31.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
