import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { FAULT_KINDS, PROFILES, type FaultSpec } from '../../simulator';
import { findMachine } from './machine-row';
import { ScenarioConflictError, scenariosFor } from './scenarios';
import { retryWhileLocked } from './retry-locked';
import { toTRPCError } from './to-trpc-error';
import { publicProcedure, type LabContext } from './trpc';

const machineName = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9._~-]{0,62}$/i,
    'a name is letters, digits, and . _ ~ - (up to 63), starting with a letter or digit',
  );

const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disk-failure'), disk: z.string().min(1) }),
  z.object({
    kind: z.literal('slow-disk'),
    disk: z.string().min(1),
    factor: z.number().min(1).max(1000),
  }),
  z.object({ kind: z.literal('link-down'), nic: z.string().min(1) }),
  z.object({ kind: z.literal('bmc-unreachable') }),
  z.object({ kind: z.literal('bmc-error') }),
  z.object({ kind: z.literal('power-ignored') }),
  z.object({ kind: z.literal('image-corrupt') }),
  z.object({ kind: z.literal('agent-crash') }),
]) satisfies z.ZodType<FaultSpec>;

function machineOr404(lab: LabContext, id: string) {
  const machine = lab.fleet.get(id);
  if (!machine) throw new TRPCError({ code: 'NOT_FOUND', message: `No simulated machine ${id}` });
  return machine;
}

/** The first free `<profile>-NN` name, among both the fleet's machines and the conductor's nodes. */
function freeName(lab: LabContext, profile: string): string {
  const taken = new Set([
    ...lab.fleet.list().flatMap((m) => [m.id, m.name]),
    ...lab.conductor.listNodes().flatMap((n) => (n.name ? [n.name] : [])),
  ]);
  for (let i = 1; ; i++) {
    const name = `${profile}-${String(i).padStart(2, '0')}`;
    if (!taken.has(name)) return name;
  }
}

export const fleetRouter = {
  profiles: publicProcedure.query(() =>
    PROFILES.map((p) => ({
      name: p.name,
      description: p.description,
    })),
  ),

  faultKinds: publicProcedure.query(() => [...FAULT_KINDS]),

  /** Every simulated machine, with the node it is enrolled as (if any) and its active faults. */
  machines: publicProcedure.query(({ ctx }) => {
    const nodes = ctx.lab.conductor.listNodes();
    return ctx.lab.fleet.list().map((machine) => {
      const node = nodes.find((n) => findMachine(n, [machine]));
      return {
        ...machine,
        nics: ctx.lab.fleet.machine(machine.id)?.spec.nics.map((nic) => nic.name) ?? [],
        faults: ctx.lab.fleet.faults(machine.id),
        node: node
          ? { uuid: node.uuid, name: node.name ?? node.uuid, provisionState: node.provision_state }
          : null,
      };
    });
  }),

  /** Adds a machine to the rack and, by default, enrols it and powers it on through its BMC. */
  add: publicProcedure
    .input(
      z.object({
        profile: z.enum(PROFILES.map((p) => p.name) as [string, ...string[]], {
          error: `profile must be one of ${PROFILES.map((p) => p.name).join(', ')}`,
        }),
        name: machineName.optional(),
        enroll: z.boolean().default(true),
        powerOn: z.boolean().default(true),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { lab } = ctx;
      const name = input.name ?? freeName(lab, input.profile);
      if (
        lab.fleet.get(name) ||
        lab.fleet.list().some((m) => m.name === name) ||
        lab.conductor.getNode(name)
      ) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `A machine named ${name} already exists`,
        });
      }
      const machine = lab.fleet.addMachine({
        profile: input.profile,
        name,
        id: name,
        bootDevice: 'Pxe',
      });
      if (!input.enroll) return { machine: machine.id, node: null };
      let uuid: string;
      try {
        uuid = lab.conductor.createNode({
          ...lab.fleet.enrollment(machine.id),
          provision_state: 'manageable',
        }).uuid;
      } catch (error) {
        throw toTRPCError(error, `Added ${name} to the rack but could not enrol it`);
      }
      if (input.powerOn) {
        try {
          await retryWhileLocked(lab.clock, () => lab.conductor.setPowerState(uuid, 'power on'));
        } catch (error) {
          throw toTRPCError(error, `Enrolled ${name} but could not power it on`);
        }
      }
      return { machine: machine.id, node: uuid };
    }),

  /** The board's power, behind the conductor's back: what a pulled plug or a stuck button does. */
  setBoardPower: publicProcedure
    .input(z.object({ id: z.string().min(1), on: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      machineOr404(ctx.lab, input.id);
      if (input.on) await ctx.lab.fleet.powerOn(input.id);
      else await ctx.lab.fleet.powerOff(input.id);
      return machineOr404(ctx.lab, input.id);
    }),

  setFault: publicProcedure
    .input(z.object({ id: z.string().min(1), fault: faultSchema, active: z.boolean() }))
    .mutation(({ ctx, input }) => {
      machineOr404(ctx.lab, input.id);
      try {
        if (input.active) ctx.lab.fleet.injectFault(input.id, input.fault);
        else ctx.lab.fleet.clearFault(input.id, input.fault);
      } catch (error) {
        if (error instanceof RangeError)
          throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
        throw error;
      }
      return ctx.lab.fleet.faults(input.id);
    }),

  /** The training scenarios an instructor can start, and what each does. */
  scenarios: publicProcedure.query(({ ctx }) => scenariosFor(ctx.lab).catalogue()),

  /** Scenario runs, newest first, with their progress and outcome. */
  scenarioRuns: publicProcedure.query(({ ctx }) => scenariosFor(ctx.lab).list()),

  /** Starts a scenario on a named simulated machine, or on a freshly racked one. */
  startScenario: publicProcedure
    .input(z.object({ scenario: z.string().min(1), machine: z.string().min(1).optional() }))
    .mutation(({ ctx, input }) => {
      try {
        return scenariosFor(ctx.lab).start(input.scenario, input.machine);
      } catch (error) {
        if (error instanceof RangeError)
          throw new TRPCError({ code: 'NOT_FOUND', message: error.message });
        if (error instanceof ScenarioConflictError)
          throw new TRPCError({ code: 'CONFLICT', message: error.message });
        throw toTRPCError(error, `Could not start the scenario`);
      }
    }),

  /** Stops a running scenario (the node carries on) and clears the faults it injected. */
  clearScenario: publicProcedure
    .input(z.object({ run: z.string().min(1) }))
    .mutation(async ({ ctx, input }) => {
      try {
        return await scenariosFor(ctx.lab).clear(input.run);
      } catch (error) {
        if (error instanceof RangeError)
          throw new TRPCError({ code: 'NOT_FOUND', message: error.message });
        throw error;
      }
    }),
} satisfies TRPCRouterRecord;
