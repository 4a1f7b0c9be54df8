import { timingSafeEqual } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from '../../../lib';
import {
  BOOT_MODES,
  BOOT_OVERRIDE_ENABLED,
  BOOT_SOURCE_TARGETS,
  RESET_TYPES,
  type ResetType,
  RedfishMessage,
} from '../../../protocol';
import type { Machine } from '../../machine';
import type { MachineDirectory } from '../directory';
import {
  LocalMessage,
  RedfishHttpError,
  httpError,
  notFound,
  sendError,
  unauthorized,
} from './errors';
import { ifMatchSatisfied, withEtag } from './etag';
import { SYSTEMS, systemPath, systemResource } from './system-resource';

export interface RedfishAppOptions {
  directory: MachineDirectory;
  logger?: Logger;
  /** Service UUID reported in the ServiceRoot. */
  serviceUuid?: string;
}

const SERVICE_ROOT = '/redfish/v1';

/**
 * One Redfish service for a whole fleet, as sushy-tools' emulator serves many Systems on one
 * port. Each System answers only to its own BMC credentials; the routes translate requests into
 * calls on the machine model and every failure into a Redfish error body.
 */
export function createRedfishApp(options: RedfishAppOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : {}),
    // Thousands of BMCs polled every few seconds would drown the log in request lines.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
  });
  const { directory } = options;
  const serviceUuid = options.serviceUuid ?? '92384634-2938-2342-8820-489239905423';

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof RedfishHttpError) return sendError(reply, error);
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(
        reply,
        httpError(
          415,
          LocalMessage.UnsupportedMediaType,
          'The request specified a media type that is not supported.',
        ),
      );
    }
    if (status === 400 || error.code?.startsWith('FST_ERR_CTP') === true) {
      return sendError(
        reply,
        httpError(
          400,
          RedfishMessage.MalformedJSON,
          'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
        ),
      );
    }
    options.logger?.error({ err: error }, 'redfish handler failed');
    return sendError(
      reply,
      httpError(
        status >= 400 ? status : 500,
        RedfishMessage.GeneralError,
        'A general error has occurred. See ExtendedInfo for more information.',
      ),
    );
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, notFound(request.url)));

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('OData-Version', '4.0');
    return payload;
  });

  app.get('/redfish', (_request, reply) => reply.send({ v1: `${SERVICE_ROOT}/` }));

  app.get(SERVICE_ROOT, (_request, reply) =>
    reply.send({
      '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
      '@odata.id': `${SERVICE_ROOT}/`,
      Id: 'RootService',
      Name: 'Simulated Redfish Service',
      RedfishVersion: '1.11.0',
      UUID: serviceUuid,
      Systems: { '@odata.id': SYSTEMS },
      Links: {},
    }),
  );

  app.get(SYSTEMS, (request, reply) => {
    const credentials = basicCredentials(request);
    if (!credentials) throw unauthorized();
    const members = [...directory.list()].filter(
      (m) => !m.faults.bmcUnreachable && credentialsMatch(m, credentials),
    );
    if (members.length === 0) throw unauthorized();
    return reply.send({
      '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
      '@odata.id': SYSTEMS,
      Name: 'Computer System Collection',
      'Members@odata.count': members.length,
      Members: members.map((m) => ({ '@odata.id': systemPath(m) })),
    });
  });

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id`, async (request, reply) => {
    const machine = authorize(directory, request, reply);
    if (!machine) return reply;
    const { body, etag } = withEtag(systemResource(machine));
    return reply.header('ETag', etag).send(body);
  });

  app.patch<{ Params: { id: string }; Body: unknown }>(`${SYSTEMS}/:id`, async (request, reply) => {
    const machine = authorize(directory, request, reply);
    if (!machine) return reply;
    const current = withEtag(systemResource(machine));
    if (!ifMatchSatisfied(request.headers['if-match'], current.etag)) {
      throw httpError(
        412,
        RedfishMessage.PreconditionFailed,
        'The ETag supplied did not match the ETag required to change this resource.',
      );
    }
    applySystemPatch(machine, request.body);
    const { body, etag } = withEtag(systemResource(machine));
    return reply.header('ETag', etag).send(body);
  });

  app.post<{ Params: { id: string }; Body: unknown }>(
    `${SYSTEMS}/:id/Actions/ComputerSystem.Reset`,
    async (request, reply) => {
      const machine = authorize(directory, request, reply);
      if (!machine) return reply;
      const resetType = parseResetType(request.body);
      if (!machine.faults.powerActionIgnored) await reset(machine, resetType);
      return reply.code(204).send();
    },
  );

  return app;
}

/**
 * The machine a request addresses, after the BMC-level faults and the credential check; null
 * once the reply has been dealt with (an unreachable BMC drops the connection).
 */
function authorize(
  directory: MachineDirectory,
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Machine | null {
  const machine = directory.get(request.params.id);
  if (!machine) throw notFound(request.url);
  if (machine.faults.bmcUnreachable) {
    void reply.hijack();
    request.raw.socket.destroy();
    return null;
  }
  if (machine.faults.bmcError) {
    throw httpError(
      500,
      RedfishMessage.GeneralError,
      'A general error has occurred. See ExtendedInfo for more information.',
    );
  }
  const credentials = basicCredentials(request);
  if (!credentials || !credentialsMatch(machine, credentials)) {
    void reply.header('WWW-Authenticate', 'Basic realm="Redfish"');
    throw unauthorized();
  }
  return machine;
}

interface Credentials {
  username: string;
  password: string;
}

function basicCredentials(request: FastifyRequest): Credentials | null {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function credentialsMatch(machine: Machine, credentials: Credentials): boolean {
  const { bmc } = machine.spec;
  return (
    safeEqual(credentials.username, bmc.username) && safeEqual(credentials.password, bmc.password)
  );
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseResetType(body: unknown): ResetType {
  if (!isObject(body)) {
    throw httpError(
      400,
      RedfishMessage.MalformedJSON,
      'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    );
  }
  for (const key of Object.keys(body)) {
    if (key !== 'ResetType') {
      throw httpError(
        400,
        RedfishMessage.ActionParameterUnknown,
        `The action ComputerSystem.Reset was submitted with the invalid parameter ${key}.`,
        ['ComputerSystem.Reset', key],
      );
    }
  }
  const value = body.ResetType;
  if (value === undefined) {
    throw httpError(
      400,
      LocalMessage.ActionParameterMissing,
      'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.',
      ['ComputerSystem.Reset', 'ResetType'],
    );
  }
  if (typeof value !== 'string' || !(RESET_TYPES as readonly string[]).includes(value)) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    throw httpError(
      400,
      RedfishMessage.ActionParameterValueNotInList,
      `The value ${shown} for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`,
      [shown, 'ResetType', 'ComputerSystem.Reset'],
    );
  }
  return value as ResetType;
}

async function reset(machine: Machine, type: ResetType): Promise<void> {
  switch (type) {
    case 'On':
    case 'ForceOn':
      machine.powerOn();
      return;
    case 'ForceOff':
      await machine.powerOff();
      return;
    case 'GracefulShutdown':
      machine.gracefulShutdown();
      return;
    case 'GracefulRestart':
      await machine.gracefulRestart();
      return;
    case 'ForceRestart':
      await machine.reset();
      return;
    case 'PowerCycle':
      await machine.powerCycle();
      return;
    case 'Nmi':
      machine.nmi();
      return;
    case 'PushPowerButton':
      machine.pushPowerButton();
      return;
  }
}

const BOOT_KEYS = [
  'BootSourceOverrideTarget',
  'BootSourceOverrideEnabled',
  'BootSourceOverrideMode',
] as const;

/** Validates the whole PATCH before applying any of it, so a bad request changes nothing. */
function applySystemPatch(machine: Machine, body: unknown): void {
  if (!isObject(body)) {
    throw httpError(
      400,
      RedfishMessage.MalformedJSON,
      'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
    );
  }
  const boot = body.Boot;
  for (const key of Object.keys(body)) {
    if (key === 'Boot' || key.startsWith('@odata.')) continue;
    if (key === 'AssetTag' || key === 'IndicatorLED') continue;
    throw httpError(
      400,
      RedfishMessage.PropertyUnknown,
      `The property ${key} is not in the list of valid properties for the resource.`,
      [key],
    );
  }
  if (boot === undefined) return;
  if (!isObject(boot)) {
    throw httpError(
      400,
      LocalMessage.PropertyValueTypeError,
      `The value ${JSON.stringify(boot)} for the property Boot is of a different type than the property can accept.`,
      [JSON.stringify(boot), 'Boot'],
    );
  }
  for (const key of Object.keys(boot)) {
    if (!(BOOT_KEYS as readonly string[]).includes(key)) {
      throw httpError(
        400,
        RedfishMessage.PropertyUnknown,
        `The property ${key} is not in the list of valid properties for the resource.`,
        [`Boot/${key}`],
      );
    }
  }
  const target = checkEnum(boot, 'BootSourceOverrideTarget', BOOT_SOURCE_TARGETS);
  const enabled = checkEnum(boot, 'BootSourceOverrideEnabled', BOOT_OVERRIDE_ENABLED);
  const mode = checkEnum(boot, 'BootSourceOverrideMode', BOOT_MODES);
  if (target !== undefined || enabled !== undefined) {
    // Setting a target without saying for how long means "next boot", as on most BMCs.
    const effectiveEnabled =
      enabled ??
      (target !== undefined && machine.bootOverride.enabled === 'Disabled' ? 'Once' : undefined);
    machine.setBootOverride({
      ...(target !== undefined ? { target } : {}),
      ...(effectiveEnabled !== undefined ? { enabled: effectiveEnabled } : {}),
    });
  }
  if (mode !== undefined) machine.setBootMode(mode);
}

function checkEnum<T extends string>(
  object: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    throw httpError(
      400,
      RedfishMessage.PropertyValueNotInList,
      `The value ${shown} for the property ${key} is not in the list of acceptable values.`,
      [shown, key],
    );
  }
  return value as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
