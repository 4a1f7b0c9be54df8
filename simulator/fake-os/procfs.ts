import type { Machine } from '../machine';
import { cpuCount } from '../machine';

/**
 * /proc as the machine's kernel would print it. Only what the agent reads is modelled; the
 * numbers follow the spec so the agent's parsers see the machine they are running on.
 */

/** MemTotal: physical memory less what firmware and the kernel keep for themselves. */
export function memTotalKiB(memoryMiB: number): number {
  return Math.floor(memoryMiB * 1024 * 0.975);
}

export function meminfo(machine: Machine): string {
  const total = memTotalKiB(machine.spec.memoryMiB);
  const free = Math.floor(total * 0.93);
  const rows: Array<[string, number]> = [
    ['MemTotal', total],
    ['MemFree', free],
    ['MemAvailable', Math.floor(total * 0.95)],
    ['Buffers', 2048],
    ['Cached', Math.floor(total * 0.03)],
    ['SwapCached', 0],
    ['Active', Math.floor(total * 0.01)],
    ['Inactive', Math.floor(total * 0.02)],
    ['SwapTotal', 0],
    ['SwapFree', 0],
    ['Dirty', 0],
    ['Writeback', 0],
    ['AnonPages', 65536],
    ['Mapped', 32768],
    ['Shmem', Math.floor(total * 0.02)],
    ['KReclaimable', 24576],
    ['Slab', 81920],
    ['SReclaimable', 24576],
    ['SUnreclaim', 57344],
    ['KernelStack', 8192],
    ['PageTables', 4096],
    ['CommitLimit', Math.floor(total / 2)],
    ['Committed_AS', 262144],
    ['VmallocTotal', 34359738367],
    ['VmallocUsed', 65536],
    ['VmallocChunk', 0],
    ['HugePages_Total', 0],
    ['HugePages_Free', 0],
    ['HugePages_Rsvd', 0],
    ['HugePages_Surp', 0],
    ['Hugepagesize', 2048],
  ];
  return (
    rows
      .map(([key, value]) =>
        key.startsWith('HugePages_')
          ? `${`${key}:`.padEnd(16)}${String(value).padStart(8)}`
          : `${`${key}:`.padEnd(16)}${String(value).padStart(8)} kB`,
      )
      .join('\n') + '\n'
  );
}

export function cpuinfo(machine: Machine): string {
  const { cpu } = machine.spec;
  const total = cpuCount(cpu);
  const perSocket = cpu.coresPerSocket * cpu.threadsPerCore;
  const blocks: string[] = [];
  for (let n = 0; n < total; n++) {
    // Linux numbers the first thread of every core first, then the siblings.
    const thread = Math.floor(n / (cpu.sockets * cpu.coresPerSocket));
    const coreGlobal = n % (cpu.sockets * cpu.coresPerSocket);
    const socket = Math.floor(coreGlobal / cpu.coresPerSocket);
    const core = coreGlobal % cpu.coresPerSocket;
    const apic = socket * 64 + core * 2 + thread;
    blocks.push(
      [
        `processor\t: ${n}`,
        `vendor_id\t: ${cpu.vendorId}`,
        `cpu family\t: ${cpu.family}`,
        `model\t\t: ${cpu.model}`,
        `model name\t: ${cpu.modelName}`,
        `stepping\t: ${cpu.stepping}`,
        `microcode\t: 0x5003604`,
        `cpu MHz\t\t: ${cpu.mhz.toFixed(3)}`,
        `cache size\t: 16896 KB`,
        `physical id\t: ${socket}`,
        `siblings\t: ${perSocket}`,
        `core id\t\t: ${core}`,
        `cpu cores\t: ${cpu.coresPerSocket}`,
        `apicid\t\t: ${apic}`,
        `initial apicid\t: ${apic}`,
        `fpu\t\t: yes`,
        `fpu_exception\t: yes`,
        `cpuid level\t: 22`,
        `wp\t\t: yes`,
        `flags\t\t: ${cpu.flags.join(' ')}`,
        `bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs taa itlb_multihit`,
        `bogomips\t: ${(cpu.mhz * 2).toFixed(2)}`,
        `clflush size\t: 64`,
        `cache_alignment\t: 64`,
        `address sizes\t: 46 bits physical, 48 bits virtual`,
        `power management:`,
        '',
      ].join('\n'),
    );
  }
  return blocks.join('\n') + '\n';
}
