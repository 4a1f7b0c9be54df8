import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { createLogger, FakeClock } from '../../../lib';
import { Lab } from '../lab';
import { createCaller } from '../router';

/**
 * The real lab (conductor + simulated fleet on loopback ports) for router tests, on a fake clock
 * so boots, heartbeats and BMC timers move only when a test moves them.
 */
export interface TestLab {
  lab: Lab;
  clock: FakeClock;
  caller: () => ReturnType<typeof createCaller>;
  /** Runs `work` while moving the lab clock, so BMC and boot timers fire without real waiting. */
  withTime<T>(work: Promise<T>, stepMs?: number, limitMs?: number): Promise<T>;
  /** Moves the lab clock in steps, letting loopback I/O run between them, until `done()` holds. */
  advanceUntil(done: () => boolean, stepMs?: number, limitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestLab(demoMachines = 2): Promise<TestLab> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'console-lab-'));
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const lab = new Lab(
    {
      HOST: '127.0.0.1',
      IRONIC_PORT: 0,
      REDFISH_PORT: 0,
      IMAGES_PORT: 0,
      DATA_DIR: dataDir,
      DEMO_MACHINES: demoMachines,
      SIM_SPEED: 1,
      HEARTBEAT_TIMEOUT_S: 30,
      ERASE_DEVICES_PRIORITY: 0,
    },
    { logger: createLogger({ name: 'router-test', level: 'silent' }), clock },
  );
  const withTime = async <T>(work: Promise<T>, stepMs = 500, limitMs = 120_000): Promise<T> => {
    let done = false;
    const guarded = work.finally(() => (done = true));
    for (let spent = 0; !done && spent < limitMs; spent += stepMs) await clock.advance(stepMs);
    return guarded;
  };
  const advanceUntil = async (done: () => boolean, stepMs = 1000, limitMs = 600_000) => {
    for (let spent = 0; !done(); spent += stepMs) {
      if (spent > limitMs) throw new Error(`not reached within ${limitMs} ms of lab time`);
      await clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  await lab.start();
  await withTime(lab.poweringOn);
  return {
    lab,
    clock,
    caller: () => createCaller({ lab }),
    withTime,
    advanceUntil,
    async stop() {
      await lab.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The TRPCError `work` rejects with; fails the test if it resolves or throws something else. */
export async function rejection(work: Promise<unknown>): Promise<TRPCError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}
