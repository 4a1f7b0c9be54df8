import type { Machine } from '../machine';

/** SMBIOS data as /sys/class/dmi/id and dmidecode show it. */
export function dmiIdFiles(machine: Machine): Record<string, string> {
  const { system } = machine.spec;
  return {
    sys_vendor: system.manufacturer,
    product_name: system.productName,
    product_serial: system.serialNumber,
    product_uuid: system.uuid,
    product_sku: system.skuNumber,
    product_family: system.family,
    product_version: 'Not Specified',
    bios_vendor: system.biosVendor,
    bios_version: system.biosVersion,
    bios_date: system.biosDate,
    board_vendor: system.manufacturer,
    board_name: `${system.productName} Mainboard`,
    board_serial: `${system.serialNumber}-MB`,
    chassis_vendor: system.manufacturer,
    chassis_serial: system.serialNumber,
    chassis_type: system.chassisType === 'Rack Mount Chassis' ? '23' : '1',
  };
}

/** DIMMs the memory is built from: 32 GiB sticks on servers, one device on a VM. */
export function dimms(machine: Machine): Array<{ locator: string; bank: string; sizeMiB: number }> {
  const total = machine.spec.memoryMiB;
  if (machine.spec.system.manufacturer === 'QEMU' || total < 32 * 1024) {
    return [{ locator: 'DIMM 0', bank: 'Not Specified', sizeMiB: total }];
  }
  const stick = total % (64 * 1024) === 0 && total >= 512 * 1024 ? 64 * 1024 : 32 * 1024;
  const count = Math.ceil(total / stick);
  const out = [];
  let left = total;
  for (let i = 0; i < count; i++) {
    const size = Math.min(stick, left);
    left -= size;
    const socket = i % machine.spec.cpu.sockets;
    const slot = Math.floor(i / machine.spec.cpu.sockets);
    out.push({
      locator: `${socket === 0 ? 'A' : 'B'}${slot + 1}`,
      bank: `P${socket}_Node${socket}_Channel${slot % 6}_Dimm0`,
      sizeMiB: size,
    });
  }
  return out;
}

const TYPE_NAMES: Record<string, number[]> = {
  bios: [0, 13],
  system: [1, 12, 15, 23, 32],
  baseboard: [2, 10, 41],
  chassis: [3],
  processor: [4],
  memory: [5, 6, 16, 17],
  cache: [7],
  connector: [8],
  slot: [9],
};

const STRING_KEYWORDS: Record<string, (m: Machine) => string> = {
  'bios-vendor': (m) => m.spec.system.biosVendor,
  'bios-version': (m) => m.spec.system.biosVersion,
  'bios-release-date': (m) => m.spec.system.biosDate,
  'system-manufacturer': (m) => m.spec.system.manufacturer,
  'system-product-name': (m) => m.spec.system.productName,
  'system-version': () => 'Not Specified',
  'system-serial-number': (m) => m.spec.system.serialNumber,
  'system-uuid': (m) => m.spec.system.uuid,
  'system-sku-number': (m) => m.spec.system.skuNumber,
  'system-family': (m) => m.spec.system.family,
  'baseboard-manufacturer': (m) => m.spec.system.manufacturer,
  'baseboard-product-name': (m) => `${m.spec.system.productName} Mainboard`,
  'baseboard-serial-number': (m) => `${m.spec.system.serialNumber}-MB`,
  'chassis-manufacturer': (m) => m.spec.system.manufacturer,
  'chassis-type': (m) =>
    m.spec.system.chassisType === 'Rack Mount Chassis' ? 'Rack Mount Chassis' : 'Other',
  'chassis-serial-number': (m) => m.spec.system.serialNumber,
  'processor-family': () => 'Xeon',
  'processor-manufacturer': (m) =>
    m.spec.cpu.vendorId === 'GenuineIntel' ? 'Intel(R) Corporation' : 'AMD',
  'processor-version': (m) => m.spec.cpu.modelName,
  'processor-frequency': (m) => `${Math.round(m.spec.cpu.mhz)} MHz`,
};

interface Structure {
  handle: number;
  type: number;
  length: number;
  title: string;
  fields: Array<[string, string | string[]]>;
}

