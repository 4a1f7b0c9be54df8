// Typed lint for the whole tree. The import arrows of DESIGN.md are enforced here, so a part that
// reaches across the layout fails `npm test`, not a code review.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { boundaryZones } from './eslint.boundaries.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.next/**',
      'data/**',
      'dist/**',
      'test-results/**',
      'playwright-report/**',
      'next-env.d.ts',
      '**/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-console': 'off',
    },
  },
  {
    // The agent reaches the machine only through its Host port (DESIGN.md); only the Linux host
    // implementation may touch processes and the file system directly.
    files: ['agent/**/*.ts'],
    // Benchmarks run baselines (GNU shred, curl | dd) beside the agent, so they may spawn.
    ignores: [
      'agent/host/linux/**',
      'agent/cli/**',
      'agent/bench/**',
      '**/*.test.ts',
      'agent/**/testing/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'child_process',
            'node:child_process',
            'fs',
            'node:fs',
            'fs/promises',
            'node:fs/promises',
          ].map((name) => ({
            name,
            message: 'The agent reaches the machine through the Host port only.',
          })),
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
);
