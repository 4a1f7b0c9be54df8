import type { Cpu } from '../../../protocol';

/** `lscpu` as IPA reads it: lower-cased keys, the value after the first colon. */
export function parseKeyValueLines(text: string, separator = ':'): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at <= 0) continue;
    const key = line.slice(0, at).trim().toLowerCase();
    if (key === '' || out.has(key)) continue;
    out.set(key, line.slice(at + 1).trim());
  }
  return out;
}

/** IPA's cpu entry from lscpu: frequency stays a string ("3500.0000"), as IPA sends it. */
export function parseLscpu(text: string): Cpu {
  const kv = parseKeyValueLines(text);
  const flags = kv.get('flags');
  return {
    model_name: kv.get('model name') || null,
    frequency: kv.get('cpu max mhz') || kv.get('cpu mhz') || null,
    count: intOrNull(kv.get('cpu(s)')),
    architecture: kv.get('architecture') || null,
    flags: flags ? flags.split(/\s+/).filter(Boolean) : [],
    socket_count: intOrNull(kv.get('socket(s)')),
  };
}

export interface CpuinfoSummary {
  processors: number;
  modelName: string | null;
  mhz: string | null;
  flags: string[];
  physicalIds: number;
}

/** /proc/cpuinfo: the fallback when lscpu is missing, and IPA's source of flags if lscpu has none. */
export function parseCpuinfo(text: string): CpuinfoSummary {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => parseKeyValueLines(b))
    .filter((b) => b.has('processor'));
  const first = blocks[0] ?? new Map<string, string>();
  const flags = first.get('flags') ?? first.get('features') ?? '';
  const physical = new Set(blocks.map((b) => b.get('physical id')).filter((v) => v !== undefined));
  return {
    processors: blocks.length,
    modelName: first.get('model name') ?? null,
    mhz: first.get('cpu mhz') ?? null,
    flags: flags.split(/\s+/).filter(Boolean),
    physicalIds: physical.size,
  };
}

function intOrNull(v: string | undefined): number | null {
  if (v === undefined || !/^\d+$/.test(v)) return null;
  return Number(v);
}
