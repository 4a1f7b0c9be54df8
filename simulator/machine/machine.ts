import type { Clock } from '../../lib';
import { type FaultSpec, type MachineFaults, activeFaults, noFaults, setFault } from './faults';
import { NamedTimers } from './named-timers';
import { SerialConsole } from './serial-console';
import { SerialTerminal, type TerminalProgram } from './serial-terminal';
import { type BiosValue, biosChangeError, biosDefaults } from './bios';
import { type DiskLayout, partitionName, readDiskLayout } from './disk-layout';
import { findInstalledOs } from './installed-os';
import { SparseDisk } from './sparse-disk';
import type { BootMode, DiskSpec, MachineSpec, NicSpec } from './types';
import { cpuCount } from './types';

/**
 * One simulated machine: power, firmware, boot selection and what runs after. The state machine
 * (README.md beside this file):
 *
 *   off ──power on──▶ firmware ──POST done──▶ booting ──kernel up──▶ running
 *    ▲                   │                      │                     │
 *    └──── power off (any phase, immediately) ──┴── graceful shutdown ┴─▶ shutting-down ─▶ off
 *
 * The model knows nothing of Redfish, IPMI or the agent: the BMC layers call its methods, and a
 * RamdiskLauncher injected by the fleet starts whatever a network or media boot loads.
 */
export type PowerPhase = 'off' | 'firmware' | 'booting' | 'running' | 'shutting-down';
export type BootDevice = 'None' | 'Pxe' | 'Hdd' | 'Cd' | 'Usb' | 'BiosSetup' | 'UefiHttp';
export type BootOverrideEnabled = 'Disabled' | 'Once' | 'Continuous';
/** What the running machine is doing once the firmware handed over. */
export type RunningOs = 'agent' | 'disk' | 'setup' | 'halted';
export type AgentStatus = 'off' | 'booting' | 'looking-up' | 'running' | 'failed';
export type MediaDevice = 'Cd' | 'Usb';

export interface BootOverride {
  target: BootDevice;
  enabled: BootOverrideEnabled;
}

export interface VirtualMediaSlot {
  image: string | null;
  inserted: boolean;
  writeProtected: boolean;
}

/** What a launched OS gives back: a way to pull its plug. */
export interface OsHandle {
  /** Stops everything at once, as a power cut would; must not throw. */
  stop(): Promise<void>;
}

export interface RamdiskBoot {
  machine: Machine;
  device: 'Pxe' | 'UefiHttp' | 'Cd' | 'Usb';
  /** The NIC the firmware booted from (null for media boots). */
  nic: NicSpec | null;
  /** The inserted image URL for media boots. */
  media: string | null;
  /** Aborted when the power goes away during start-up. */
  signal: AbortSignal;
  /** Reports the agent's progress; ignored once this boot is over. */
  report: (status: AgentStatus) => void;
  /** Writes to the serial console while this boot lasts. */
  console: (line: string) => void;
}

export type RamdiskLauncher = (boot: RamdiskBoot) => Promise<OsHandle>;

/**
 * A boot handed to emulated hardware: the device its firmware is told to start from. Network
 * and media boots are expected to run the agent, whose progress `report` tells; `media` is null
 * when nothing is inserted.
 */
export interface HardwareBoot extends Omit<RamdiskBoot, 'device'> {
  device: 'Pxe' | 'UefiHttp' | 'Cd' | 'Usb' | 'Hdd';
}

/**
 * Hardware emulated outside the model (a QEMU process): from power-on its own firmware, boot
 * loader and kernel run and print on the serial console, so the model prints nothing there and
 * keeps only what the BMC knows (power, boot override, virtual media, BIOS settings).
 */
export interface MachineHardware {
  /** Starts the emulator for one power-on; the handle pulls its plug. */
  boot(boot: HardwareBoot): Promise<OsHandle>;
  /** Whether a disk carries a boot signature, for the firmware's default order (disk, network). */
  hasBootableDisk(machine: Machine): boolean;
}

/** Faults the BMC itself shows, the only ones that reach emulated hardware. */
const BMC_FAULTS: ReadonlySet<FaultSpec['kind']> = new Set([
  'bmc-unreachable',
  'bmc-error',
  'power-ignored',
]);

/** A UEFI boot entry (Boot####) in the machine's NVRAM. */
export interface EfiBootEntry {
  number: number;
  label: string;
  /** UEFI device path as efibootmgr -v prints it. */
  devicePath: string;
  /** PARTUUID of the partition holding the loader, for disk entries. */
  partUuid: string | null;
  loader: string | null;
  active: boolean;
}

