import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { ActionNodeView } from './action-ports';
import { stepChoices, toCleanSteps, type StepChoice, type StepIssue } from './clean-step-choices';
import { bmcEnrollSchema, nodeFromBmc } from './enroll';
import { actionStates } from './machine-actions';
import { findMachine, parseIronicTime } from './machine-row';
import { cleanPreflight, deployPreflight, undeployPreflight } from './preflight';
import { retryWhileLocked } from './retry-locked';
import { publicProcedure, type LabContext } from './trpc';
import { toTRPCError } from './to-trpc-error';

/**
 * The machine page's actions that need more than a click: clean with chosen steps, deploy an
 * image, undeploy, boot device, maintenance, enrolment; each with what the conductor would
 * refuse said beforehand, and the conductor's refusals passed on readably.
 */

const identSchema = z.string().trim().min(1, 'a machine name or UUID is required').max(255);
const identInput = z.object({ ident: identSchema });

const stepRequestSchema = z.object({
  interface: z.string().min(1, 'each step needs an interface').max(64),
  step: z.string().min(1, 'each step needs a name').max(128),
  args: z.record(z.string(), z.union([z.string().max(65_536), z.boolean()])).default({}),
});

const imageIdSchema = z.string().trim().min(1, 'choose an image').max(255);

function nodeOr404(lab: LabContext, ident: string): ActionNodeView {
  const node = lab.conductor.getNode(ident);
  if (!node) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${ident}` });
  return node;
}

/**
 * A refusal tied to form fields, so the browser can show each message beside its field: the
 * cause is a ZodError like the one bad input produces (made by zod itself, so it is a real Error
 * and tRPC keeps it), which the error formatter turns into `data.issues`.
 */
function fieldErrors(code: 'BAD_REQUEST' | 'CONFLICT', issues: StepIssue[], summary: string) {
  const cause = z
    .unknown()
    .superRefine((_value, ctx) => {
      for (const issue of issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    })
    .safeParse(undefined).error;
  return new TRPCError({
    code,
    message: `${summary}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    cause,
  });
}

const labelOf = (node: ActionNodeView) => node.name ?? node.uuid;

function rowOf(lab: LabContext, uuid: string) {
  const row = lab.feed.row(uuid);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `No machine ${uuid}` });
  return row;
}

function imageOr400(lab: LabContext, id: string) {
  const image = lab.images.list().find((i) => i.id === id);
  if (!image) {
    throw fieldErrors(
      'BAD_REQUEST',
      [{ path: ['imageId'], message: `no image ${id} in the catalogue` }],
      'Cannot deploy',
    );
  }
  return image;
}

function chosenSteps(choices: readonly StepChoice[], steps: { interface: string; step: string }[]) {
  return steps
    .map((s) => choices.find((c) => c.interface === s.interface && c.step === s.step))
    .filter((c): c is StepChoice => c !== undefined);
}

/** Runs a conductor call, retrying a moment's NodeLocked, with the conductor's refusal readable. */
async function conduct<T>(
  lab: LabContext,
  attempted: string,
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await retryWhileLocked(lab.clock, fn);
  } catch (error) {
    throw toTRPCError(error, attempted);
  }
}

