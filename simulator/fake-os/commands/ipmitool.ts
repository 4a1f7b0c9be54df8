import type { Machine } from '../../machine';
import { type CommandContext, type CommandHandler, fail, ok } from './types';

/**
 * In-band `ipmitool` through /dev/ipmi0: what the agent asks its own BMC (LAN configuration for
 * bmc_address/bmc_mac, device id, power). Boards without the device fail the way ipmitool does.
 */
const NO_DEVICE =
  'Could not open device at /dev/ipmi0 or /dev/ipmi/0 or /dev/ipmidev/0: No such file or directory';

export const ipmitool: CommandHandler = (context, rawArgs) => {
  const args = stripGlobalOptions(rawArgs);
  if (args === undefined) return fail(1, 'ipmitool: only the open (in-band) interface exists here');
  const { machine } = context;
  if (!context.vfs.isDevice('/dev/ipmi0')) return fail(1, NO_DEVICE);
  const [group, sub, ...rest] = args;
  switch (group) {
    case 'lan':
      if (sub !== 'print') return fail(1, `Invalid LAN command: ${sub ?? ''}`);
      return lanPrint(machine, rest[0]);
    case 'lan6':
      if (sub !== 'print') return fail(1, `Invalid lan6 command: ${sub ?? ''}`);
      return lan6Print(rest[0], rest[1]);
    case 'mc':
      if (sub === 'info') return ok(mcInfo(machine));
      if (sub === 'reset') return ok(`Sent ${rest[0] ?? 'cold'} reset command to MC\n`);
      return fail(1, `Invalid mc command: ${sub ?? ''}`);
    case 'power':
      return power(context, sub);
    case 'chassis':
      if (sub === 'power') return power(context, rest[0]);
      if (sub === 'status') return ok(chassisStatus(machine));
      return fail(1, `Invalid chassis command: ${sub ?? ''}`);
    case undefined:
    default:
      return fail(1, `Invalid command: ${group ?? ''}`);
  }
};

/** Drops `-I open`, `-c` and similar; returns undefined for a LAN interface (no network BMC here). */
function stripGlobalOptions(args: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-I') {
      const iface = args[++i];
      if (iface !== 'open') return undefined;
    } else if (arg === '-c' || arg === '-v') {
      continue;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function lanPrint(machine: Machine, channelArg: string | undefined) {
  const channel = channelArg === undefined ? 1 : Number(channelArg);
  if (!Number.isInteger(channel) || channel < 0 || channel > 15) {
    return fail(1, `Invalid channel: ${channelArg ?? ''}`);
  }
  if (channel !== 1) return fail(1, `Invalid channel: ${channel}`);
  const { bmc } = machine.spec;
  const [a, b, c] = bmc.ipv4.split('.');
  const rows: Array<[string, string]> = [
    ['Set in Progress', 'Set Complete'],
    ['Auth Type Support', 'MD5 PASSWORD '],
    ['Auth Type Enable', 'Callback : MD5 PASSWORD '],
    ['', 'User     : MD5 PASSWORD '],
    ['', 'Operator : MD5 PASSWORD '],
    ['', 'Admin    : MD5 PASSWORD '],
    ['', 'OEM      : '],
    ['IP Address Source', 'Static Address'],
    ['IP Address', bmc.ipv4],
    ['Subnet Mask', '255.255.255.0'],
    ['MAC Address', bmc.mac],
    ['SNMP Community String', 'public'],
    ['IP Header', 'TTL=0x40 Flags=0x40 Precedence=0x00 TOS=0x10'],
    ['BMC ARP Control', 'ARP Responses Enabled, Gratuitous ARP Disabled'],
    ['Gratituous ARP Intrvl', '0.0 seconds'],
    ['Default Gateway IP', `${a}.${b}.${c}.1`],
    ['Default Gateway MAC', '00:00:00:00:00:00'],
    ['Backup Gateway IP', '0.0.0.0'],
    ['Backup Gateway MAC', '00:00:00:00:00:00'],
    ['802.1q VLAN ID', 'Disabled'],
    ['802.1q VLAN Priority', '0'],
    ['RMCP+ Cipher Suites', '3'],
    ['Cipher Suite Priv Max', 'aXXXXXXXXXXXXXX'],
    ['', '    X=Cipher Suite Unused'],
    ['', '    c=CALLBACK'],
    ['', '    u=USER'],
    ['', '    o=OPERATOR'],
    ['', '    a=ADMIN'],
    ['', '    O=OEM'],
    ['Bad Password Threshold', 'Not Available'],
  ];
  return ok(rows.map(([key, value]) => `${key.padEnd(24)}: ${value}\n`).join(''));
}

function lan6Print(channelArg: string | undefined, what: string | undefined) {
  if ((channelArg ?? '1') !== '1') return fail(1, `Invalid channel: ${channelArg ?? ''}`);
  if (what === 'enables')
    return ok(
      'IPv6/IPv4 Support:\n    IPv6 only: no\n    IPv4 and IPv6: yes\n    IPv6 Destination Address for LAN alert: no\nIPv6/IPv4 Addressing Enables: ipv4\n',
    );
  if (what === 'dynamic_addr' || what === 'static_addr') return ok('');
  return ok('IPv6/IPv4 Addressing Enables: ipv4\n');
}

function mcInfo(machine: Machine): string {
  const dell = machine.spec.system.manufacturer.startsWith('Dell');
  return [
    'Device ID                 : 32',
    'Device Revision           : 1',
    'Firmware Revision         : 4.40',
    'IPMI Version              : 2.0',
    `Manufacturer ID           : ${dell ? 674 : 10876}`,
    `Manufacturer Name         : ${dell ? 'DELL Inc' : 'Super Micro Computer Inc.'}`,
    'Product ID                : 256 (0x0100)',
    'Product Name              : Unknown (0x100)',
    'Device Available          : yes',
    'Provides Device SDRs      : yes',
    'Additional Device Support :',
    '    Sensor Device',
    '    SDR Repository Device',
    '    SEL Device',
    '    FRU Inventory Device',
    '    IPMB Event Receiver',
    '    Chassis Device',
    '',
  ].join('\n');
}

function chassisStatus(machine: Machine): string {
  return [
    `System Power         : ${machine.poweredOn ? 'on' : 'off'}`,
    'Power Overload       : false',
    'Power Interlock      : inactive',
    'Main Power Fault     : false',
    'Power Control Fault  : false',
    'Power Restore Policy : always-off',
    'Last Power Event     : command',
    'Chassis Intrusion    : inactive',
    'Front-Panel Lockout  : inactive',
    'Drive Fault          : false',
    'Cooling/Fan Fault    : false',
    '',
  ].join('\n');
}

function power({ machine }: CommandContext, action: string | undefined) {
  switch (action) {
    case 'status':
      return ok(`Chassis Power is ${machine.poweredOn ? 'on' : 'off'}\n`);
    case 'off':
      machine.osPowerOff();
      return ok('Chassis Power Control: Down/Off\n');
    case 'reset':
    case 'cycle':
      machine.osReboot();
      return ok(`Chassis Power Control: ${action === 'reset' ? 'Reset' : 'Cycle'}\n`);
    case 'soft':
      machine.osPowerOff();
      return ok('Chassis Power Control: Soft\n');
    case 'on':
      return ok('Chassis Power Control: Up/On\n');
    case undefined:
    default:
      return fail(1, 'chassis power Commands: status, on, off, cycle, reset, diag, soft');
  }
}
