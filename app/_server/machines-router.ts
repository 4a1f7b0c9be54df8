import { TRPCError, tracked, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure } from './trpc';
import { toTRPCError } from './to-trpc-error';

const identSchema = z.string().trim().min(1, 'a machine name or UUID is required').max(255);

export const machinesRouter = {
  list: publicProcedure.query(({ ctx }) => ctx.lab.feed.rows()),

  byId: publicProcedure.input(z.object({ ident: identSchema })).query(({ ctx, input }) => {
    const row = ctx.lab.feed.row(input.ident);
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
    return row;
  }),

  /** Snapshot, then changes; a reconnecting client sends `lastEventId` and gets only what it missed. */
  live: publicProcedure
    .input(z.object({ lastEventId: z.string().max(64).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      for await (const item of ctx.lab.feed.stream(input?.lastEventId, signal)) {
        yield tracked(item.id, item.message);
      }
    }),

  setPower: publicProcedure
    .input(
      z.object({
        ident: identSchema,
        target: z.enum(['power on', 'power off', 'rebooting'], {
          error: "target must be 'power on', 'power off' or 'rebooting'",
        }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const node = ctx.lab.conductor.getNode(input.ident);
      if (!node) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
      try {
        await ctx.lab.conductor.setPowerState(node.uuid, input.target);
      } catch (error) {
        throw toTRPCError(error, `Could not set ${node.name ?? node.uuid} to ${input.target}`);
      }
      const row = ctx.lab.feed.row(node.uuid);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
      return row;
    }),
} satisfies TRPCRouterRecord;