export interface MachineDisk {
  spec: DiskSpec;
  data: SparseDisk;
  /** ATA security feature set state (SATA drives that support it). */
  security: AtaSecurity;
}

export interface AtaSecurity {
  supported: boolean;
  enabled: boolean;
  locked: boolean;
  /** The BIOS issued SECURITY FREEZE LOCK: no security command works until power-off. */
  frozen: boolean;
  password: string | null;
  enhancedErase: boolean;
  /** Minutes the drive reports for a (normal or enhanced) SECURITY ERASE UNIT. */
  eraseMinutes: number;
}

export interface MachineOptions {
  spec: MachineSpec;
  clock: Clock;
  launcher?: RamdiskLauncher;
  /** Emulated hardware that runs every boot instead of the model's firmware (see MachineHardware). */
  hardware?: MachineHardware;
  /** Per-disk memory budget for written data. */
  diskBudgetBytes?: number;
  serialCapacity?: number;
}

export type MachineListener = (machine: Machine) => void;

export class Machine {
  readonly spec: MachineSpec;
  readonly serial: SerialConsole;
  readonly disks: readonly MachineDisk[];
  readonly faults: MachineFaults = noFaults();
  launcher: RamdiskLauncher | undefined;
  readonly hardware: MachineHardware | undefined;

  private readonly clock: Clock;
  private readonly timers: NamedTimers;
  private readonly listeners = new Set<MachineListener>();
  private currentPhase: PowerPhase = 'off';
  private currentOs: RunningOs | null = null;
  /** What reads the serial line now; null while nothing does (off, firmware, kernel start). */
  private terminal: SerialTerminal | null = null;
  private currentAgent: AgentStatus = 'off';
  private override: BootOverride;
  private mode: BootMode;
  private secureBootEnabled = false;
  /** Front-panel identify LED and the operator's asset tag, as the BMC keeps them. */
  private led: 'Lit' | 'Blinking' | 'Off' = 'Off';
  private tag = '';
  private bios: Record<string, BiosValue>;
  /** UEFI NVRAM boot entries and order; they survive power cycles. */
  readonly efiBootEntries = new Map<number, EfiBootEntry>();
  efiBootOrder: number[] = [];
  private pendingBios: Record<string, BiosValue> | null = null;
  private readonly media = new Map<MediaDevice, VirtualMediaSlot>();
  private generation = 0;
  private poweredOnAt = 0;
  private bootAbort: AbortController | undefined;
  private osHandle: OsHandle | undefined;
  private lastBootDevice: BootDevice | null = null;
  private revision = 0;

  constructor(options: MachineOptions) {
    this.spec = options.spec;
    this.clock = options.clock;
    this.launcher = options.launcher;
    this.hardware = options.hardware;
    this.timers = new NamedTimers(options.clock);
    this.serial = new SerialConsole(options.serialCapacity);
    this.disks = options.spec.disks.map((spec) => {
      const data = new SparseDisk(spec.sizeBytes, options.diskBudgetBytes);
      // Past the memory budget the disk still keeps partition heads, so images stay provable.
      data.pinnedOffsets = () =>
        readDiskLayout(data, spec.logicalSectorSize).partitions.map((p) => p.startBytes);
      const ataCapable = spec.transport === 'sata' && !spec.model.startsWith('QEMU');
      const security: AtaSecurity = {
        supported: ataCapable,
        enabled: false,
        locked: false,
        frozen: false,
        password: null,
        enhancedErase: ataCapable && spec.kind === 'ssd',
        eraseMinutes: spec.kind === 'ssd' ? 2 : Math.ceil(spec.sizeBytes / spec.throughputBps / 60),
      };
      return { spec, data, security };
    });
    this.override = { target: 'Pxe', enabled: 'Continuous' };
    this.mode = options.spec.defaultBootMode;
    this.bios = biosDefaults(options.spec.system.serialNumber, this.mode === 'UEFI');
    // Firmware ships with a network boot entry per port, as servers list them in their boot menu.
    options.spec.nics.forEach((nic, i) => {
      const entry: EfiBootEntry = {
        number: i,
        label: `UEFI: PXE IPv4 ${nic.name} (${nic.mac})`,
        devicePath: `PciRoot(0x0)/Pci(0x1c,0x${i.toString(16)})/Pci(0x0,0x0)/MAC(${nic.mac.replace(/:/g, '')},1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)`,
        partUuid: null,
        loader: null,
        active: true,
      };
      this.efiBootEntries.set(i, entry);
      this.efiBootOrder.push(i);
    });
    for (const device of ['Cd', 'Usb'] as const) {
      this.media.set(device, { image: null, inserted: false, writeProtected: true });
    }
  }

