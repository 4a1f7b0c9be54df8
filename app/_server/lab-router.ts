import type { TRPCRouterRecord } from '@trpc/server';
import { publicProcedure } from './trpc';

export const labRouter = {
  /** Where the lab's parts listen and how fast its clock runs, with a clock sample to sync to. */
  info: publicProcedure.query(({ ctx }) => ({
    ...ctx.lab.info(),
    clock: { now: ctx.lab.clock.now(), speed: ctx.lab.info().simSpeed },
  })),
} satisfies TRPCRouterRecord;
