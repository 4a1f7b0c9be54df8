import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Proves the lint config enforces DESIGN.md's import arrows: each forbidden import below must be
// reported by `import-x/no-restricted-paths`, and each allowed one must not.
const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter(
      (m) => m.ruleId === 'import-x/no-restricted-paths' || m.ruleId === 'no-restricted-imports',
    )
    .map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['agent/host/index.ts', "export * from '../../conductor/index';"],
    ['agent/host/index.ts', "export * from '../../simulator/index';"],
    ['protocol/index.ts', "export * from '../agent/host/index';"],
    ['conductor/index.ts', "export * from '../simulator/index';"],
    ['conductor/index.ts', "export * from '../app/layout';"],
    ['lib/index.ts', "export * from '../protocol/index';"],
  ])('%s may not contain %s', async (file, code) => {
    const errors = await boundaryErrors(file, code);
    expect(errors.join('\n')).toMatch(/may import only/);
  });

  it.each([
    ['agent/host/index.ts', "export * from '../../protocol/index';"],
    ['agent/host/index.ts', "export * from '../../lib/index';"],
  ])('%s may contain %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });

  it('keeps agent code off child_process and fs outside the Linux host', async () => {
    const errors = await boundaryErrors(
      'agent/host/index.ts',
      "export { execFile } from 'node:child_process';",
    );
    expect(errors.join('\n')).toMatch(/Host port/);
  });
});
