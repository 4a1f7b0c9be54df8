/**
 * The one place tRPC is initialised: the context every procedure sees, the error shape the
 * browser receives, and the base procedure. Feature routers import only what is exported here.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Clock } from '../../lib';
import type { ActionConductor } from './action-ports';
import type { MachineFeed } from './machine-feed';
import type { EnrollingConductor, ImagesPort, SimulatorPort } from './simulator-ports';

export interface LabInfo {
  consoleUrl: string;
  ironicApiUrl: string;
  redfishUrl: string;
  /** Base URL of the image service ('' before the lab has started). */
  imagesUrl: string;
  simSpeed: number;
  heartbeatTimeoutS: number;
  demoMachines: number;
}

/** What a procedure can reach: the running lab, never its construction details. */
export interface LabContext {
  conductor: ActionConductor & EnrollingConductor;
  fleet: SimulatorPort;
  images: ImagesPort;
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
    const issues =
      cause instanceof z.ZodError
        ? cause.issues.map(({ path, message }) => ({ path: path.map(String), message }))
        : null;
    // Stacks stay in the server log; the browser gets the code, the message and the bad fields.
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data: { ...data, issues } };
  },
});

/**
 * tRPC reports bad input with zod's raw issue dump as the message; operators (and the tests that
 * call procedures in-process) get one readable line per problem instead.
 */
const readableInputErrors = t.middleware(async function readableInputErrors({ next }) {
  const result = await next();
  if (
    !result.ok &&
    result.error.code === 'BAD_REQUEST' &&
    result.error.cause instanceof z.ZodError
  ) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `Invalid input: ${describeIssues(result.error.cause)}`,
      cause: result.error.cause,
    });
  }
  return result;
});

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`)
    .join('; ');
}

export const router = t.router;
export const publicProcedure = t.procedure.use(readableInputErrors);
export const createCallerFactory = t.createCallerFactory;
