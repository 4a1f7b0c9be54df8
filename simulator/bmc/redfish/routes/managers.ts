import type { FastifyInstance } from 'fastify';
import { RedfishMessage } from '../../../../protocol';
import type { Machine, MediaDevice } from '../../../machine';
import {
  type RedfishContext,
  collection,
  isObject,
  machineFor,
  malformed,
  odataId,
  reachableMachines,
} from '../context';
import { LocalMessage, httpError, notFound } from '../errors';
import { ifMatchSatisfied, withEtag } from '../etag';
import {
  MANAGERS,
  SYSTEMS,
  chassisPath,
  managerPath,
  systemPath,
  virtualMediaPath,
} from '../paths';

const DEVICES: Record<string, { device: MediaDevice; name: string; types: string[] }> = {
  Cd: { device: 'Cd', name: 'Virtual CD', types: ['CD', 'DVD'] },
  Usb: { device: 'Usb', name: 'Virtual USB', types: ['USBStick'] },
};

const TRANSFER_PROTOCOLS = ['HTTP', 'HTTPS', 'NFS', 'CIFS'];

/** The BMC itself (one Manager per machine) and its virtual media. */
/** What a client may set on a virtual media slot, by PATCH or through InsertMedia. */
const MEDIA_PROPERTIES = [
  'Image',
  'Inserted',
  'WriteProtected',
  'TransferProtocolType',
  'TransferMethod',
  'UserName',
  'Password',
];

export function registerManagerRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get(MANAGERS, (request, reply) =>
    reply.send(
      collection(
        'ManagerCollection',
        MANAGERS,
        'Manager Collection',
        reachableMachines(ctx, request).map(managerPath),
      ),
    ),
  );

  app.get<{ Params: { id: string } }>(`${MANAGERS}/:id`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const path = managerPath(machine);
    return reply.send({
      '@odata.type': '#Manager.v1_10_0.Manager',
      '@odata.id': path,
      Id: machine.id,
      Name: `BMC of ${machine.spec.name}`,
      ManagerType: 'BMC',
      Model: `${machine.spec.system.manufacturer} BMC`,
      UUID: machine.spec.system.uuid.replace(/^.{8}/, 'b3c0b3c0'),
      FirmwareVersion: ctx.firmware.get(machine.id) ?? '4.40.00.00',
      DateTime: new Date(ctx.clock.now()).toISOString(),
      PowerState: 'On',
      Status: { State: 'Enabled', Health: 'OK' },
      VirtualMedia: odataId(virtualMediaPath(machine)),
      Links: {
        ManagerForServers: [odataId(systemPath(machine))],
        ManagerForChassis: [odataId(chassisPath(machine))],
      },
      Actions: {
        '#Manager.Reset': {
          target: `${path}/Actions/Manager.Reset`,
          'ResetType@Redfish.AllowableValues': ['GracefulRestart', 'ForceRestart'],
        },
      },
    });
  });

  app.post<{ Params: { id: string } }>(
    `${MANAGERS}/:id/Actions/Manager.Reset`,
    (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      // The simulated BMC restarts instantly; the host keeps running, as on real servers.
      return reply.code(204).send();
    },
  );

  // Served under the Manager (where Ironic's sushy looks) and under the System (where newer
  // sushy and sushy-tools put it); both name the same drives.
  for (const [prefix, mediaBase] of [
    [MANAGERS, virtualMediaPath],
    [SYSTEMS, (m: Machine) => `${systemPath(m)}/VirtualMedia`],
  ] as const) {
    app.get<{ Params: { id: string } }>(`${prefix}/:id/VirtualMedia`, (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const base = mediaBase(machine);
      return reply.send(
        collection(
          'VirtualMediaCollection',
          base,
          'Virtual Media Services',
          Object.keys(DEVICES).map((d) => `${base}/${d}`),
        ),
      );
    });

    app.get<{ Params: { id: string; dev: string } }>(
      `${prefix}/:id/VirtualMedia/:dev`,
      (request, reply) => {
        const machine = machineFor(ctx, request, reply);
        if (!machine) return reply;
        const device = DEVICES[request.params.dev];
        if (!device) throw notFound(request.url);
        const { body, etag } = withEtag(
          mediaResource(machine, request.params.dev, mediaBase(machine)),
        );
        return reply.header('ETag', etag).send(body);
      },
    );

    app.patch<{ Params: { id: string; dev: string }; Body: unknown }>(
      `${prefix}/:id/VirtualMedia/:dev`,
      (request, reply) => {
        const machine = machineFor(ctx, request, reply);
        if (!machine) return reply;
        const device = DEVICES[request.params.dev];
        if (!device) throw notFound(request.url);
        const current = withEtag(mediaResource(machine, request.params.dev, mediaBase(machine)));
        if (!ifMatchSatisfied(request.headers['if-match'], current.etag)) {
          throw httpError(
            412,
            RedfishMessage.PreconditionFailed,
            'The ETag supplied did not match the ETag required to change this resource.',
          );
        }
        const body = request.body;
        if (!isObject(body)) throw malformed();
        const insert = parseInsert(body, false);
        if (insert.image === null || insert.inserted === false) machine.ejectMedia(device.device);
        else if (insert.image !== undefined)
          machine.insertMedia(device.device, insert.image, insert.writeProtected);
        const { body: updated, etag } = withEtag(
          mediaResource(machine, request.params.dev, mediaBase(machine)),
        );
        return reply.header('ETag', etag).send(updated);
      },
    );

    app.post<{ Params: { id: string; dev: string }; Body: unknown }>(
      `${prefix}/:id/VirtualMedia/:dev/Actions/VirtualMedia.InsertMedia`,
      (request, reply) => {
        const machine = machineFor(ctx, request, reply);
        if (!machine) return reply;
        const device = DEVICES[request.params.dev];
        if (!device) throw notFound(request.url);
        const body = request.body;
        if (!isObject(body)) throw malformed();
        const insert = parseInsert(body, true);
        if (insert.inserted === false) machine.ejectMedia(device.device);
        else machine.insertMedia(device.device, insert.image!, insert.writeProtected);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: { id: string; dev: string }; Body: unknown }>(
      `${prefix}/:id/VirtualMedia/:dev/Actions/VirtualMedia.EjectMedia`,
      (request, reply) => {
        const machine = machineFor(ctx, request, reply);
        if (!machine) return reply;
        const device = DEVICES[request.params.dev];
        if (!device) throw notFound(request.url);
        if (request.body !== undefined && request.body !== null && !isObject(request.body))
          throw malformed();
        machine.ejectMedia(device.device);
        return reply.code(204).send();
      },
    );
  }
}

