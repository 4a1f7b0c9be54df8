import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive the real `npm start` (conductor, simulated fleet, console) in Debian's
 * Chromium, on ports away from the defaults so a developer's running lab is left alone.
 */
// E2E_PORT and friends move a second run (a CI check beside a developer's tests) off these ports.
const PORT = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${PORT}`;
// Workers re-read this file; the env var makes them agree on the one data dir the server got.
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'baremetal-lab-e2e-'));

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // The JSON report feeds scripts/test-summary.mjs; outputDir stays a subfolder so Playwright's
  // clean-up leaves vitest's report beside it alone.
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    colorScheme: 'light',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  // The tests share one lab. Those that add machines run after those that count the demo four
  // (the simulator's own tests count the rack first, then the lifecycle walk adds to it), and
  // the thousand-node scale test runs last.
  projects: [
    {
      name: 'console',
      use: { browserName: 'chromium' },
      testIgnore: /(simulator|lifecycle|scale)\.spec\.ts$/,
    },
    {
      name: 'simulator',
      use: { browserName: 'chromium' },
      testMatch: /simulator\.spec\.ts$/,
      dependencies: ['console'],
    },
    {
      name: 'lifecycle',
      use: { browserName: 'chromium' },
      testMatch: /lifecycle\.spec\.ts$/,
      dependencies: ['simulator'],
    },
    {
      name: 'scale',
      use: { browserName: 'chromium' },
      testMatch: /scale\.spec\.ts$/,
      dependencies: ['lifecycle'],
    },
  ],
  webServer: {
    command: 'npm start',
    url: baseURL,
    // The first run builds the console (next build), which takes minutes on a small machine.
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      PORT: String(PORT),
      IRONIC_PORT: process.env.E2E_IRONIC_PORT ?? '6485',
      REDFISH_PORT: process.env.E2E_REDFISH_PORT ?? '8100',
      IMAGES_PORT: process.env.E2E_IMAGES_PORT ?? '8180',
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      DEMO_MACHINES: '4',
      SIM_SPEED: '10',
      HEARTBEAT_TIMEOUT_S: '30',
      // Streams are recycled every few seconds, so every test also runs across reconnects.
      LIVE_MAX_AGE_S: '4',
      LOG_LEVEL: 'warn',
    },
  },
});
