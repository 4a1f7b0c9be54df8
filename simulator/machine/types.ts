/**
 * The static description of a simulated machine: what a hardware vendor would print on the
 * spec sheet plus the identities (MACs, serials) the factory burned in. Nothing here changes
 * while the machine runs; the changing state lives in Machine.
 */
export type DiskKind = 'hdd' | 'ssd' | 'nvme';
export type DiskTransport = 'sata' | 'sas' | 'nvme' | 'virtio';
export type BootMode = 'UEFI' | 'Legacy';

export interface CpuSpec {
  architecture: 'x86_64' | 'aarch64';
  vendorId: string;
  modelName: string;
  family: number;
  model: number;
  stepping: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  /** Nominal frequency, MHz. */
  mhz: number;
  maxMhz: number;
  minMhz: number;
  flags: readonly string[];
}

export interface DiskSpec {
  /** Kernel name: `sda`, `nvme0n1`. */
  name: string;
  kind: DiskKind;
  transport: DiskTransport;
  sizeBytes: number;
  model: string;
  vendor: string;
  serial: string;
  wwn: string | null;
  logicalSectorSize: number;
  physicalSectorSize: number;
  /** SCSI host:channel:target:lun, null for NVMe and virtio. */
  hctl: string | null;
  /** PCI address of the controller the disk hangs off. */
  controllerPci: string;
  /** Sustained sequential throughput, bytes per second (for the throughput model). */
  throughputBps: number;
}

export interface NicSpec {
  /** Kernel name: `eno1`, `ens1f0`. */
  name: string;
  mac: string;
  speedMbps: number;
  /** PCI ids as the kernel prints them in sysfs, e.g. `0x8086`. */
  vendorId: string;
  deviceId: string;
  driver: string;
  pciAddress: string;
  /** Cable plugged in at the factory. */
  connected: boolean;
  /** Address a DHCP server hands this port when it boots from the network. */
  ipv4: string | null;
}

export interface SystemIdentity {
  manufacturer: string;
  productName: string;
  serialNumber: string;
  /** SMBIOS system UUID (lower-case, dashed). */
  uuid: string;
  skuNumber: string;
  family: string;
  biosVendor: string;
  biosVersion: string;
  /** MM/DD/YYYY as SMBIOS stores it. */
  biosDate: string;
  chassisType: 'Rack Mount Chassis' | 'Other' | 'Desktop';
}

export interface BmcSpec {
  username: string;
  password: string;
  /** MAC of the dedicated management port. */
  mac: string;
  /** Address the BMC reports on its LAN channel. */
  ipv4: string;
}

export interface MachineTimings {
  /** Power-on self test until the firmware picks a boot device. */
  postMs: number;
  /** DHCP, TFTP/HTTP fetch and kernel start of a network or media boot. */
  netbootMs: number;
  /** Booting an installed OS from disk. */
  diskBootMs: number;
  /** ACPI shutdown of a running OS. */
  shutdownMs: number;
  /** Time a power cycle keeps the power off. */
  cycleOffMs: number;
}

export interface MachineSpec {
  id: string;
  name: string;
  profile: string;
  system: SystemIdentity;
  cpu: CpuSpec;
  memoryMiB: number;
  disks: readonly DiskSpec[];
  nics: readonly NicSpec[];
  bmc: BmcSpec;
  /** The board exposes /dev/ipmi0 to the OS (real servers do, most VMs do not). */
  hasIpmiDevice: boolean;
  defaultBootMode: BootMode;
  timings: MachineTimings;
}

export function cpuCount(cpu: CpuSpec): number {
  return cpu.sockets * cpu.coresPerSocket * cpu.threadsPerCore;
}
