/** A byte range to serve, inclusive of `end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * RFC 9110 `Range` for one resource of `size` bytes: a single `bytes=` range (first-last,
 * first-, or -suffix). Returns null when the header should be ignored (absent, another unit,
 * several ranges: the whole file is sent), `unsatisfiable` when it selects nothing (416).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null;
  const [, first, last] = m;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    // RFC 9110 §14.1.2: no suffix selects anything of an empty representation.
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}
