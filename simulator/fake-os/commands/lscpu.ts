import { cpuCount } from '../../machine';
import { type CommandHandler, fail, ok } from './types';

/** util-linux 2.38 `lscpu` as it prints when stdout is not a terminal (flat `Key: value`). */
export const lscpu: CommandHandler = ({ machine }, args) => {
  if (args.length > 0 && !(args.length === 1 && args[0] === '--online')) {
    return fail(1, `lscpu: unsupported arguments in this ramdisk: ${args.join(' ')}`);
  }
  const { cpu } = machine.spec;
  const total = cpuCount(cpu);
  const rows: Array<[string, string]> = [
    ['Architecture', cpu.architecture],
    ['CPU op-mode(s)', '32-bit, 64-bit'],
    ['Address sizes', '46 bits physical, 48 bits virtual'],
    ['Byte Order', 'Little Endian'],
    ['CPU(s)', String(total)],
    ['On-line CPU(s) list', `0-${total - 1}`],
    ['Vendor ID', cpu.vendorId],
    ['Model name', cpu.modelName],
    ['CPU family', String(cpu.family)],
    ['Model', String(cpu.model)],
    ['Thread(s) per core', String(cpu.threadsPerCore)],
    ['Core(s) per socket', String(cpu.coresPerSocket)],
    ['Socket(s)', String(cpu.sockets)],
    ['Stepping', String(cpu.stepping)],
  ];
  if (cpu.maxMhz > 0) {
    rows.push(['CPU(s) scaling MHz', '100%']);
    rows.push(['CPU max MHz', cpu.maxMhz.toFixed(4)]);
    rows.push(['CPU min MHz', cpu.minMhz.toFixed(4)]);
  }
  rows.push(['BogoMIPS', (cpu.mhz * 2).toFixed(2)]);
  rows.push(['Flags', cpu.flags.join(' ')]);
  if (cpu.flags.includes('hypervisor')) {
    rows.push(['Hypervisor vendor', 'KVM'], ['Virtualization type', 'full']);
  } else {
    rows.push(['Virtualization', 'VT-x']);
  }
  rows.push(
    [
      'L1d cache',
      `${32 * cpu.coresPerSocket * cpu.sockets} KiB (${cpu.coresPerSocket * cpu.sockets} instances)`,
    ],
    [
      'L1i cache',
      `${32 * cpu.coresPerSocket * cpu.sockets} KiB (${cpu.coresPerSocket * cpu.sockets} instances)`,
    ],
    [
      'L2 cache',
      `${cpu.coresPerSocket * cpu.sockets} MiB (${cpu.coresPerSocket * cpu.sockets} instances)`,
    ],
    ['NUMA node(s)', String(cpu.sockets)],
  );
  const perSocket = cpu.coresPerSocket;
  const cores = cpu.sockets * cpu.coresPerSocket;
  for (let node = 0; node < cpu.sockets; node++) {
    const ranges: string[] = [];
    for (let t = 0; t < cpu.threadsPerCore; t++) {
      const first = t * cores + node * perSocket;
      ranges.push(perSocket === 1 ? `${first}` : `${first}-${first + perSocket - 1}`);
    }
    rows.push([`NUMA node${node} CPU(s)`, ranges.join(',')]);
  }
  rows.push([
    'Vulnerability Spectre v1',
    'Mitigation; usercopy/swapgs barriers and __user pointer sanitization',
  ]);
  const width = Math.max(...rows.map(([key]) => key.length)) + 2;
  return ok(rows.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}\n`).join(''));
};