function structures(machine: Machine): Structure[] {
  const { system, cpu } = machine.spec;
  const out: Structure[] = [];
  let handle = 0;
  const add = (type: number, length: number, title: string, fields: Structure['fields']) =>
    out.push({ handle: handle++, type, length, title, fields });
  add(0, 26, 'BIOS Information', [
    ['Vendor', system.biosVendor],
    ['Version', system.biosVersion],
    ['Release Date', system.biosDate],
    ['Address', '0xF0000'],
    ['Runtime Size', '64 kB'],
    ['ROM Size', '32 MB'],
    [
      'Characteristics',
      [
        'PCI is supported',
        'BIOS is upgradeable',
        'Boot from CD is supported',
        'Selectable boot is supported',
        'ACPI is supported',
        'UEFI is supported',
      ],
    ],
    ['BIOS Revision', system.biosVersion.split('.').slice(0, 2).join('.')],
  ]);
  add(1, 27, 'System Information', [
    ['Manufacturer', system.manufacturer],
    ['Product Name', system.productName],
    ['Version', 'Not Specified'],
    ['Serial Number', system.serialNumber],
    ['UUID', system.uuid],
    ['Wake-up Type', 'Power Switch'],
    ['SKU Number', system.skuNumber],
    ['Family', system.family],
  ]);
  add(2, 15, 'Base Board Information', [
    ['Manufacturer', system.manufacturer],
    ['Product Name', `${system.productName} Mainboard`],
    ['Version', 'A00'],
    ['Serial Number', `${system.serialNumber}-MB`],
    ['Asset Tag', 'Not Specified'],
    ['Features', ['Board is a hosting board', 'Board is replaceable']],
    ['Location In Chassis', 'Not Specified'],
    ['Type', 'Motherboard'],
  ]);
  add(3, 22, 'Chassis Information', [
    ['Manufacturer', system.manufacturer],
    ['Type', system.chassisType === 'Rack Mount Chassis' ? 'Rack Mount Chassis' : 'Other'],
    ['Lock', 'Not Present'],
    ['Version', 'Not Specified'],
    ['Serial Number', system.serialNumber],
    ['Asset Tag', 'Not Specified'],
    ['Boot-up State', 'Safe'],
    ['Power Supply State', 'Safe'],
  ]);
  for (let s = 0; s < cpu.sockets; s++) {
    add(4, 48, 'Processor Information', [
      ['Socket Designation', `CPU${s + 1}`],
      ['Type', 'Central Processor'],
      ['Family', 'Xeon'],
      ['Manufacturer', cpu.vendorId === 'GenuineIntel' ? 'Intel(R) Corporation' : 'AMD'],
      ['Version', cpu.modelName],
      ['Max Speed', `${Math.round(cpu.maxMhz || cpu.mhz)} MHz`],
      ['Current Speed', `${Math.round(cpu.mhz)} MHz`],
      ['Status', 'Populated, Enabled'],
      ['Core Count', String(cpu.coresPerSocket)],
      ['Core Enabled', String(cpu.coresPerSocket)],
      ['Thread Count', String(cpu.coresPerSocket * cpu.threadsPerCore)],
    ]);
  }
  const sticks = dimms(machine);
  const arrayHandle = handle;
  add(16, 23, 'Physical Memory Array', [
    ['Location', 'System Board Or Motherboard'],
    ['Use', 'System Memory'],
    [
      'Error Correction Type',
      machine.spec.system.manufacturer === 'QEMU' ? 'Multi-bit ECC' : 'Multi-bit ECC',
    ],
    ['Maximum Capacity', `${Math.max(machine.spec.memoryMiB / 1024, 1)} GB`],
    ['Number Of Devices', String(sticks.length)],
  ]);
  for (const dimm of sticks) {
    add(17, 84, 'Memory Device', [
      ['Array Handle', hexHandle(arrayHandle)],
      ['Total Width', '72 bits'],
      ['Data Width', '64 bits'],
      ['Size', dimm.sizeMiB % 1024 === 0 ? `${dimm.sizeMiB / 1024} GB` : `${dimm.sizeMiB} MB`],
      ['Form Factor', 'DIMM'],
      ['Locator', dimm.locator],
      ['Bank Locator', dimm.bank],
      ['Type', 'DDR4'],
      ['Speed', '2933 MT/s'],
      ['Manufacturer', 'Samsung'],
      ['Part Number', 'M393A4K40DB2-CVF'],
      ['Rank', '2'],
    ]);
  }
  add(32, 20, 'System Boot Information', [['Status', 'No errors detected']]);
  return out;
}

function hexHandle(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
}

function render(s: Structure): string {
  const lines = [`Handle ${hexHandle(s.handle)}, DMI type ${s.type}, ${s.length} bytes`, s.title];
  for (const [key, value] of s.fields) {
    if (Array.isArray(value)) {
      lines.push(`\t${key}:`);
      for (const item of value) lines.push(`\t\t${item}`);
    } else {
      lines.push(`\t${key}: ${value}`);
    }
  }
  return lines.join('\n') + '\n';
}

const HEADER = '# dmidecode 3.4\nGetting SMBIOS data from sysfs.\nSMBIOS 3.2.0 present.\n';

/** `dmidecode [-t TYPE[,TYPE]] [-s KEYWORD] [-q]` as dmidecode 3.4 prints it. */
export function dmidecode(
  machine: Machine,
  args: readonly string[],
): { exitCode: number; stdout: string; stderr: string } {
  let types: Set<number> | undefined;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-q' || arg === '--quiet') {
      quiet = true;
    } else if (arg === '-s' || arg === '--string') {
      const keyword = args[i + 1];
      const get = keyword ? STRING_KEYWORDS[keyword] : undefined;
      if (!get) {
        return { exitCode: 2, stdout: '', stderr: `Invalid string keyword: ${keyword ?? ''}\n` };
      }
      return { exitCode: 0, stdout: `${get(machine)}\n`, stderr: '' };
    } else if (arg === '-t' || arg === '--type') {
      types ??= new Set();
      for (const part of (args[++i] ?? '').split(',')) {
        const named = TYPE_NAMES[part];
        const n = Number(part);
        if (named) named.forEach((t) => types!.add(t));
        else if (part !== '' && Number.isInteger(n) && n >= 0 && n <= 255) types.add(n);
        else return { exitCode: 2, stdout: '', stderr: `Invalid type keyword: ${part}\n` };
      }
    } else {
      return { exitCode: 2, stdout: '', stderr: `${arg}: unrecognized option\n` };
    }
  }
  const chosen = structures(machine).filter((s) => !types || types.has(s.type));
  const body = chosen.map(render).join('\n');
  return {
    exitCode: 0,
    stdout: (quiet ? '' : HEADER + '\n') + body + (quiet ? '' : '\n'),
    stderr: '',
  };
}
