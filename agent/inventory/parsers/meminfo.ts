/** Bytes of MemTotal from /proc/meminfo (what psutil reports as total memory). */
export function parseMemTotal(text: string): number | null {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}
