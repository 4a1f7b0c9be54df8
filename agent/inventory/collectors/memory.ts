import type { Memory } from '../../../protocol';
import { parseDmidecodeMemoryMb, parseMemTotal } from '../parsers';
import {
  type CollectorContext,
  listOptional,
  readOptional,
  readTrimmed,
  runOptional,
} from './context';

const MIB = 1024 * 1024;

/**
 * `total` is MemTotal; `physical_mb` is the installed memory: DIMM sizes from dmidecode, else
 * the kernel's hot-plug memory blocks (which cover all RAM including what firmware reserved),
 * else MemTotal rounded up.
 */
export async function collectMemory(ctx: CollectorContext): Promise<Memory> {
  const meminfo = await readOptional(ctx, '/proc/meminfo');
  const total = meminfo ? parseMemTotal(meminfo) : null;
  const dmi = await runOptional(ctx, 'dmidecode', ['--type', 'memory']);
  let physical = dmi ? parseDmidecodeMemoryMb(dmi) : null;
  if (physical === null) physical = await memoryBlocksMb(ctx);
  if (physical === null && total !== null) physical = Math.ceil(total / MIB);
  return { total, physical_mb: physical };
}

async function memoryBlocksMb(ctx: CollectorContext): Promise<number | null> {
  const sizeHex = await readTrimmed(ctx, '/sys/devices/system/memory/block_size_bytes');
  if (!sizeHex || !/^[0-9a-f]+$/i.test(sizeHex)) return null;
  const blocks = (await listOptional(ctx, '/sys/devices/system/memory')).filter((n) =>
    /^memory\d+$/.test(n),
  );
  if (blocks.length === 0) return null;
  return Math.round((parseInt(sizeHex, 16) * blocks.length) / MIB);
}
