import type { Cpu } from '../../../protocol';
import { parseCpuinfo, parseLscpu } from '../parsers';
import { type CollectorContext, readOptional, runOptional } from './context';

/** CPU from lscpu; /proc/cpuinfo fills what lscpu lacks or replaces it when it is missing. */
export async function collectCpu(ctx: CollectorContext): Promise<Cpu> {
  const lscpu = await runOptional(ctx, 'lscpu', []);
  const cpuinfoText = await readOptional(ctx, '/proc/cpuinfo');
  const info = cpuinfoText ? parseCpuinfo(cpuinfoText) : null;
  if (lscpu) {
    const cpu = parseLscpu(lscpu);
    if (cpu.flags.length === 0 && info) cpu.flags = info.flags;
    if (cpu.frequency === null && info?.mhz) cpu.frequency = info.mhz;
    return cpu;
  }
  if (!info) throw new Error('neither lscpu nor /proc/cpuinfo is available');
  ctx.logger?.warn('lscpu unavailable, CPU data from /proc/cpuinfo');
  const uname = await runOptional(ctx, 'uname', ['-m']);
  return {
    model_name: info.modelName,
    frequency: info.mhz,
    count: info.processors || null,
    architecture: uname?.trim() || null,
    flags: info.flags,
    socket_count: info.physicalIds || null,
  };
}