export const actionProcedures = {
  /** Every action, allowed or not, and why not: the page shows them all, disabled with a reason. */
  actions: publicProcedure.input(identInput).query(({ ctx, input }) => {
    const node = nodeOr404(ctx.lab, input.ident);
    return {
      actions: actionStates(node),
      /** Why the machine is in maintenance, for whoever finds it there. */
      maintenanceReason: node.maintenance ? node.maintenance_reason : null,
    };
  }),

  /** The clean-step picker's list for this machine. */
  cleanSteps: publicProcedure.input(identInput).query(({ ctx, input }) => {
    const choices = stepChoices(nodeOr404(ctx.lab, input.ident).driver_internal_info);
    return { ...choices, refreshedAtMs: parseIronicTime(choices.refreshedAt) };
  }),

  /** The deploy picker: the image service's catalogue. */
  images: publicProcedure.query(({ ctx }) =>
    ctx.lab.images.list().map((image) => ({
      id: image.id,
      name: image.name,
      diskFormat: image.disk_format,
      imageType: image.image_type,
      size: image.size,
      virtualSize: image.virtual_size,
      sha256: image.sha256,
      url: image.file_url,
    })),
  ),

  /** What a destructive action will erase and what would stop it, before anything is sent. */
  preflight: publicProcedure
    .input(
      z.discriminatedUnion('action', [
        identInput.extend({
          action: z.literal('clean'),
          steps: z.array(stepRequestSchema.pick({ interface: true, step: true })).max(50),
        }),
        identInput.extend({ action: z.literal('deploy'), imageId: z.string().max(255).nullable() }),
        identInput.extend({ action: z.literal('undeploy') }),
      ]),
    )
    .query(({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      const inventory = ctx.lab.conductor.getInventory(node.uuid);
      const { steps: choices } = stepChoices(node.driver_internal_info);
      if (input.action === 'clean') {
        return cleanPreflight(node, inventory, chosenSteps(choices, input.steps));
      }
      if (input.action === 'deploy') {
        const image = ctx.lab.images.list().find((i) => i.id === input.imageId) ?? null;
        return deployPreflight(node, inventory, image);
      }
      const automated = node.automated_clean === false ? [] : choices.filter((c) => c.priority > 0);
      return undeployPreflight(node, inventory, automated);
    }),

  /** Manual cleaning with steps from the picker, as `baremetal node clean --clean-steps`. */
  clean: publicProcedure
    .input(
      identInput.extend({
        steps: z.array(stepRequestSchema).min(1, 'choose at least one step').max(50),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      const checked = toCleanSteps(input.steps, stepChoices(node.driver_internal_info).steps);
      if (!checked.ok)
        throw fieldErrors('BAD_REQUEST', checked.issues, `Cannot clean ${labelOf(node)}`);
      await conduct(ctx.lab, `Could not clean ${labelOf(node)}`, () =>
        ctx.lab.conductor.setProvisionState(node.uuid, 'clean', { clean_steps: checked.steps }),
      );
      return rowOf(ctx.lab, node.uuid);
    }),

  /** Sets instance_info from the chosen image (source, checksum, format), then deploys. */
  deploy: publicProcedure
    .input(identInput.extend({ imageId: imageIdSchema }))
    .mutation(async ({ ctx, input }) => {
      const { lab } = ctx;
      const node = nodeOr404(lab, input.ident);
      const image = imageOr400(lab, input.imageId);
      const blocking = deployPreflight(
        node,
        lab.conductor.getInventory(node.uuid),
        image,
      ).checks.filter((check) => check.level === 'block');
      if (blocking.length > 0) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `Cannot deploy ${labelOf(node)}: ${blocking.map((b) => b.message).join('; ')}`,
        });
      }
      const info: Record<string, unknown> = { ...lab.images.instanceInfo(image.id) };
      if (image.image_type === 'partition') {
        // The partition the image goes into; Ironic requires a size and the image gives none.
        info.root_gb = Math.max(1, Math.ceil(image.virtual_size / 2 ** 30));
      }
      const ops = Object.entries(info).map(([key, value]) => ({
        op: 'add',
        path: `/instance_info/${key}`,
        value,
      }));
      await conduct(lab, `Could not set the image of ${labelOf(node)}`, () =>
        lab.conductor.patchNode(node.uuid, ops),
      );
      await conduct(lab, `Could not deploy ${labelOf(node)}`, () =>
        lab.conductor.setProvisionState(node.uuid, 'deploy'),
      );
      return rowOf(lab, node.uuid);
    }),

  /** Tears the instance down; automated cleaning follows, then the machine is available again. */
  undeploy: publicProcedure.input(identInput).mutation(async ({ ctx, input }) => {
    const node = nodeOr404(ctx.lab, input.ident);
    await conduct(ctx.lab, `Could not undeploy ${labelOf(node)}`, () =>
      ctx.lab.conductor.setProvisionState(node.uuid, 'undeploy'),
    );
    return rowOf(ctx.lab, node.uuid);
  }),

  setBootDevice: publicProcedure
    .input(
      identInput.extend({
        device: z.enum(['pxe', 'disk', 'cdrom', 'bios'], {
          error: 'device must be one of pxe, disk, cdrom, bios',
        }),
        persistent: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      await conduct(ctx.lab, `Could not set the boot device of ${labelOf(node)}`, () =>
        ctx.lab.conductor.setBootDevice(node.uuid, input.device, input.persistent),
      );
      return { device: input.device, persistent: input.persistent };
    }),

  /** Maintenance on needs a reason: whoever finds the machine later should know why. */
  setMaintenance: publicProcedure
    .input(
      z.discriminatedUnion('on', [
        identInput.extend({
          on: z.literal(true),
          reason: z.string().trim().min(1, 'say why the machine goes into maintenance').max(255),
        }),
        identInput.extend({ on: z.literal(false) }),
      ]),
    )
    .mutation(async ({ ctx, input }) => {
      const node = nodeOr404(ctx.lab, input.ident);
      await conduct(ctx.lab, `Could not change maintenance of ${labelOf(node)}`, () =>
        ctx.lab.conductor.setMaintenance(node.uuid, input.on, input.on ? input.reason : null),
      );
      return rowOf(ctx.lab, node.uuid);
    }),

  /** Simulated machines no node points at yet, for "enroll from the simulator". */
  enrollable: publicProcedure.query(({ ctx }) => {
    const nodes = ctx.lab.conductor.listNodes();
    return ctx.lab.fleet
      .list()
      .filter((machine) => !nodes.some((node) => findMachine(node, [machine])))
      .map((machine) => ({ id: machine.id, name: machine.name, profile: machine.profile ?? null }));
  }),

  /**
   * A new node, from a BMC's address or a simulated machine, then (by default) `manage`, which
   * checks the BMC answers, as `baremetal node create` followed by `baremetal node manage`.
   */
  enroll: publicProcedure
    .input(
      z.discriminatedUnion('source', [
        bmcEnrollSchema,
        z.object({
          source: z.literal('simulator'),
          machine: z.string().trim().min(1, 'choose a simulated machine').max(255),
          manage: z.boolean().default(true),
        }),
      ]),
    )
    .mutation(async ({ ctx, input }) => {
      const { lab } = ctx;
      let create;
      if (input.source === 'simulator') {
        if (!lab.fleet.get(input.machine)) {
          throw fieldErrors(
            'BAD_REQUEST',
            [{ path: ['machine'], message: `no simulated machine ${input.machine}` }],
            'Cannot enroll',
          );
        }
        const taken = lab.conductor
          .listNodes()
          .find((node) => findMachine(node, [lab.fleet.get(input.machine)!]));
        if (taken) {
          throw fieldErrors(
            'CONFLICT',
            [{ path: ['machine'], message: `already enrolled as ${taken.name ?? taken.uuid}` }],
            'Cannot enroll',
          );
        }
        create = lab.fleet.enrollment(input.machine);
      } else {
        create = nodeFromBmc(input);
        if (create.name && lab.conductor.getNode(create.name)) {
          throw fieldErrors(
            'CONFLICT',
            [{ path: ['name'], message: `a node named ${create.name} exists` }],
            'Cannot enroll',
          );
        }
      }
      let node;
      try {
        node = lab.conductor.createNode(create);
      } catch (error) {
        throw toTRPCError(error, 'Could not enroll');
      }
      if (input.manage) {
        await conduct(lab, `Enrolled ${node.name ?? node.uuid} but could not start manage`, () =>
          lab.conductor.setProvisionState(node.uuid, 'manage'),
        );
      }
      return { uuid: node.uuid, name: node.name ?? node.uuid };
    }),
} satisfies TRPCRouterRecord;
