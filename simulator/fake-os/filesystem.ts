import type { Machine } from '../machine';
import { dmiIdFiles } from './dmi';
import { cpuinfo, meminfo } from './procfs';
import { Vfs } from './vfs';

export interface BootContext {
  /** The kernel command line the firmware passed. */
  cmdline: string;
  hostname: string;
  /** Contents of /etc/ironic_python_agent/ironic_python_agent.conf. */
  agentConfig: string;
}

/**
 * Builds the ramdisk's /proc, /sys, /dev and /etc from the machine: the sysfs layout mirrors a
 * real kernel's (class entries are links into /sys/devices), so the agent's link-following
 * code (device, driver, by-path) sees what it would on metal.
 */
export function buildFilesystem(machine: Machine, boot: BootContext): Vfs {
  const vfs = new Vfs();
  const { spec } = machine;

  vfs.file('/proc/cmdline', `${boot.cmdline}\n`);
  vfs.file('/proc/meminfo', () => meminfo(machine));
  vfs.file('/proc/cpuinfo', () => cpuinfo(machine));
  vfs.file('/proc/sys/kernel/hostname', `${boot.hostname}\n`);
  vfs.file('/proc/version', 'Linux version 6.1.0-ipa (builder@ramdisk) #1 SMP PREEMPT_DYNAMIC\n');
  vfs.file('/proc/sysrq-trigger', '', (data) => {
    const key = data.trim().charAt(0);
    if (key === 'o') machine.osPowerOff();
    else if (key === 'b') machine.osReboot();
  });
  vfs.file('/etc/hostname', `${boot.hostname}\n`);
  vfs.file('/etc/ironic_python_agent/ironic_python_agent.conf', boot.agentConfig);
  vfs.file(
    '/etc/os-release',
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  );
  vfs.dir('/tmp');
  vfs.dir('/run');
  vfs.dir('/var/log');

  if (machine.bootMode === 'UEFI') {
    vfs.dir('/sys/firmware/efi/efivars');
    vfs.file('/sys/firmware/efi/fw_platform_size', '64\n');
  }
  for (const [name, value] of Object.entries(dmiIdFiles(machine))) {
    vfs.file(`/sys/devices/virtual/dmi/id/${name}`, `${value}\n`);
  }
  vfs.link('/sys/class/dmi/id', '../../devices/virtual/dmi/id');

  addNetwork(vfs, machine);
  addBlockDevices(vfs, machine);

  if (spec.hasIpmiDevice) vfs.device('/dev/ipmi0');
  vfs.device('/dev/null');
  vfs.device('/dev/zero');
  vfs.device('/dev/urandom');
  return vfs;
}

function addNetwork(vfs: Vfs, machine: Machine): void {
  vfs.dir('/sys/devices/virtual/net/lo');
  vfs.file('/sys/devices/virtual/net/lo/address', '00:00:00:00:00:00\n');
  vfs.file('/sys/devices/virtual/net/lo/carrier', '1\n');
  vfs.file('/sys/devices/virtual/net/lo/operstate', 'unknown\n');
  vfs.link('/sys/class/net/lo', '../../devices/virtual/net/lo');
  for (const nic of machine.spec.nics) {
    const virtio = nic.pciAddress.startsWith('virtio');
    const deviceDir = virtio
      ? `/sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/${nic.pciAddress}`
      : `/sys/devices/pci0000:00/${nic.pciAddress}`;
    const bus = virtio ? 'virtio' : 'pci';
    vfs.file(`${deviceDir}/vendor`, `${nic.vendorId}\n`);
    vfs.file(`${deviceDir}/device`, `${nic.deviceId}\n`);
    vfs.dir(`/sys/bus/${bus}/drivers/${nic.driver}`);
    vfs.link(`${deviceDir}/driver`, relativeTo(deviceDir, `/sys/bus/${bus}/drivers/${nic.driver}`));
    const netDir = `${deviceDir}/net/${nic.name}`;
    const up = () => nic.connected && !machine.faults.linkDown.has(nic.name);
    vfs.link(`${netDir}/device`, `../../../${nic.pciAddress}`);
    vfs.file(`${netDir}/address`, `${nic.mac}\n`);
    vfs.file(`${netDir}/carrier`, () => (up() ? '1\n' : '0\n'));
    vfs.file(`${netDir}/operstate`, () => (up() ? 'up\n' : 'down\n'));
    vfs.file(`${netDir}/speed`, () => (up() ? `${nic.speedMbps}\n` : '-1\n'));
    vfs.file(`${netDir}/mtu`, '1500\n');
    vfs.file(`${netDir}/type`, '1\n');
    vfs.link(`/sys/class/net/${nic.name}`, relativeTo('/sys/class/net', netDir));
  }
}