interface InsertRequest {
  image: string | null | undefined;
  inserted: boolean | undefined;
  writeProtected: boolean;
}

function parseInsert(body: Record<string, unknown>, imageRequired: boolean): InsertRequest {
  for (const key of Object.keys(body)) {
    if (!MEDIA_PROPERTIES.includes(key)) {
      throw httpError(
        400,
        RedfishMessage.ActionParameterUnknown,
        `The action VirtualMedia.InsertMedia was submitted with the invalid parameter ${key}.`,
        ['VirtualMedia.InsertMedia', key],
      );
    }
  }
  const image = body.Image;
  if (imageRequired && image === undefined) {
    throw httpError(
      400,
      LocalMessage.ActionParameterMissing,
      'The action VirtualMedia.InsertMedia requires the parameter Image to be present in the request body.',
      ['VirtualMedia.InsertMedia', 'Image'],
    );
  }
  if (image !== undefined && image !== null) {
    if (typeof image !== 'string' || !/^(https?|nfs|cifs|smb):\/\/\S+$/i.test(image)) {
      throw httpError(
        400,
        RedfishMessage.PropertyValueNotInList,
        `The value ${JSON.stringify(image)} for the parameter Image is not a URI the BMC can mount.`,
        [JSON.stringify(image), 'Image'],
      );
    }
  }
  for (const key of ['Inserted', 'WriteProtected']) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean') {
      throw httpError(
        400,
        LocalMessage.PropertyValueTypeError,
        `The value ${JSON.stringify(body[key])} for the parameter ${key} is of a different type than the parameter can accept.`,
        [JSON.stringify(body[key]), key],
      );
    }
  }
  const protocol = body.TransferProtocolType;
  if (
    protocol !== undefined &&
    (typeof protocol !== 'string' || !TRANSFER_PROTOCOLS.includes(protocol))
  ) {
    throw httpError(
      400,
      RedfishMessage.PropertyValueNotInList,
      `The value ${JSON.stringify(protocol)} for the parameter TransferProtocolType is not in the list of acceptable values.`,
      [JSON.stringify(protocol), 'TransferProtocolType'],
    );
  }
  return {
    image: image,
    inserted: body.Inserted as boolean | undefined,
    writeProtected: (body.WriteProtected as boolean | undefined) ?? true,
  };
}

function mediaResource(machine: Machine, id: string, base: string): Record<string, unknown> {
  const device = DEVICES[id]!;
  const slot = machine.mediaSlot(device.device);
  const path = `${base}/${id}`;
  return {
    '@odata.type': '#VirtualMedia.v1_4_0.VirtualMedia',
    '@odata.id': path,
    Id: id,
    Name: device.name,
    MediaTypes: device.types,
    Image: slot.image,
    ImageName: slot.image ? slot.image.split('/').pop()! : null,
    Inserted: slot.inserted,
    WriteProtected: slot.writeProtected,
    ConnectedVia: slot.inserted ? 'URI' : 'NotConnected',
    TransferProtocolType: slot.image ? slot.image.split(':')[0]!.toUpperCase() : null,
    Actions: {
      '#VirtualMedia.InsertMedia': { target: `${path}/Actions/VirtualMedia.InsertMedia` },
      '#VirtualMedia.EjectMedia': { target: `${path}/Actions/VirtualMedia.EjectMedia` },
    },
  };
}
