import { TRPCError, tracked, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { Inventory } from '../../protocol';
import { matchesQuery, parseQuery } from '../_lib/search';
import { settleWithLimit, summarise } from './bulk';
import { retryWhileLocked } from './retry-locked';
import { allowedVerbs, CONSOLE_VERBS, type ConsoleVerb } from './machine-actions';
import { pageInputSchema, pageOf } from './machine-page';
import { actionProcedures } from './action-procedures';
import { serialProcedures, simulatedMachine } from './serial-procedures';
import { serialStream } from './serial-stream';
import { serialWritersFor } from './serial-writers';
import { publicProcedure, type LabContext } from './trpc';
import { toTRPCError } from './to-trpc-error';

const identSchema = z.string().trim().min(1, 'a machine name or UUID is required').max(255);
const identInput = z.object({ ident: identSchema });

const BULK_ACTIONS = ['power on', 'power off', 'manage', 'provide', 'inspect', 'abort'] as const;
/** BMCs are slow and small; a handful of requests at a time keeps them answering. */
const BULK_CONCURRENCY = 8;

/** What searches need beyond the rows: the lab's time and how long agents may stay quiet. */
function matchContext(lab: LabContext) {
  return { now: lab.clock.now(), heartbeatTimeoutMs: lab.info().heartbeatTimeoutS * 1000 };
}

/** The conductor pages history oldest first; walk it and keep the tail. */
function latestEvents(conductor: LabContext['conductor'], uuid: string, limit: number) {
  const page = 1000;
  let tail: ReturnType<typeof conductor.eventsFor> = [];
  for (let afterId = 0; ;) {
    const batch = conductor.eventsFor(uuid, { afterId, limit: page });
    tail = [...tail, ...batch].slice(-limit);
    if (batch.length < page) return tail;
    afterId = batch[batch.length - 1]!.id;
  }
}

function nodeOr404(lab: LabContext, ident: string) {
  const node = lab.conductor.getNode(ident);
  if (!node) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${ident}` });
  return node;
}

export const machinesRouter = {
  list: publicProcedure.query(({ ctx }) => ctx.lab.feed.rows()),

  /** A filtered, sorted window of the fleet (see app/_lib/search for the language). */
  page: publicProcedure
    .input(pageInputSchema)
    .query(({ ctx, input }) => pageOf(ctx.lab.feed.rows(), input)),

  byId: publicProcedure.input(identInput).query(({ ctx, input }) => {
    const row = ctx.lab.feed.row(input.ident);
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
    return row;
  }),

  /** The last inspection's inventory, exactly as the agent reported it. */
  inventory: publicProcedure
    .input(identInput)
    .query(({ ctx, input }): { inventory: Inventory | null } => {
      const node = nodeOr404(ctx.lab, input.ident);
      return { inventory: ctx.lab.conductor.getInventory(node.uuid) };
    }),

  /**
   * The node's recorded history, oldest first: the latest `limit` events, or with `afterId` the
   * ones after it (for a client that already has the earlier ones).
   */
  events: publicProcedure
    .input(
      identInput.extend({
        afterId: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).default(500),
      }),
    )
    .query(({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      const { afterId, limit } = input;
      if (afterId !== undefined) return ctx.lab.conductor.eventsFor(node.uuid, { afterId, limit });
      return latestEvents(ctx.lab.conductor, node.uuid, limit);
    }),

  /**
   * The simulated machine's serial console: recent output, then output as it is written, and
   * who holds its keyboard whenever that changes.
   */
  serial: publicProcedure.input(identInput).subscription(async function* ({ ctx, input, signal }) {
    const machine = simulatedMachine(ctx.lab, input.ident);
    const writers = serialWritersFor(ctx.lab);
    yield* serialStream(ctx.lab.fleet.serial(machine.id), signal, {
      current: () => writers.writer(machine.id),
      watch: (listener) => writers.watch(machine.id, listener),
    });
  }),

  ...serialProcedures,
  ...actionProcedures,

  /** Snapshot, then changes; a reconnecting client sends `lastEventId` and gets only what it missed. */
  live: publicProcedure
    .input(
      z
        .object({
          lastEventId: z.string().max(64).nullish(),
          /** false: catch up with a `resync` hint instead of every row (for paged views). */
          snapshot: z.boolean().default(true),
        })
        .optional(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const options = { snapshot: input?.snapshot ?? true };
      for await (const item of ctx.lab.feed.stream(input?.lastEventId, signal, options)) {
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
      const node = nodeOr404(ctx.lab, input.ident);
      try {
        await retryWhileLocked(ctx.lab.clock, () =>
          ctx.lab.conductor.setPowerState(node.uuid, input.target),
        );
      } catch (error) {
        throw toTRPCError(error, `Could not set ${node.name ?? node.uuid} to ${input.target}`);
      }
      const row = ctx.lab.feed.row(node.uuid);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
      return row;
    }),

  /** A provision verb (manage, provide, inspect, abort, unhold), as `baremetal node <verb>`. */
  setProvision: publicProcedure
    .input(
      z.object({
        ident: identSchema,
        verb: z.enum(CONSOLE_VERBS, { error: `verb must be one of ${CONSOLE_VERBS.join(', ')}` }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      const name = node.name ?? node.uuid;
      const allowed = allowedVerbs(node.provision_state);
      if (!allowed.includes(input.verb)) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `${name} cannot ${input.verb} from "${node.provision_state}"; ${
            allowed.length > 0 ? `it can ${allowed.join(', ')}` : 'no action is possible now'
          }`,
        });
      }
      try {
        await retryWhileLocked(ctx.lab.clock, () =>
          ctx.lab.conductor.setProvisionState(node.uuid, input.verb),
        );
      } catch (error) {
        throw toTRPCError(error, `Could not ${input.verb} ${name}`);
      }
      const row = ctx.lab.feed.row(node.uuid);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${input.ident}` });
      return row;
    }),

  /**
   * One action over every machine a search matches (or a list of UUIDs, e.g. to retry the ones
   * that failed), run on the server a few at a time; failures come back grouped by cause.
   */
  bulk: publicProcedure
    .input(
      z.object({
        selection: z.union([
          z.object({ q: z.string().max(2000) }),
          z.object({ uuids: z.array(z.string().min(1)).min(1).max(100_000) }),
        ]),
        action: z.enum(BULK_ACTIONS, { error: `action must be one of ${BULK_ACTIONS.join(', ')}` }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { lab } = ctx;
      let rows = lab.feed.rows();
      if ('q' in input.selection) {
        const { terms, errors } = parseQuery(input.selection.q);
        // Acting on a search read differently from what the operator meant is worse than refusing.
        if (errors.length > 0) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: `Fix the search first: ${errors.join('; ')}`,
          });
        }
        const context = matchContext(lab);
        rows = rows.filter((row) => matchesQuery(row, terms, context));
      } else {
        const wanted = new Set(input.selection.uuids);
        rows = rows.filter((row) => wanted.has(row.uuid));
      }
      const { action } = input;
      const results = await settleWithLimit(rows, BULK_CONCURRENCY, async (row) => {
        if (action === 'power on' || action === 'power off') {
          await retryWhileLocked(lab.clock, () => lab.conductor.setPowerState(row.uuid, action));
          return;
        }
        const verb: ConsoleVerb = action;
        if (!allowedVerbs(row.provisionState).includes(verb)) {
          throw new Error(`cannot ${verb} from "${row.provisionState}"`);
        }
        await retryWhileLocked(lab.clock, () => lab.conductor.setProvisionState(row.uuid, verb));
      });
      return summarise(
        rows.map((row) => ({ uuid: row.uuid, name: row.name })),
        results,
      );
    }),
} satisfies TRPCRouterRecord;
