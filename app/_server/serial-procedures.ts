import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { LabContext } from './trpc';
import { findMachine } from './machine-row';
import { serialWritersFor } from './serial-writers';
import { publicProcedure } from './trpc';

/**
 * Typing into a simulated machine's serial console. One browser session writes at a time; the
 * others watch. The keyboard is taken (claim), kept (renew, or simply typing), given back
 * (release) or taken over from someone else (claim with force).
 */

const sessionInput = z.object({
  ident: z.string().trim().min(1, 'a machine name or UUID is required').max(255),
  session: z.string().min(8, 'a session id is required').max(128),
});

/** The simulated machine behind a node, or a readable refusal. */
export function simulatedMachine(lab: LabContext, ident: string) {
  const node = lab.conductor.getNode(ident);
  if (!node) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${ident}` });
  const machine = findMachine(node, lab.fleet.list());
  if (!machine) {
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: `${node.name ?? node.uuid} is not a simulated machine; its console is on its BMC`,
    });
  }
  return machine;
}

function notWriter(lab: LabContext, machine: string, name: string) {
  const writer = serialWritersFor(lab).writer(machine);
  return new TRPCError({
    code: 'CONFLICT',
    message: writer
      ? `${writer.label} is typing on ${name}'s console; take over to type`
      : `Nobody holds ${name}'s keyboard; take it to type`,
  });
}

export const serialProcedures = {
  serialClaim: publicProcedure
    .input(
      sessionInput.extend({
        label: z.string().trim().min(1, 'say who is typing').max(64),
        force: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => {
      const machine = simulatedMachine(ctx.lab, input.ident);
      const result = serialWritersFor(ctx.lab).claim(
        machine.id,
        input.session,
        input.label,
        input.force,
      );
      if (!result.ok) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `${result.writer.label} is typing on ${machine.name}'s console; take over to type`,
        });
      }
      return result.writer;
    }),

  /** Keeps the keyboard while the page is open; false when it was taken over meanwhile. */
  serialRenew: publicProcedure.input(sessionInput).mutation(({ ctx, input }) => {
    const machine = simulatedMachine(ctx.lab, input.ident);
    return { writer: serialWritersFor(ctx.lab).renew(machine.id, input.session) };
  }),

  serialRelease: publicProcedure.input(sessionInput).mutation(({ ctx, input }) => {
    const machine = simulatedMachine(ctx.lab, input.ident);
    serialWritersFor(ctx.lab).release(machine.id, input.session);
    return { released: true };
  }),

  /** Keystrokes from the writer's xterm; the machine's answer comes back on the serial stream. */
  serialInput: publicProcedure
    .input(
      sessionInput.extend({
        text: z.string().min(1).max(4096, 'paste at most 4096 characters at once'),
      }),
    )
    .mutation(({ ctx, input }) => {
      const machine = simulatedMachine(ctx.lab, input.ident);
      if (!serialWritersFor(ctx.lab).renew(machine.id, input.session)) {
        throw notWriter(ctx.lab, machine.id, machine.name);
      }
      ctx.lab.fleet.serialInput(machine.id, input.text);
      return { sent: input.text.length };
    }),
} satisfies TRPCRouterRecord;
