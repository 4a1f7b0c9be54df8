import type { Machine, MachineDisk } from '../../machine';
import type { BlockNode } from '../kernel-disks';
import { type CommandContext, type CommandHandler, fail, ok } from './types';

/**
 * The disk programs cleaning runs: hdparm (identify, ATA security), smartctl, nvme-cli,
 * wipefs, sgdisk, fuser, partprobe. Outputs follow the real tools (hdparm 9.65, smartmontools
 * 7.3, nvme-cli 2.4, util-linux 2.38, gdisk 1.0.9); erases act on the sparse disks and take
 * simulated time on the machine's clock.
 */

function wholeDisk(ctx: CommandContext, path: string | undefined): MachineDisk | undefined {
  const name = path?.replace(/^\/dev\//, '');
  return ctx.machine.disks.find((d) => d.spec.name === name);
}

function nodeOf(ctx: CommandContext, path: string | undefined): BlockNode | undefined {
  return path?.startsWith('/dev/') ? ctx.disks.node(path.slice(5)) : undefined;
}

function ioError(machine: Machine, disk: MachineDisk): boolean {
  return !machine.poweredOn || machine.faults.failedDisks.has(disk.spec.name);
}

// ---- hdparm -------------------------------------------------------------------------------

export const hdparm: CommandHandler = async (ctx, args) => {
  if (args[0] === '-V' || args[0] === '--version') return ok('hdparm v9.65\n');
  const device = args[args.length - 1];
  const disk = wholeDisk(ctx, device);
  if (!disk) return fail(2, `${device ?? ''}: No such file or directory`);
  if (args.length === 2 && args[0] === '-I') return identify(ctx.machine, disk);
  const securityArgs = args.slice(0, -1);
  const userIndex = securityArgs.indexOf('--user-master');
  const rest =
    userIndex >= 0
      ? [...securityArgs.slice(0, userIndex), ...securityArgs.slice(userIndex + 2)]
      : securityArgs;
  const [op, rawPassword] = rest;
  if (!op?.startsWith('--security-') || rawPassword === undefined) {
    return fail(22, `hdparm: unsupported option combination: ${args.join(' ')}`);
  }
  const password = rawPassword === 'NULL' ? '' : rawPassword;
  const sec = disk.security;
  const header = `security_password: "${password}"\n\n${device}:\n`;
  if (!sec.supported || disk.spec.transport !== 'sata') {
    return fail(
      5,
      `SG_IO: bad/missing sense data, sb[]:  70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00\n${op.slice(2).toUpperCase().replace(/-/g, '_')}: Input/output error`,
      header,
    );
  }
  const refuse = (what: string) => fail(5, `${what}: Input/output error`, header);
  if (sec.frozen || ioError(ctx.machine, disk))
    return refuse(op.slice(2).toUpperCase().replace(/-/g, '_'));
  switch (op) {
    case '--security-set-pass':
      if (sec.enabled) return refuse('SECURITY_SET_PASS');
      Object.assign(sec, { enabled: true, password, locked: false });
      return ok(
        `${header} Issuing SECURITY_SET_PASS command, password="${password}", user=user, mode=high\n`,
      );
    case '--security-unlock':
      if (!sec.enabled || sec.password !== password) return refuse('SECURITY_UNLOCK');
      sec.locked = false;
      return ok(`${header} Issuing SECURITY_UNLOCK command, password="${password}", user=user\n`);
    case '--security-disable':
      if (!sec.enabled || sec.locked || sec.password !== password)
        return refuse('SECURITY_DISABLE');
      Object.assign(sec, { enabled: false, password: null });
      return ok(`${header} Issuing SECURITY_DISABLE command, password="${password}", user=user\n`);
    case '--security-erase':
    case '--security-erase-enhanced': {
      const enhanced = op === '--security-erase-enhanced';
      if (!sec.enabled || sec.password !== password || (enhanced && !sec.enhancedErase)) {
        return refuse(enhanced ? 'SECURITY_ERASE_ENHANCED' : 'SECURITY_ERASE');
      }
      // The drive erases itself; hdparm blocks until it is done.
      await ctx.clock.sleep(sec.eraseMinutes * 60_000, ctx.options?.signal);
      if (ioError(ctx.machine, disk)) return refuse('SECURITY_ERASE');
      disk.data.clear();
      Object.assign(sec, { enabled: false, locked: false, password: null });
      ctx.disks.rescan(disk.spec.name);
      ctx.machine.touch();
      return ok(`${header} Issuing SECURITY_ERASE command, password="${password}", user=user\n`);
    }
    default:
      return fail(22, `hdparm: unknown security option ${op}`);
  }
};

function identify(machine: Machine, disk: MachineDisk) {
  const { spec, security: sec } = disk;
  const device = `/dev/${spec.name}`;
  if (spec.transport === 'nvme' || spec.transport === 'virtio') {
    return fail(
      25,
      ` HDIO_DRIVE_CMD(identify) failed: Inappropriate ioctl for device`,
      `\n${device}:\n`,
    );
  }
  if (spec.transport === 'sas') {
    return {
      exitCode: 0,
      stdout: `\n${device}:\n`,
      stderr:
        'SG_IO: bad/missing sense data, sb[]:  70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n',
    };
  }
  if (ioError(machine, disk))
    return fail(5, ' HDIO_DRIVE_CMD(identify) failed: Input/output error', `\n${device}:\n`);
  const sectors = Math.floor(spec.sizeBytes / spec.logicalSectorSize);
  const mark = (on: boolean, word: string) => `\t${on ? '\t' : 'not\t'}${word}`;
  const security = sec.supported
    ? [
        'Security: ',
        '\tMaster password revision code = 65534',
        '\t\tsupported',
        mark(sec.enabled, 'enabled'),
        mark(sec.locked, 'locked'),
        mark(sec.frozen, 'frozen'),
        '\tnot\texpired: security count',
        sec.enhancedErase ? '\t\tsupported: enhanced erase' : '\tnot\tsupported: enhanced erase',
        ...(sec.enabled ? ['\tSecurity level high'] : []),
        `\t${sec.eraseMinutes}min for SECURITY ERASE UNIT. ${sec.eraseMinutes}min for ENHANCED SECURITY ERASE UNIT.`,
      ]
    : [];
  const lines = [
    '',
    `${device}:`,
    '',
    'ATA device, with non-removable media',
    `\tModel Number:       ${spec.model.padEnd(40)}`,
    `\tSerial Number:      ${spec.serial.padEnd(20)}`,
    '\tFirmware Revision:  HXT7404Q',
    '\tTransport:          Serial, ATA8-AST, SATA 1.0a, SATA II Extensions, SATA Rev 2.5, SATA Rev 2.6, SATA Rev 3.0',
    'Standards:',
    '\tUsed: unknown (minor revision code 0x0039) ',
    '\tSupported: 11 10 9 8 7 6 5 ',
    'Configuration:',
    `\tLBA48  user addressable sectors: ${String(sectors).padStart(11)}`,
    `\tLogical  Sector size:                   ${spec.logicalSectorSize} bytes`,
    `\tPhysical Sector size:                  ${spec.physicalSectorSize} bytes`,
    `\tdevice size with M = 1024*1024:      ${Math.floor(spec.sizeBytes / 1024 ** 2)} MBytes`,
    `\tdevice size with M = 1000*1000:      ${Math.floor(spec.sizeBytes / 1000 ** 2)} MBytes (${Math.round(spec.sizeBytes / 1000 ** 3)} GB)`,
    `\tNominal Media Rotation Rate: ${spec.kind === 'hdd' ? 7200 : 'Solid State Device'}`,
    'Capabilities:',
    '\tLBA, IORDY(can be disabled)',
    '\tQueue depth: 32',
    'Commands/features:',
    '\tEnabled\tSupported:',
    '\t   *\tSMART feature set',
    `\t${sec.supported ? '   *' : '    '}\tSecurity Mode feature set`,
    '\t   *\tData Set Management TRIM supported (limit 8 blocks)',
    ...security,
    ...(spec.wwn ? [`Logical Unit WWN Device Identifier: ${spec.wwn.replace(/^0x/, '')}`] : []),
    'Checksum: correct',
    '',
  ];
  return ok(lines.join('\n'));
}

// ---- smartctl -----------------------------------------------------------------------------

const SMARTCTL_BANNER =
  'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-ipa] (local build)\nCopyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n';

/** Long self-tests in progress, by disk, with the simulated time they end. */
const selfTests = new WeakMap<MachineDisk, number>();

export const smartctl: CommandHandler = (ctx, args) => {
  if (args[0] === '--version' || args[0] === '-V') return ok(SMARTCTL_BANNER);
  const device = args.find((a) => a.startsWith('/dev/'));
  const disk = wholeDisk(ctx, device);
  if (!disk)
    return fail(
      2,
      `${SMARTCTL_BANNER}Smartctl open device: ${device ?? ''} failed: No such device\n`,
    );
  if (ioError(ctx.machine, disk))
    return fail(
      2,
      `${SMARTCTL_BANNER}Smartctl open device: ${device} failed: Input/output error\n`,
    );
  const typeIndex = args.indexOf('-d');
  const forcedType = typeIndex >= 0 ? args[typeIndex + 1] : undefined;
  if (args.includes('-g') && args[args.indexOf('-g') + 1] === 'security') {
    if (forcedType === 'ata' && disk.spec.transport !== 'sata') {
      return {
        exitCode: 2,
        stdout: `${SMARTCTL_BANNER}Read Device Identity failed: Inappropriate ioctl for device\n`,
        stderr: '',
      };
    }
    const sec = disk.security;
    let state: string;
    if (!sec.supported) state = 'Unavailable';
    else if (!sec.enabled)
      state = sec.frozen ? 'Disabled, frozen [SEC2]' : 'Disabled, NOT FROZEN [SEC1]';
    else if (sec.locked) state = 'ENABLED, PW level HIGH, **LOCKED** [SEC4]';
    else
      state = `ENABLED, PW level HIGH, not locked, ${sec.frozen ? 'frozen [SEC6]' : 'not frozen [SEC5]'}`;
    return ok(
      `${SMARTCTL_BANNER}=== START OF READ SMART DATA SECTION ===\nATA Security is:  ${state}\n\n`,
    );
  }
  const now = ctx.clock.now();
  if (args.includes('-t')) {
    const kind = args[args.indexOf('-t') + 1];
    const minutes =
      kind === 'short'
        ? 2
        : Math.max(2, Math.ceil(disk.spec.sizeBytes / disk.spec.throughputBps / 60));
    selfTests.set(disk, now + minutes * 60_000);
    return ok(
      `${SMARTCTL_BANNER}=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\nSending command: "Execute SMART ${kind === 'short' ? 'Short' : 'Extended'} self-test routine immediately in off-line mode".\nDrive command "Execute SMART ${kind === 'short' ? 'Short' : 'Extended'} self-test routine immediately in off-line mode" successful.\nTesting has begun.\nPlease wait ${minutes} minutes for test to complete.\nTest will complete after ${new Date(now + minutes * 60_000).toUTCString()}\nUse smartctl -X to abort test.\n`,
    );
  }
  if (args.includes('-j') || args.some((a) => /^-j[a-zA-Z]*$/.test(a))) {
    const ends = selfTests.get(disk);
    const running = ends !== undefined && now < ends;
    const status = running
      ? {
          value: 249,
          string: `in progress, ${Math.max(10, Math.min(90, Math.round(((ends - now) / 60_000) * 10)))}% remaining`,
        }
      : { value: 0, string: 'completed without error', passed: true };
    return ok(
      `${JSON.stringify(
        {
          json_format_version: [1, 0],
          smartctl: { version: [7, 3], exit_status: 0 },
          device: {
            name: `/dev/${disk.spec.name}`,
            type:
              disk.spec.transport === 'nvme'
                ? 'nvme'
                : disk.spec.transport === 'sas'
                  ? 'scsi'
                  : 'sat',
            protocol:
              disk.spec.transport === 'nvme'
                ? 'NVMe'
                : disk.spec.transport === 'sas'
                  ? 'SCSI'
                  : 'ATA',
          },
          model_name: disk.spec.model,
          serial_number: disk.spec.serial,
          user_capacity: { bytes: disk.spec.sizeBytes },
          smart_status: { passed: true },
          ata_smart_data: { self_test: { status } },
          temperature: { current: 34 },
          power_on_time: { hours: 14_211 },
        },
        null,
        2,
      )}\n`,
    );
  }
  return ok(
    `${SMARTCTL_BANNER}=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: PASSED\n\n`,
  );
};

// ---- nvme-cli -----------------------------------------------------------------------------

export const nvme: CommandHandler = async (ctx, args) => {
  const [verb, device] = args;
  if (verb === 'version' || verb === '--version') return ok('nvme version 2.4 (git 2.4+debian)\n');
  const disk = wholeDisk(ctx, device);
  if (!disk || disk.spec.transport !== 'nvme') {
    return fail(
      1,
      `${device ?? ''}: ${disk ? 'Inappropriate ioctl for device' : 'No such file or directory'}`,
    );
  }
  if (ioError(ctx.machine, disk))
    return fail(
      1,
      `NVMe status: Internal Error: The command was not completed successfully due to an internal error(0x6)`,
    );
  const { spec } = disk;
  if (verb === 'id-ctrl') {
    const info = {
      vid: 0x144d,
      ssvid: 0x144d,
      sn: spec.serial.padEnd(20),
      mn: spec.model.padEnd(40),
      fr: 'EDA7202Q',
      rab: 2,
      ieee: 9528,
      cmic: 0,
      mdts: 9,
      cntlid: 4,
      ver: 66304,
      oacs: 0x0f,
      acl: 7,
      aerl: 3,
      frmw: 23,
      lpa: 3,
      elpe: 63,
      npss: 0,
      sanicap: 0,
      tnvmcap: spec.sizeBytes,
      unvmcap: 0,
      sqes: 102,
      cqes: 68,
      nn: 1,
      oncs: 0x5f,
      fna: 0x04,
      vwc: 6,
      subnqn: `nqn.2014.08.org.nvmexpress:144d144d${spec.serial}     ${spec.model}`,
    };
    if (args.includes('-o') && args[args.indexOf('-o') + 1] === 'json')
      return ok(`${JSON.stringify(info, null, 2)}\n`);
    return ok(
      `NVME Identify Controller:\n${Object.entries(info)
        .map(([k, v]) => `${k.padEnd(9)} : ${typeof v === 'number' ? `0x${v.toString(16)}` : v}`)
        .join('\n')}\n`,
    );
  }
  if (verb === 'format') {
    const sIndex = args.findIndex((a) => a === '-s' || a.startsWith('--ses'));
    const ses =
      sIndex >= 0
        ? Number(args[sIndex]!.includes('=') ? args[sIndex]!.split('=')[1] : args[sIndex + 1])
        : 0;
    if (![0, 1, 2].includes(ses)) return fail(22, 'invalid secure erase settings value');
    // A cryptographic erase throws the key away; a user-data erase writes the flash.
    const ms =
      ses === 2
        ? 2_000
        : ses === 1
          ? Math.ceil((spec.sizeBytes / spec.throughputBps) * 1000 * 0.1)
          : 1_000;
    await ctx.clock.sleep(ms, ctx.options?.signal);
    disk.data.clear();
    ctx.disks.rescan(spec.name);
    ctx.machine.touch();
    return ok('Success formatting namespace:1\n');
  }
  return fail(1, `nvme: unsupported subcommand '${verb ?? ''}' in this ramdisk`);
};

// ---- wipefs / sgdisk / fuser / partprobe -------------------------------------------------

export const wipefs: CommandHandler = (ctx, args) => {
  if (args[0] === '--version' || args[0] === '-V') return ok('wipefs from util-linux 2.38.1\n');
  const device = args.find((a) => a.startsWith('/dev/'));
  const node = nodeOf(ctx, device);
  if (!node)
    return fail(
      1,
      `wipefs: error: ${device ?? ''}: probing initialization failed: No such file or directory`,
    );
  if (ioError(ctx.machine, node.disk))
    return fail(1, `wipefs: error: ${device}: probing initialization failed: Input/output error`);
  if (!args.includes('--all') && !args.includes('-a')) return ok(listSignatures(ctx, node));
  const out: string[] = [];
  const erase = (offset: number, bytes: Uint8Array, kind: string) => {
    node.disk.data.write(node.offset + offset, new Uint8Array(bytes.length));
    out.push(
      `${device}: ${bytes.length} bytes were erased at offset 0x${offset.toString(16).padStart(8, '0')} (${kind}): ${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    );
  };
  const sector = node.disk.spec.logicalSectorSize;
  const read = (offset: number, length: number) =>
    node.disk.data.read(node.offset + offset, length);
  const gptSig = Buffer.from('EFI PART', 'latin1');
  if (node.partition === null) {
    if (Buffer.from(read(sector, 8)).equals(gptSig)) erase(sector, read(sector, 8), 'gpt');
    const backup = node.size - sector;
    if (Buffer.from(read(backup, 8)).equals(gptSig)) erase(backup, read(backup, 8), 'gpt');
    const mbr = read(510, 2);
    if (mbr[0] === 0x55 && mbr[1] === 0xaa)
      erase(510, mbr, out.some((l) => l.includes('(gpt)')) ? 'PMBR' : 'dos');
  }
  const fs = node.partition ? node.partition.fs : ctx.disks.layout(node.disk.spec.name).fs;
  if (fs) {
    const at = {
      ext4: 1024 + 56,
      ext3: 1024 + 56,
      ext2: 1024 + 56,
      xfs: 0,
      vfat: 82,
      swap: 4086,
      linux_raid_member: 4096,
      iso9660: 32769,
    }[fs.type];
    const len = {
      ext4: 2,
      ext3: 2,
      ext2: 2,
      xfs: 4,
      vfat: 8,
      swap: 10,
      linux_raid_member: 4,
      iso9660: 5,
    }[fs.type];
    erase(at, read(at, len), fs.type);
  }
  if (node.partition === null) {
    ctx.disks.rescan(node.disk.spec.name);
    if (out.length > 0) out.push(`${device}: calling ioctl to re-read partition table: Success`);
  }
  ctx.machine.touch();
  return ok(out.map((l) => `${l}\n`).join(''));
};

function listSignatures(ctx: CommandContext, node: BlockNode): string {
  const layout = ctx.disks.layout(node.disk.spec.name);
  const rows: string[] = [];
  if (node.partition === null && layout.table) {
    rows.push(
      `0x${(layout.table === 'gpt' ? node.disk.spec.logicalSectorSize : 510).toString(16)}  ${layout.table === 'gpt' ? 'gpt ' : 'dos '}        ${layout.tableUuid ?? ''}`,
    );
  }
  const fs = node.partition ? node.partition.fs : layout.fs;
  if (fs) rows.push(`0x0    ${fs.type}  ${fs.label ?? ''}  ${fs.uuid ?? ''}`);
  return rows.length ? `DEVICE OFFSET TYPE UUID LABEL\n${rows.join('\n')}\n` : '';
}

export const sgdisk: CommandHandler = (ctx, args) => {
  if (args[0] === '--version' || args[0] === '-V')
    return ok('GPT fdisk (sgdisk) version 1.0.9\n\n');
  const device = args.find((a) => a.startsWith('/dev/'));
  // A partition is a block device too: IPA zaps partitions before their disk.
  const node = nodeOf(ctx, device);
  if (!node)
    return fail(
      2,
      `Problem opening ${device ?? ''} for reading! Error is 2.\nThe specified file does not exist!`,
    );
  const disk = node.disk;
  if (!args.includes('-Z') && !args.includes('--zap-all')) {
    return fail(2, `sgdisk: only --zap-all (-Z) is available in this ramdisk`);
  }
  if (ioError(ctx.machine, disk))
    return fail(2, `Problem opening ${device} for writing! Error is 5.`);
  const sector = disk.spec.logicalSectorSize;
  const head = Math.min(34 * sector, node.size);
  const tail = Math.min(33 * sector, node.size);
  disk.data.write(node.offset, new Uint8Array(head));
  disk.data.write(node.offset + node.size - tail, new Uint8Array(tail));
  ctx.disks.rescan(disk.spec.name);
  ctx.machine.touch();
  return ok(
    'GPT data structures destroyed! You may now partition the disk using fdisk or\nother utilities.\n',
  );
};

/** Nothing in the ramdisk holds a disk open: fuser lists no process and exits 1. */
export const fuser: CommandHandler = (ctx, args) => {
  const device = args.find((a) => a.startsWith('/'));
  if (device && !ctx.vfs.exists(device))
    return fail(1, `Specified filename ${device} does not exist.`);
  return { exitCode: 1, stdout: '', stderr: '' };
};

export const partprobe: CommandHandler = (ctx, args) => {
  if (args[0] === '--version' || args[0] === '-v') return ok('partprobe (GNU parted) 3.5\n');
  const device = args.find((a) => a.startsWith('/dev/'));
  if (device) {
    const disk = wholeDisk(ctx, device);
    if (!disk)
      return fail(1, `Error: Could not stat device ${device} - No such file or directory.`);
    ctx.disks.rescan(disk.spec.name);
  } else {
    ctx.disks.rescan();
  }
  return ok();
};