  get id(): string {
    return this.spec.id;
  }
  get phase(): PowerPhase {
    return this.currentPhase;
  }
  get poweredOn(): boolean {
    return this.currentPhase !== 'off';
  }
  get runningOs(): RunningOs | null {
    return this.currentOs;
  }
  get agentStatus(): AgentStatus {
    return this.currentAgent;
  }
  get bootOverride(): Readonly<BootOverride> {
    return this.override;
  }
  get bootMode(): BootMode {
    return this.mode;
  }
  /** The device the last boot used (null before the first boot). */
  get lastBoot(): BootDevice | null {
    return this.lastBootDevice;
  }
  /** Changes on every visible state change; the BMCs derive ETags from it. */
  get version(): number {
    return this.revision;
  }
  get cpus(): number {
    return cpuCount(this.spec.cpu);
  }
  /** Simulated milliseconds since power-on (0 when off). */
  get uptimeMs(): number {
    return this.poweredOn ? this.clock.now() - this.poweredOnAt : 0;
  }
  /** Timer names pending, for tests and diagnostics. */
  get pendingTimers(): string[] {
    return this.timers.names;
  }

  onChange(listener: MachineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- power ---------------------------------------------------------------------------------

  /** Presses power on. False when it was already on (or the fault says power actions vanish). */
  powerOn(): boolean {
    if (this.faults.powerActionIgnored || this.currentPhase !== 'off') return false;
    this.generation++;
    this.poweredOnAt = this.clock.now();
    this.currentOs = null;
    // An ATA drive with a security password comes up locked after losing power.
    for (const disk of this.disks) disk.security.locked = disk.security.enabled;
    this.setPhase('firmware');
    this.post();
    return true;
  }

  /** Cuts the power at once, whatever runs. Resolves when the OS has been stopped. */
  async powerOff(): Promise<boolean> {
    if (this.faults.powerActionIgnored) return false;
    if (this.currentPhase === 'off') {
      // Off in the middle of a power cycle: the pending power-on is cancelled.
      const cycling = this.timers.has('cycle');
      this.timers.clear('cycle');
      return cycling;
    }
    await this.cutPower();
    return true;
  }

  /** ACPI power button: a running OS shuts down; firmware or a halted machine ignore it. */
  gracefulShutdown(): boolean {
    if (this.faults.powerActionIgnored) return false;
    if (this.currentPhase !== 'running' || this.currentOs === 'halted') return false;
    if (this.currentOs === 'setup') return false;
    // No ACPI button reaches the emulator (it runs without a monitor): ignored, as by an OS
    // that does not listen for it, and the caller falls back to a hard power off.
    if (this.hardware) return false;
    this.setPhase('shutting-down');
    this.serial.line('[  OK  ] Reached target System Power Off.');
    const gen = this.generation;
    this.timers.set('shutdown', this.spec.timings.shutdownMs, () => {
      if (gen !== this.generation) return;
      this.serial.line('reboot: Power down');
      void this.cutPower();
    });
    return true;
  }

  /** Hard reset: the OS dies and the firmware starts over. No effect when off. */
  async reset(): Promise<boolean> {
    if (this.faults.powerActionIgnored || this.currentPhase === 'off') return false;
    await this.stopOs();
    this.generation++;
    this.poweredOnAt = this.clock.now();
    this.setPhase('firmware');
    this.post();
    return true;
  }

  /** ACPI reboot of a running OS; otherwise behaves like a reset. */
  async gracefulRestart(): Promise<boolean> {
    if (this.faults.powerActionIgnored || this.currentPhase === 'off') return false;
    if (this.currentPhase === 'running' && this.currentOs !== 'halted' && !this.hardware) {
      this.serial.line('[  OK  ] Reached target System Reboot.');
      this.serial.line('reboot: Restarting system');
    }
    return this.reset();
  }

  /** Power removed, then restored after a moment. From off it simply powers on. */
  async powerCycle(): Promise<boolean> {
    if (this.faults.powerActionIgnored) return false;
    if (this.currentPhase === 'off') return this.powerOn();
    await this.cutPower();
    this.timers.set('cycle', this.spec.timings.cycleOffMs, () => this.powerOn());
    return true;
  }

  /** The front-panel button: on when off, ACPI shutdown when on. */
  pushPowerButton(): boolean {
    if (this.currentPhase === 'off') return this.powerOn();
    return this.gracefulShutdown();
  }

  /** Diagnostic interrupt: only a running kernel notices. */
  nmi(): boolean {
    if (this.faults.powerActionIgnored || this.currentPhase === 'off') return false;
    if (this.hardware) return false;
    if (this.currentPhase === 'running' && this.currentOs !== 'halted') {
      this.serial.line(
        `[${this.kernelTime()}] Uhhuh. NMI received for unknown reason 3d on CPU 0.`,
      );
    }
    return true;
  }

  /** The OS asked to power off (poweroff, sysrq o): the plug is pulled after the call returns. */
  osPowerOff(): void {
    const gen = this.generation;
    void Promise.resolve().then(async () => {
      if (gen !== this.generation || this.currentPhase === 'off') return;
      // Emulated hardware's kernel printed its own last words.
      if (!this.hardware) this.serial.line('reboot: Power down');
      await this.cutPower();
    });
  }

  /** The OS asked to reboot (reboot, sysrq b). */
  osReboot(): void {
    const gen = this.generation;
    void Promise.resolve().then(async () => {
      if (gen !== this.generation || this.currentPhase === 'off') return;
      if (!this.hardware) this.serial.line('reboot: Restarting system');
      await this.reset();
    });
  }

  // ---- boot configuration --------------------------------------------------------------------

  setBootOverride(change: Partial<BootOverride>): void {
    this.override = {
      target: change.target ?? this.override.target,
      enabled: change.enabled ?? this.override.enabled,
    };
    this.touch();
  }

  /** Current BIOS attributes; BootMode always reflects the mode the firmware uses. */
  get biosAttributes(): Readonly<Record<string, BiosValue>> {
    return { ...this.bios, BootMode: this.mode === 'UEFI' ? 'Uefi' : 'Bios' };
  }

  /** Staged BIOS changes the next POST applies (null when nothing is staged). */
  get pendingBiosAttributes(): Readonly<Record<string, BiosValue>> | null {
    return this.pendingBios;
  }

  /** Stages BIOS changes; throws RangeError naming the first unacceptable one. */
  stageBiosChanges(changes: Record<string, unknown>): void {
    const error = biosChangeError(changes);
    if (error) throw new RangeError(error);
    this.pendingBios = { ...(this.pendingBios ?? {}), ...(changes as Record<string, BiosValue>) };
    this.touch();
  }

  /** Stages a return to factory defaults (Bios.ResetBios). */
  stageBiosReset(): void {
    const defaults = biosDefaults(
      this.spec.system.serialNumber,
      this.spec.defaultBootMode === 'UEFI',
    );
    this.pendingBios = defaults;
    this.touch();
  }

  get indicatorLed(): 'Lit' | 'Blinking' | 'Off' {
    return this.led;
  }

  get assetTag(): string {
    return this.tag;
  }

  setIndicatorLed(state: 'Lit' | 'Blinking' | 'Off'): void {
    if (this.led === state) return;
    this.led = state;
    this.touch();
  }

  setAssetTag(tag: string): void {
    if (this.tag === tag) return;
    this.tag = tag;
    this.touch();
  }

  get secureBoot(): boolean {
    return this.secureBootEnabled;
  }

  setSecureBoot(enabled: boolean): void {
    if (this.secureBootEnabled === enabled) return;
    this.secureBootEnabled = enabled;
    this.touch();
  }

  setBootMode(mode: BootMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.touch();
  }

  mediaSlot(device: MediaDevice): Readonly<VirtualMediaSlot> {
    return this.media.get(device)!;
  }

  insertMedia(device: MediaDevice, image: string, writeProtected = true): void {
    this.media.set(device, { image, inserted: true, writeProtected });
    this.touch();
  }

  ejectMedia(device: MediaDevice): void {
    this.media.set(device, { image: null, inserted: false, writeProtected: true });
    this.touch();
  }

  /** The partition table and file systems on a disk, read from its bytes. */
  diskLayout(name: string): DiskLayout {
    const disk = this.disks.find((d) => d.spec.name === name);
    if (!disk) throw new RangeError(`no disk "${name}"`);
    return readDiskLayout(disk.data, disk.spec.logicalSectorSize);
  }

  /** The first disk (in firmware order) that carries a boot signature, if any. */
  bootableDisk(): MachineDisk | undefined {
    return this.disks.find((disk) => hasBootSignature(disk, this.mode));
  }

  /** Connected NICs whose link is up, in firmware order. */
  linkedNics(): NicSpec[] {
    return this.spec.nics.filter((nic) => nic.connected && !this.faults.linkDown.has(nic.name));
  }

  /**
   * Turns a fault on. `agent-crash` kills the running agent at once (a RangeError when none
   * runs); the others last until cleared.
   */
  injectFault(spec: FaultSpec): void {
    if (this.hardware && !BMC_FAULTS.has(spec.kind)) {
      throw new RangeError(
        `${spec.kind} does not reach emulated hardware; only ${[...BMC_FAULTS].join(', ')} do`,
      );
    }
    if (spec.kind === 'agent-crash') {
      if (!this.agentAlive) throw new RangeError(`no agent is running on ${this.spec.name}`);
      void this.crashAgent();
      return;
    }
    setFault(this.faults, spec, true, this.names());
    if (spec.kind === 'link-down') this.logLink(spec.nic, false);
    this.touch();
  }

  clearFault(spec: FaultSpec): void {
    setFault(this.faults, spec, false, this.names());
    if (spec.kind === 'link-down') this.logLink(spec.nic, true);
    this.touch();
  }

  get activeFaults(): FaultSpec[] {
    return activeFaults(this.faults);
  }

  /**
   * The agent process dies (OOM, a bug) while the machine stays on: its API and heartbeats stop,
   * the console says so, and only a reboot brings it back. False when no agent runs.
   */
  async crashAgent(): Promise<boolean> {
    // The agent inside an emulator is out of the model's reach.
    if (!this.agentAlive || this.hardware) return false;
    const handle = this.osHandle;
    this.osHandle = undefined;
    this.bootAbort?.abort(new Error('agent crashed'));
    // Later reports of the dead process must not resurrect its status.
    this.generation++;
    this.serial.line(
      `[${this.kernelTime()}] ironic-python-agent.service: Main process exited, code=killed, status=9/KILL`,
    );
    this.serial.line(
      `[${this.kernelTime()}] ironic-python-agent.service: Failed with result 'signal'.`,
    );
    this.currentAgent = 'failed';
    this.faults.agentCrashed = true;
    this.touch();
    if (handle) {
      try {
        await handle.stop();
      } catch {
        // Already dead.
      }
    }
    return true;
  }

  private get agentAlive(): boolean {
    return this.currentOs === 'agent' && this.currentAgent !== 'failed';
  }

  /** Marks a visible change made from outside (faults, disk contents). */
  touch(): void {
    this.revision++;
    for (const listener of this.listeners) {
      try {
        listener(this);
      } catch {
        // Observers must not break the model.
      }
    }
  }

  /** Pulls the plug and forgets every listener and timer (removal from the fleet). */
  async dispose(): Promise<void> {
    await this.cutPower();
    this.listeners.clear();
  }

  // ---- internals -----------------------------------------------------------------------------

  private names() {
    return { disks: this.spec.disks.map((d) => d.name), nics: this.spec.nics.map((n) => n.name) };
  }

  private logLink(nic: string, up: boolean): void {
    if (this.currentPhase !== 'running' || this.currentOs === 'halted') return;
    const spec = this.spec.nics.find((n) => n.name === nic);
    if (!spec) return;
    this.serial.line(
      up
        ? `[${this.kernelTime()}] ${spec.driver} ${spec.pciAddress} ${nic}: NIC Link is Up, ${spec.speedMbps} Mbps Full Duplex`
        : `[${this.kernelTime()}] ${spec.driver} ${spec.pciAddress} ${nic}: NIC Link is Down`,
    );
  }

  private post(): void {
    const { system, cpu } = this.spec;
    const gen = this.generation;
    if (this.hardware) {
      // The emulator's firmware prints its own POST; staged settings still take effect.
      this.applyPendingBios();
      this.timers.set('post', this.spec.timings.postMs, () => {
        if (gen === this.generation) this.firmwareHandOver();
      });
      return;
    }
    this.serial.line('');
    const staged = this.applyPendingBios();
    if (staged > 0) this.serial.line(`Applying ${staged} pending BIOS setting(s)...`);
    this.serial.line(`${system.manufacturer} ${system.productName}`);
    this.serial.line(`BIOS ${system.biosVendor} ${system.biosVersion} (${system.biosDate})`);
    this.serial.line(`${cpu.sockets} x ${cpu.modelName}`);
    this.serial.line(`Memory: ${this.spec.memoryMiB} MiB OK`);
    this.serial.line(`Boot mode: ${this.mode}`);
    this.serial.line('Press <F2> to enter Setup, <F12> for Network Boot');
    this.timers.set('post', this.spec.timings.postMs, () => {
      if (gen === this.generation) this.firmwareHandOver();
    });
  }

  /** Applies the BIOS changes staged for this POST; returns how many there were. */
  private applyPendingBios(): number {
    const staged = this.pendingBios;
    if (!staged) return 0;
    this.pendingBios = null;
    this.bios = { ...this.bios, ...staged };
    if (staged.BootMode === 'Uefi' || staged.BootMode === 'Bios') {
      this.mode = staged.BootMode === 'Uefi' ? 'UEFI' : 'Legacy';
    }
    return Object.keys(staged).length;
  }

  private firmwareHandOver(): void {
    const { target, enabled } = this.override;
    let device: BootDevice;
    if (enabled !== 'Disabled' && target !== 'None') {
      device = target;
      if (enabled === 'Once') this.override = { target, enabled: 'Disabled' };
    } else {
      // No override: the default order is the local disk, then the network.
      const bootable = this.hardware
        ? this.hardware.hasBootableDisk(this)
        : this.bootableDisk() !== undefined;
      device = bootable ? 'Hdd' : 'Pxe';
    }
    this.lastBootDevice = device;
    if (this.hardware) {
      if (device === 'BiosSetup') this.enterRunning('setup');
      else this.hardwareBoot(this.hardware, device);
      return;
    }
    switch (device) {
      case 'Pxe':
      case 'UefiHttp':
        this.networkBoot(device);
        return;
      case 'Cd':
      case 'Usb':
        this.mediaBoot(device);
        return;
      case 'Hdd':
        this.diskBoot();
        return;
      case 'BiosSetup':
        this.serial.line('Entering Setup...');
        this.enterRunning('setup');
        return;
    }
  }

  private networkBoot(device: 'Pxe' | 'UefiHttp'): void {
    const nic = this.linkedNics()[0];
    if (!nic) {
      this.serial.line('PXE-E61: Media test failure, check cable');
      this.halt('No bootable device -- insert boot disk and press any key');
      return;
    }
    const how = device === 'Pxe' ? 'PXE' : 'UEFI HTTP';
    this.serial.line(`Booting from ${how} over ${nic.name} (MAC ${nic.mac})...`);
    this.serial.line(`DHCP... ${nic.ipv4 ?? 'no address'}`);
    this.serial.line('Loading ironic-python-agent kernel and ramdisk...');
    this.startRamdisk(device, nic, null);
  }

  private mediaBoot(device: MediaDevice): void {
    const slot = this.media.get(device)!;
    if (!slot.inserted || !slot.image) {
      this.serial.line(`Boot from ${device === 'Cd' ? 'CD/DVD' : 'USB'} failed: no media`);
      this.halt('No bootable device -- insert boot disk and press any key');
      return;
    }
    this.serial.line(`Booting from virtual ${device === 'Cd' ? 'CD' : 'USB'} (${slot.image})...`);
    this.startRamdisk(device, null, slot.image);
  }

  private diskBoot(): void {
    const disk = this.bootableDisk();
    if (!disk) {
      this.serial.line('Booting from Hard Disk...');
      this.halt('No bootable device -- insert boot disk and press any key');
      return;
    }
    const layout = readDiskLayout(disk.data, disk.spec.logicalSectorSize);
    const esp = layout.partitions.find((p) => p.type === ESP_GPT_TYPE || p.type === '0xef');
    if (this.mode === 'UEFI' && layout.table === 'gpt' && !esp) {
      // UEFI firmware boots a loader from an EFI system partition; a GPT without one is inert.
      this.serial.line(`Boot from ${disk.spec.name} failed: no EFI system partition`);
      this.halt('No bootable device -- insert boot disk and press any key');
      return;
    }
    const os = findInstalledOs(disk.data, layout);
    const root = os?.root;
    const gen = this.generation;
    this.setPhase('booting');
    const entry =
      this.mode === 'UEFI'
        ? this.efiBootOrder
            .map((n) => this.efiBootEntries.get(n))
            .find(
              (e) =>
                e?.active &&
                e.partUuid !== null &&
                layout.partitions.some((p) => p.uuid === e.partUuid),
            )
        : undefined;
    if (entry) this.serial.line(`Booting \`${entry.label}' (${entry.loader ?? '?'})`);
    else if (this.mode === 'UEFI')
      this.serial.line(`Booting the fallback loader \\EFI\\BOOT\\BOOTX64.EFI`);
    this.serial.line(`Booting from Hard Disk ${disk.spec.name} (${disk.spec.model})...`);
    if (!root) {
      this.serial.line('GRUB loading.');
      this.serial.line('error: unknown filesystem.');
      this.serial.line('Entering rescue mode...');
      this.enterRunning('halted');
      this.attachTerminal({ kind: 'grub-rescue' });
      return;
    }
    const device = partitionName(disk.spec.name, root.number);
    this.timers.set('diskboot', this.spec.timings.diskBootMs, () => {
      if (gen !== this.generation) return;
      this.serial.line(
        `[${this.kernelTime()}] Linux version 6.1.0 (root=UUID=${root.fs?.uuid ?? '?'} on /dev/${device})`,
      );
      if (root.fs?.type !== 'vfat') {
        this.serial.line(
          `[${this.kernelTime()}] EXT4-fs (${device}): mounted filesystem ${root.fs?.label ? `"${root.fs.label}" ` : ''}with ordered data mode.`.replace(
            'EXT4-fs',
            root.fs?.type === 'xfs' ? 'XFS' : 'EXT4-fs',
          ),
        );
      }
      // systemd's banner, then the getty's /etc/issue line, as a Debian-like system prints them.
      if (os?.prettyName) this.serial.line(`Welcome to ${os.prettyName}!`);
      this.serial.line('');
      if (os?.prettyName) {
        this.serial.line(`${os.prettyName} ${this.spec.name} ttyS0`);
        this.serial.line('');
      }
      this.enterRunning('disk');
      this.attachTerminal({ kind: 'getty', prompt: `${this.spec.name} login: ` });
    });
  }

  /**
   * Emulated hardware boots by itself: the model only tracks what should be running, the agent
   * (network and media boots) or the local disk, and says nothing on the console.
   */
  private hardwareBoot(hardware: MachineHardware, device: HardwareBoot['device']): void {
    const gen = this.generation;
    const local = device === 'Hdd';
    if (!local) this.setAgent('booting');
    this.enterRunning(local ? 'disk' : 'agent');
    const slot = device === 'Cd' || device === 'Usb' ? this.media.get(device)! : null;
    const failed = () => {
      if (local) this.enterRunning('halted');
      else this.setAgent('failed');
    };
    void this.runOs(
      gen,
      (common) =>
        hardware.boot({
          ...common,
          device,
          nic: device === 'Pxe' || device === 'UefiHttp' ? (this.linkedNics()[0] ?? null) : null,
          media: slot?.inserted ? slot.image : null,
          report: (status) => {
            if (gen !== this.generation) return;
            if (!local) this.setAgent(status);
            else if (status === 'failed') failed();
          },
        }),
      (message) => {
        // Not the guest's output: marked as the simulator's own note.
        this.serial.line(`[simulator] ${message}`);
        failed();
      },
    );
  }

  /**
   * Calls a launcher for this boot and keeps its handle; a power cut meanwhile (a newer
   * generation) stops what it started, and a launcher error goes to `failed`.
   */
  private async runOs(
    gen: number,
    launch: (common: {
      machine: Machine;
      signal: AbortSignal;
      console: (line: string) => void;
    }) => Promise<OsHandle>,
    failed: (message: string) => void,
  ): Promise<void> {
    const abort = new AbortController();
    this.bootAbort = abort;
    const live = () => gen === this.generation;
    try {
      const handle = await launch({
        machine: this,
        signal: abort.signal,
        console: (line) => {
          if (live()) this.serial.line(line);
        },
      });
      if (!live()) {
        await handle.stop();
        return;
      }
      this.osHandle = handle;
    } catch (error) {
      if (live()) failed(errorMessage(error));
    } finally {
      if (this.bootAbort === abort) this.bootAbort = undefined;
    }
  }

  private startRamdisk(
    device: RamdiskBoot['device'],
    nic: NicSpec | null,
    media: string | null,
  ): void {
    const gen = this.generation;
    this.setPhase('booting');
    this.setAgent('booting');
    this.timers.set('kernel', this.spec.timings.netbootMs, () => {
      if (gen !== this.generation) return;
      void this.launchRamdisk(gen, device, nic, media);
    });
  }

  private async launchRamdisk(
    gen: number,
    device: RamdiskBoot['device'],
    nic: NicSpec | null,
    media: string | null,
  ): Promise<void> {
    this.serial.line(
      `[${this.kernelTime()}] Linux version 6.1.0-ipa (ironic-python-agent ramdisk)`,
    );
    this.enterRunning('agent');
    // The ramdisk's getty on ttyS0 prints its prompt only when someone presses Enter, since the
    // agent's log scrolls past on the same console.
    this.attachTerminal({ kind: 'getty', prompt: 'localhost login: ' }, { quiet: true });
    const launcher = this.launcher;
    if (!launcher) {
      this.serial.line('ironic-python-agent: no agent image on this fleet; idling');
      this.setAgent('failed');
      return;
    }
    await this.runOs(
      gen,
      (common) =>
        launcher({
          ...common,
          device,
          nic,
          media,
          report: (status) => {
            if (gen === this.generation) this.setAgent(status);
          },
        }),
      (message) => {
        this.serial.line(`ironic-python-agent failed to start: ${message}`);
        this.setAgent('failed');
      },
    );
  }

  private halt(message: string): void {
    this.serial.line(message);
    this.enterRunning('halted');
  }

  private enterRunning(os: RunningOs): void {
    this.currentOs = os;
    this.terminal = null;
    this.setPhase('running');
  }

  /** Starts the program that answers on the serial line and shows its prompt (unless quiet). */
  private attachTerminal(program: TerminalProgram, options: { quiet?: boolean } = {}): void {
    const terminal = new SerialTerminal(program, (text) => this.serial.write(text));
    this.terminal = terminal;
    if (!options.quiet) this.serial.write(terminal.prompt());
  }

  /**
   * Keystrokes arriving on the serial port (a console's xterm, a BMC's serial-over-LAN). Lost
   * when nothing reads the line, exactly as on hardware.
   */
  serialInput(text: string): void {
    this.terminal?.input(text);
  }

  private async cutPower(): Promise<void> {
    this.timers.clearAll();
    if (this.currentPhase === 'off') return;
    await this.stopOs();
    this.generation++;
    this.setPhase('off');
  }

  /** Stops whatever OS runs; the generation bump makes late callbacks of that boot no-ops. */
  private async stopOs(): Promise<void> {
    this.timers.clearAll();
    this.generation++;
    this.bootAbort?.abort(new Error('power lost'));
    this.bootAbort = undefined;
    const handle = this.osHandle;
    this.osHandle = undefined;
    this.currentOs = null;
    this.terminal = null;
    this.currentAgent = 'off';
    // The dead process is gone with the OS; the next boot starts a fresh agent.
    this.faults.agentCrashed = false;
    if (handle) {
      try {
        await handle.stop();
      } catch {
        // A dying OS has nothing more to say.
      }
    }
  }

  private setPhase(phase: PowerPhase): void {
    this.currentPhase = phase;
    if (phase === 'off') {
      this.currentOs = null;
      this.currentAgent = 'off';
    }
    this.touch();
  }

  private setAgent(status: AgentStatus): void {
    if (this.currentAgent === status) return;
    this.currentAgent = status;
    this.touch();
  }

  /** Kernel-style `12.345678` seconds since power-on. */
  kernelTime(): string {
    return (this.uptimeMs / 1000).toFixed(6).padStart(12, ' ');
  }
}

const GPT_SIGNATURE = Buffer.from('EFI PART', 'ascii');
const ESP_GPT_TYPE = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';

/** UEFI boots a disk with a GPT header (or an MBR, via its protective entry); BIOS needs an MBR. */
function hasBootSignature(disk: MachineDisk, mode: BootMode): boolean {
  const mbr = disk.data.read(0, 512);
  const hasMbr = mbr.length === 512 && mbr[510] === 0x55 && mbr[511] === 0xaa;
  if (mode === 'Legacy') return hasMbr;
  const header = disk.data.read(disk.spec.logicalSectorSize, 8);
  return hasMbr || Buffer.from(header).equals(GPT_SIGNATURE);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
