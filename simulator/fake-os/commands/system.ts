import type { MachineDisk } from '../../machine';
import { byPath } from '../filesystem';
import { type CommandHandler, fail, ok } from './types';

/** The small system programs a ramdisk has and the agent calls around its real work. */
export const udevadm: CommandHandler = ({ machine, disks }, args) => {
  const [verb, ...rest] = args;
  if (verb === 'settle' || verb === 'control') return ok();
  if (verb === 'trigger') {
    disks.rescan();
    return ok();
  }
  if (verb !== 'info') return fail(1, `udevadm: unknown command '${verb ?? ''}'`);
  let name: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg.startsWith('--name=')) name = arg.slice(7);
    else if (arg === '--name' || arg === '-n') name = rest[++i];
    else if (arg.startsWith('/dev/')) name = arg;
  }
  const disk = machine.disks.find((d) => name === `/dev/${d.spec.name}` || name === d.spec.name);
  if (!disk) return fail(4, `Unknown device "${name ?? ''}": No such device`);
  return ok(udevProperties(disk));
};

function udevProperties({ spec }: MachineDisk): string {
  const path = byPath(spec);
  const rows: Array<[string, string | null]> = [
    ['DEVNAME', `/dev/${spec.name}`],
    ['DEVTYPE', 'disk'],
    ['SUBSYSTEM', 'block'],
    ['ID_TYPE', 'disk'],
    [
      'ID_BUS',
      spec.transport === 'sata' ? 'ata' : spec.transport === 'sas' ? 'scsi' : spec.transport,
    ],
    ['ID_MODEL', spec.model.replace(/ /g, '_')],
    ['ID_SERIAL', `${spec.model.replace(/ /g, '_')}_${spec.serial}`],
    ['ID_SERIAL_SHORT', spec.serial],
    ['ID_WWN', spec.wwn],
    ['ID_WWN_WITH_EXTENSION', spec.wwn],
    ['ID_PATH', path],
    ['ID_PATH_TAG', path.replace(/[:.]/g, '_')],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== null)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

export const hostname: CommandHandler = ({ vfs }) => ok(vfs.readFile('/proc/sys/kernel/hostname'));

export const poweroff: CommandHandler = ({ machine }) => {
  machine.osPowerOff();
  return ok();
};

export const reboot: CommandHandler = ({ machine }) => {
  machine.osReboot();
  return ok();
};

export const systemctl: CommandHandler = ({ machine }, args) => {
  const verb = args.find((a) => !a.startsWith('-'));
  if (verb === 'poweroff' || verb === 'halt') machine.osPowerOff();
  else if (verb === 'reboot') machine.osReboot();
  else if (verb === 'is-system-running') return ok('running\n');
  return ok();
};

export const sync: CommandHandler = () => ok();
export const trueCommand: CommandHandler = () => ok();
export const falseCommand: CommandHandler = () => ({ exitCode: 1, stdout: '', stderr: '' });
export const modprobe: CommandHandler = () => ok();

export const blockdev: CommandHandler = ({ machine, disks }, args) => {
  const device = args[args.length - 1] ?? '';
  const disk = machine.disks.find((d) => `/dev/${d.spec.name}` === device);
  if (!disk) return fail(1, `blockdev: cannot open ${device}: No such file or directory`);
  const outputs: string[] = [];
  for (const arg of args.slice(0, -1)) {
    if (arg === '--getsize64') outputs.push(String(disk.spec.sizeBytes));
    else if (arg === '--getsz') outputs.push(String(Math.floor(disk.spec.sizeBytes / 512)));
    else if (arg === '--getss') outputs.push(String(disk.spec.logicalSectorSize));
    else if (arg === '--getpbsz') outputs.push(String(disk.spec.physicalSectorSize));
    else if (arg === '--getbsz') outputs.push('4096');
    else if (arg === '--rereadpt') disks.rescan(disk.spec.name);
    else if (arg === '--flushbufs') continue;
    else return fail(1, `blockdev: Unknown command: ${arg}`);
  }
  return ok(outputs.map((o) => `${o}\n`).join(''));
};
