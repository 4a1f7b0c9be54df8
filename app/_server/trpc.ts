/**
 * The one place tRPC is initialised: the context every procedure sees, the error shape the
 * browser receives, and the base procedure. Feature routers import only what is exported here.
 */
import { initTRPC } from '@trpc/server';
import { z } from 'zod';
import type { Clock } from '../../lib';
import type { ConductorPort, FleetPort } from './lab-ports';
import type { MachineFeed } from './machine-feed';

export interface LabInfo {
  consoleUrl: string;
  ironicApiUrl: string;
  redfishUrl: string;
  simSpeed: number;
  heartbeatTimeoutS: number;
  demoMachines: number;
}

/** What a procedure can reach: the running lab, never its construction details. */
export interface LabContext {
  conductor: ConductorPort;
  fleet: FleetPort;
  feed: MachineFeed;
  clock: Clock;
  info(): LabInfo;
}

export interface Context {
  lab: LabContext;
}

const t = initTRPC.context<Context>().create({
  sse: {
    // Pings keep proxies from closing an idle stream and let the browser tell "quiet" from "gone".
    ping: { enabled: true, intervalMs: 5_000 },
    client: { reconnectAfterInactivityMs: 16_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    if (error.code === 'BAD_REQUEST' && cause instanceof z.ZodError) {
      return {
        ...shape,
        message: `Invalid input: ${z.prettifyError(cause)}`,
        data: {
          ...shape.data,
          issues: cause.issues.map(({ path, message }) => ({ path, message })),
        },
      };
    }
    return { ...shape, data: { ...shape.data, issues: null } };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
