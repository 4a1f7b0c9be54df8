import type { FastifyInstance, FastifyReply } from 'fastify';
import { RedfishMessage } from '../../../../protocol';
import { callerCredentials, credentialsMatch } from '../auth';
import { type RedfishContext, collection, isObject, malformed, odataId } from '../context';
import { LocalMessage, httpError, notFound, unauthorized } from '../errors';
import { TASKS, TASK_MONITORS, TASK_SERVICE, UPDATE_SERVICE, systemPath } from '../paths';
import type { Task } from '../task-store';

/** Simulated time a BMC-driven firmware update takes. */
export const FIRMWARE_UPDATE_MS = 120_000;

/**
 * TaskService with real, clock-driven tasks, and the UpdateService action that starts them:
 * SimpleUpdate answers 202 with a task monitor in Location, as Ironic's firmware steps expect.
 */
export function registerTaskRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get(TASK_SERVICE, (_request, reply) =>
    reply.send({
      '@odata.type': '#TaskService.v1_1_4.TaskService',
      '@odata.id': TASK_SERVICE,
      Id: 'TaskService',
      Name: 'Task Service',
      ServiceEnabled: true,
      CompletedTaskOverWritePolicy: 'Oldest',
      LifeCycleEventOnTaskStateChange: false,
      DateTime: new Date(ctx.clock.now()).toISOString(),
      Status: { State: 'Enabled', Health: 'OK' },
      Tasks: odataId(TASKS),
    }),
  );

  app.get(TASKS, (request, reply) =>
    reply.send(
      collection(
        'TaskCollection',
        TASKS,
        'Task Collection',
        visibleTasks(ctx, request).map((t) => `${TASKS}/${t.id}`),
      ),
    ),
  );

  app.get<{ Params: { tid: string } }>(`${TASKS}/:tid`, (request, reply) => {
    const task = visibleTasks(ctx, request).find((t) => t.id === request.params.tid);
    if (!task) throw notFound(request.url);
    return reply.send(taskResource(ctx, task));
  });

  app.get<{ Params: { tid: string } }>(`${TASK_MONITORS}/:tid`, (request, reply) => {
    const task = visibleTasks(ctx, request).find((t) => t.id === request.params.tid);
    if (!task) throw notFound(request.url);
    return monitor(ctx, task, reply);
  });

  app.get(UPDATE_SERVICE, (_request, reply) =>
    reply.send({
      '@odata.type': '#UpdateService.v1_8_0.UpdateService',
      '@odata.id': UPDATE_SERVICE,
      Id: 'UpdateService',
      Name: 'Update Service',
      ServiceEnabled: true,
      Status: { State: 'Enabled', Health: 'OK' },
      Actions: {
        '#UpdateService.SimpleUpdate': {
          target: `${UPDATE_SERVICE}/Actions/UpdateService.SimpleUpdate`,
          'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'],
        },
      },
    }),
  );

  app.post<{ Body: unknown }>(
    `${UPDATE_SERVICE}/Actions/UpdateService.SimpleUpdate`,
    (request, reply) => {
      const caller = callerCredentials(request, ctx.sessions);
      if (!caller) throw unauthorized();
      const body = request.body;
      if (!isObject(body)) throw malformed();
      const image = body.ImageURI;
      if (typeof image !== 'string' || !/^https?:\/\/\S+$/.test(image)) {
        throw httpError(
          400,
          LocalMessage.ActionParameterMissing,
          'The action UpdateService.SimpleUpdate requires the parameter ImageURI (an HTTP(S) URL).',
          ['UpdateService.SimpleUpdate', 'ImageURI'],
        );
      }
      const targets = Array.isArray(body.Targets)
        ? body.Targets.filter((t): t is string => typeof t === 'string')
        : [];
      const machines = [...ctx.directory.list()].filter((m) => credentialsMatch(m, caller));
      const machine =
        targets.length > 0
          ? machines.find((m) => targets.includes(systemPath(m)))
          : machines.length === 1
            ? machines[0]
            : undefined;
      if (!machine) {
        throw httpError(
          400,
          RedfishMessage.ActionParameterValueNotInList,
          'Targets must name exactly one System these credentials manage.',
          [JSON.stringify(targets), 'Targets', 'UpdateService.SimpleUpdate'],
        );
      }
      const version = /(\d+\.\d+(\.\d+)*)/.exec(image.split('/').pop() ?? '')?.[1] ?? '4.40.10.00';
      const task = ctx.tasks.start('Firmware update', machine.id, FIRMWARE_UPDATE_MS, () => {
        ctx.firmware.set(machine.id, version);
        machine.serial.line(`BMC: firmware update from ${image} applied (version ${version})`);
        return `Firmware update from ${image} completed; version ${version}.`;
      });
      return reply
        .code(202)
        .header('Location', `${TASK_MONITORS}/${task.id}`)
        .send(taskResource(ctx, task));
    },
  );
}

function visibleTasks(
  ctx: RedfishContext,
  request: Parameters<typeof callerCredentials>[0],
): Task[] {
  const caller = callerCredentials(request, ctx.sessions);
  if (!caller) throw unauthorized();
  return ctx.tasks.list().filter((t) => {
    const machine = ctx.directory.get(t.machineId);
    return machine !== undefined && credentialsMatch(machine, caller);
  });
}

function monitor(ctx: RedfishContext, task: Task, reply: FastifyReply) {
  if (task.state === 'Running' || task.state === 'New') {
    return reply
      .code(202)
      .header('Location', `${TASK_MONITORS}/${task.id}`)
      .send(taskResource(ctx, task));
  }
  return reply.code(200).send(taskResource(ctx, task));
}

function taskResource(ctx: RedfishContext, task: Task) {
  return {
    '@odata.type': '#Task.v1_4_3.Task',
    '@odata.id': `${TASKS}/${task.id}`,
    Id: task.id,
    Name: task.name,
    TaskState: task.state,
    TaskStatus: task.status,
    PercentComplete: ctx.tasks.percent(task),
    StartTime: new Date(task.startedAt).toISOString(),
    ...(task.endedAt !== null ? { EndTime: new Date(task.endedAt).toISOString() } : {}),
    TaskMonitor: `${TASK_MONITORS}/${task.id}`,
    Messages: [{ MessageId: 'Base.1.8.Success', Message: task.message, Severity: task.status }],
  };
}
