import { describe, expect, it } from 'vitest';
import { parseLdd, sharedLibraries } from './elf-libraries';

describe('parseLdd', () => {
  it('collects libraries and the loader, skips the vDSO, reports missing sonames', () => {
    const report = parseLdd(`\tlinux-vdso.so.1 (0x00007ffd1b9f2000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f9324600000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f932441e000)
\tlibgone.so.2 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f93249b8000)
`);
    expect(report).toEqual({
      libraries: [
        '/lib/x86_64-linux-gnu/libstdc++.so.6',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: ['libgone.so.2'],
      isStatic: false,
    });
  });

  it('recognises static programs', () => {
    expect(parseLdd('\tnot a dynamic executable\n').isStatic).toBe(true);
    expect(parseLdd('\tstatically linked\n')).toEqual({
      libraries: [],
      missing: [],
      isStatic: true,
    });
  });

  it('asks ldd on this machine', async () => {
    const report = await sharedLibraries(process.execPath);
    expect(report.isStatic).toBe(false);
    expect(report.libraries.some((l) => /\/libc\.so\.6$/.test(l))).toBe(true);
    expect(report.libraries.some((l) => /ld-linux/.test(l))).toBe(true);
  });
});
