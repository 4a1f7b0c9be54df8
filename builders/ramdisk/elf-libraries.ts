import { runCommand } from '../support/run-command';

/** What ldd said about one program. */
export interface LddReport {
  /** Absolute paths of every library and the dynamic loader, in ldd's order. */
  libraries: string[];
  /** Sonames ldd could not find. */
  missing: string[];
  /** True for a statically linked program (busybox-static). */
  isStatic: boolean;
}

/**
 * Reads `ldd` output. Lines look like `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`,
 * `/lib64/ld-linux-x86-64.so.2 (0x…)` for the loader, `linux-vdso.so.1 (0x…)` for the kernel's
 * own (no file) and `libx.so.1 => not found`.
 */
export function parseLdd(text: string): LddReport {
  const libraries: string[] = [];
  const missing: string[] = [];
  let isStatic = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/statically linked|not a dynamic executable/.test(line)) {
      isStatic = true;
      continue;
    }
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const [, soname, rest] = arrow as unknown as [string, string, string];
      if (rest.startsWith('not found')) {
        missing.push(soname);
        continue;
      }
      const path = /^(\/\S+)/.exec(rest)?.[1];
      if (path) libraries.push(path);
      continue;
    }
    const loader = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (loader) libraries.push(loader[1]!);
  }
  return { libraries: [...new Set(libraries)], missing, isStatic };
}

/** The shared libraries a program needs on this machine, with a clear error when some are missing. */
export async function sharedLibraries(program: string): Promise<LddReport> {
  const r = await runCommand('ldd', [program]);
  const report = parseLdd(r.stdout + '\n' + r.stderr);
  if (r.exitCode !== 0 && !report.isStatic) {
    throw new Error(`ldd ${program} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  }
  if (report.missing.length > 0) {
    throw new Error(`${program} needs libraries this machine lacks: ${report.missing.join(', ')}`);
  }
  return report;
}
