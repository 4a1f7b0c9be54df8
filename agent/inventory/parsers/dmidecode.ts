const UNIT_MB: Readonly<Record<string, number>> = {
  KB: 1 / 1024,
  MB: 1,
  GB: 1024,
  TB: 1024 * 1024,
};

/** Installed memory in MiB: the sum of `Size:` of every `Memory Device` in `dmidecode -t memory`. */
export function parseDmidecodeMemoryMb(text: string): number | null {
  let total = 0;
  let found = false;
  for (const block of text.split(/\n\s*\n/)) {
    if (!/^Memory Device\s*$/m.test(block)) continue;
    const m = /^\s+Size:\s+(\d+)\s+(KB|MB|GB|TB)\s*$/m.exec(block);
    if (!m) continue;
    total += Number(m[1]) * (UNIT_MB[m[2]!] ?? 0);
    found = true;
  }
  return found ? Math.round(total) : null;
}
