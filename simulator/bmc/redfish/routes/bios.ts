import type { FastifyInstance } from 'fastify';
import { RedfishMessage } from '../../../../protocol';
import type { Machine } from '../../../machine';
import { type RedfishContext, isObject, machineFor, malformed, odataId } from '../context';
import { httpError } from '../errors';
import { ifMatchSatisfied, withEtag } from '../etag';
import { SYSTEMS, systemPath } from '../paths';

/**
 * The BIOS resource with a separate settings object (`@Redfish.Settings`), the layout sushy
 * expects: PATCH stages attributes on /Bios/Settings, the next reset applies them.
 */
export function registerBiosRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/Bios`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const { body, etag } = withEtag(biosResource(machine));
    return reply.header('ETag', etag).send(body);
  });

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/Bios/Settings`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const { body, etag } = withEtag(settingsResource(machine));
    return reply.header('ETag', etag).send(body);
  });

  app.patch<{ Params: { id: string }; Body: unknown }>(
    `${SYSTEMS}/:id/Bios/Settings`,
    (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const current = withEtag(settingsResource(machine));
      if (!ifMatchSatisfied(request.headers['if-match'], current.etag)) {
        throw httpError(
          412,
          RedfishMessage.PreconditionFailed,
          'The ETag supplied did not match the ETag required to change this resource.',
        );
      }
      const body = request.body;
      if (!isObject(body) || !isObject(body.Attributes)) throw malformed();
      for (const key of Object.keys(body)) {
        if (key !== 'Attributes' && key !== '@Redfish.SettingsApplyTime') {
          throw httpError(
            400,
            RedfishMessage.PropertyUnknown,
            `The property ${key} is not in the list of valid properties for the resource.`,
            [key],
          );
        }
      }
      try {
        machine.stageBiosChanges(body.Attributes);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw httpError(
          400,
          RedfishMessage.PropertyValueNotInList,
          `The BIOS settings were refused: ${message}.`,
          [message, 'Attributes'],
        );
      }
      return reply.code(202).send(settingsResource(machine));
    },
  );

  app.post<{ Params: { id: string } }>(
    `${SYSTEMS}/:id/Bios/Actions/Bios.ResetBios`,
    (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      machine.stageBiosReset();
      return reply.code(204).send();
    },
  );
}

function biosResource(machine: Machine): Record<string, unknown> {
  const path = `${systemPath(machine)}/Bios`;
  return {
    '@odata.type': '#Bios.v1_1_0.Bios',
    '@odata.id': path,
    Id: 'BIOS',
    Name: 'BIOS Configuration Current Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: machine.biosAttributes,
    '@Redfish.Settings': {
      '@odata.type': '#Settings.v1_3_0.Settings',
      SettingsObject: odataId(`${path}/Settings`),
      SupportedApplyTimes: ['OnReset'],
    },
    Actions: {
      '#Bios.ResetBios': { target: `${path}/Actions/Bios.ResetBios` },
    },
  };
}

function settingsResource(machine: Machine): Record<string, unknown> {
  return {
    '@odata.type': '#Bios.v1_1_0.Bios',
    '@odata.id': `${systemPath(machine)}/Bios/Settings`,
    Id: 'Settings',
    Name: 'BIOS Configuration Pending Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: machine.pendingBiosAttributes ?? {},
  };
}