function addBlockDevices(vfs: Vfs, machine: Machine): void {
  for (const { spec: disk } of machine.disks) {
    let blockDir: string;
    let deviceDir: string;
    if (disk.transport === 'nvme') {
      const ctrl = disk.name.replace(/n\d+$/, '');
      deviceDir = `/sys/devices/pci0000:00/${disk.controllerPci}/nvme/${ctrl}`;
      blockDir = `${deviceDir}/${disk.name}`;
      vfs.file(`${deviceDir}/model`, `${disk.model.padEnd(40)}\n`);
      vfs.file(`${deviceDir}/serial`, `${disk.serial.padEnd(20)}\n`);
      vfs.file(`${deviceDir}/firmware_rev`, 'EDA7202Q\n');
      vfs.link(`${blockDir}/device`, `../../${ctrl}`);
      vfs.dir(`/sys/class/nvme`);
      vfs.link(`/sys/class/nvme/${ctrl}`, relativeTo('/sys/class/nvme', deviceDir));
    } else if (disk.transport === 'virtio') {
      deviceDir = `/sys/devices/pci0000:00/${disk.controllerPci}/virtio${disk.name.charCodeAt(2) - 96}`;
      blockDir = `${deviceDir}/block/${disk.name}`;
      vfs.file(`${deviceDir}/vendor`, '0x1af4\n');
      vfs.link(`${blockDir}/device`, '../../../' + deviceDir.split('/').pop()!);
    } else {
      const [host, channel, target] = (disk.hctl ?? '0:0:0:0').split(':');
      const hctl = disk.hctl ?? '0:0:0:0';
      deviceDir = `/sys/devices/pci0000:00/${disk.controllerPci}/host${host}/target${host}:${channel}:${target}/${hctl}`;
      blockDir = `${deviceDir}/block/${disk.name}`;
      // SCSI INQUIRY fields are fixed width: vendor 8, model 16 (the kernel pads with spaces).
      vfs.file(`${deviceDir}/vendor`, `${disk.vendor.padEnd(8).slice(0, 8)}\n`);
      vfs.file(
        `${deviceDir}/model`,
        `${scsiModel(disk.model, disk.vendor).padEnd(16).slice(0, 16)}\n`,
      );
      vfs.file(`${deviceDir}/rev`, 'GS0F\n');
      vfs.dir(`${deviceDir}/scsi_device/${hctl}`);
      vfs.link(`${blockDir}/device`, `../../../${hctl}`);
    }
    vfs.file(`${blockDir}/size`, `${Math.floor(disk.sizeBytes / 512)}\n`);
    vfs.file(`${blockDir}/removable`, '0\n');
    vfs.file(`${blockDir}/ro`, '0\n');
    vfs.file(`${blockDir}/queue/rotational`, disk.kind === 'hdd' ? '1\n' : '0\n');
    vfs.file(`${blockDir}/queue/logical_block_size`, `${disk.logicalSectorSize}\n`);
    vfs.file(`${blockDir}/queue/physical_block_size`, `${disk.physicalSectorSize}\n`);
    vfs.file(`${blockDir}/queue/discard_granularity`, disk.kind === 'hdd' ? '0\n' : '512\n');
    vfs.link(`/sys/block/${disk.name}`, relativeTo('/sys/block', blockDir));
    vfs.link(`/sys/class/block/${disk.name}`, relativeTo('/sys/class/block', blockDir));
    vfs.device(`/dev/${disk.name}`);
    vfs.link(`/dev/disk/by-path/${byPath(disk)}`, `../../${disk.name}`);
    if (disk.wwn) vfs.link(`/dev/disk/by-id/wwn-${disk.wwn}`, `../../${disk.name}`);
  }
}

/** The /dev/disk/by-path name udev gives the disk. */
export function byPath(disk: {
  transport: string;
  controllerPci: string;
  hctl: string | null;
  name: string;
}): string {
  if (disk.transport === 'nvme') return `pci-${disk.controllerPci}-nvme-1`;
  if (disk.transport === 'virtio') return `pci-${disk.controllerPci}`;
  if (disk.transport === 'sas') return `pci-${disk.controllerPci}-scsi-${disk.hctl ?? '0:0:0:0'}`;
  const port = Number((disk.hctl ?? '0').split(':')[0]);
  return `pci-${disk.controllerPci}-ata-${port}`;
}

/** SATA disks report the vendor as `ATA` and the whole model in the model field. */
function scsiModel(model: string, vendor: string): string {
  if (vendor === 'ATA') return model;
  return model.startsWith(vendor) ? model.slice(vendor.length).trim() : model;
}

function relativeTo(fromDir: string, target: string): string {
  const from = fromDir.split('/').filter(Boolean);
  const to = target.split('/').filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => '..'), ...to.slice(common)].join('/');
}
