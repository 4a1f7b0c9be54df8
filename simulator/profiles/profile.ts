import { createHash } from 'node:crypto';
import type {
  BootMode,
  CpuSpec,
  DiskKind,
  DiskSpec,
  DiskTransport,
  MachineSpec,
  MachineTimings,
  NicSpec,
  SystemIdentity,
} from '../machine';

/** One disk model in a profile; `count` identical drives. */
export interface ProfileDisk {
  count: number;
  kind: DiskKind;
  transport: DiskTransport;
  sizeBytes: number;
  model: string;
  /** What /sys/block/<dev>/device/vendor says (`ATA` for SATA drives). */
  vendor: string;
  /** WWN prefix (OUI part); the rest derives from the serial. null: the drive reports none. */
  wwnPrefix: string | null;
  logicalSectorSize: number;
  physicalSectorSize: number;
  throughputBps: number;
  /** Serial number shape: a prefix and the number of generated characters. */
  serialPrefix: string;
  serialLength: number;
}

export interface ProfileNic {
  name: string;
  speedMbps: number;
  vendorId: string;
  deviceId: string;
  driver: string;
  pciAddress: string;
  connected: boolean;
}

/** A machine type: everything about a model of server except its burned-in identities. */
export interface MachineProfile {
  name: string;
  description: string;
  system: Omit<SystemIdentity, 'serialNumber' | 'uuid'> & { serialPrefix: string };
  cpu: CpuSpec;
  memoryMiB: number;
  disks: readonly ProfileDisk[];
  nics: readonly ProfileNic[];
  hasIpmiDevice: boolean;
  bootMode: BootMode;
  timings: MachineTimings;
}

export interface MachineIdentity {
  id: string;
  name: string;
  /** Deterministic seed for serial numbers and UUIDs (defaults to the id). */
  seed?: string;
  /** A unique MAC for the given port label (`nic:0`, `bmc`). */
  mac(port: string): string;
  /** DHCP address of the first (provisioning) NIC. */
  provisioningIpv4: string;
  bmc: { username: string; password: string; ipv4: string };
}

/** Burns identities into a profile: names, serials, WWNs, MACs, the SMBIOS UUID. */
export function buildMachineSpec(profile: MachineProfile, identity: MachineIdentity): MachineSpec {
  const seed = identity.seed ?? identity.id;
  const { serialPrefix, ...system } = profile.system;
  let scsiTarget = 0;
  let nvmeIndex = 0;
  let sdIndex = 0;
  let vdIndex = 0;
  const disks: DiskSpec[] = [];
  profile.disks.forEach((model, group) => {
    for (let i = 0; i < model.count; i++) {
      const serial = model.serialPrefix + token(`${seed}/disk/${group}/${i}`, model.serialLength);
      let name: string;
      let hctl: string | null = null;
      if (model.transport === 'nvme') {
        name = `nvme${nvmeIndex++}n1`;
      } else if (model.transport === 'virtio') {
        name = `vd${driveLetters(vdIndex++)}`;
      } else {
        name = `sd${driveLetters(sdIndex++)}`;
        hctl = model.transport === 'sas' ? `0:0:${scsiTarget++}:0` : `${1 + group}:0:${i}:0`;
      }
      disks.push({
        name,
        kind: model.kind,
        transport: model.transport,
        sizeBytes: model.sizeBytes,
        model: model.model,
        vendor: model.vendor,
        serial,
        wwn: model.wwnPrefix
          ? `${model.wwnPrefix}${hex(`${seed}/wwn/${serial}`, 18 - model.wwnPrefix.length)}`
          : null,
        logicalSectorSize: model.logicalSectorSize,
        physicalSectorSize: model.physicalSectorSize,
        hctl,
        controllerPci:
          model.transport === 'nvme'
            ? `0000:${(0x5e + nvmeIndex - 1).toString(16).padStart(2, '0')}:00.0`
            : model.transport === 'virtio'
              ? `0000:04:00.0`
              : model.transport === 'sas'
                ? '0000:18:00.0'
                : '0000:00:17.0',
        throughputBps: model.throughputBps,
      });
    }
  });
  const nics: NicSpec[] = profile.nics.map((nic, i) => ({
    ...nic,
    mac: identity.mac(`nic:${i}`),
    ipv4: i === 0 ? identity.provisioningIpv4 : null,
  }));
  return {
    id: identity.id,
    name: identity.name,
    profile: profile.name,
    system: {
      ...system,
      serialNumber: serialPrefix + token(`${seed}/system`, 7),
      uuid: uuidFrom(`${seed}/uuid`),
    },
    cpu: profile.cpu,
    memoryMiB: profile.memoryMiB,
    disks,
    nics,
    bmc: { ...identity.bmc, mac: identity.mac('bmc') },
    hasIpmiDevice: profile.hasIpmiDevice,
    defaultBootMode: profile.bootMode,
    timings: profile.timings,
  };
}

/** sda, sdb, … sdz, sdaa, … as the kernel names SCSI disks. */
function driveLetters(index: number): string {
  let n = index;
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return out;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

const SERIAL_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

function token(text: string, length: number): string {
  const bytes = digest(text);
  let out = '';
  for (let i = 0; i < length; i++)
    out += SERIAL_ALPHABET[bytes[i % bytes.length]! % SERIAL_ALPHABET.length];
  return out;
}

function hex(text: string, length: number): string {
  return digest(text).toString('hex').slice(0, length);
}

function uuidFrom(text: string): string {
  const b = digest(text).subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
