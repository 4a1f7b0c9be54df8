import type { FastifyInstance } from 'fastify';
import {
  BOOT_MODES,
  BOOT_OVERRIDE_ENABLED,
  BOOT_SOURCE_TARGETS,
  RESET_TYPES,
  type ResetType,
  RedfishMessage,
} from '../../../../protocol';
import type { Machine } from '../../../machine';
import {
  type IdRequest,
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
import { SYSTEMS, systemPath } from '../paths';
import { systemResource } from '../system-resource';

type SubRequest = IdRequest & { params: { id: string; sub: string } };

/** ComputerSystem and what hangs off it: reset, boot override, NICs, CPUs, storage, secure boot. */
export function registerSystemRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get(SYSTEMS, (request, reply) =>
    reply.send(
      collection(
        'ComputerSystemCollection',
        SYSTEMS,
        'Computer System Collection',
        reachableMachines(ctx, request).map(systemPath),
      ),
    ),
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const { body, etag } = withEtag(systemResource(machine));
    return reply.header('ETag', etag).send(body);
  });

  app.patch<{ Params: { id: string }; Body: unknown }>(`${SYSTEMS}/:id`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
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
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const resetType = parseResetType(request.body);
      if (!machine.faults.powerActionIgnored) await reset(machine, resetType);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/EthernetInterfaces`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const base = `${systemPath(machine)}/EthernetInterfaces`;
    return reply.send(
      collection(
        'EthernetInterfaceCollection',
        base,
        'Ethernet Interface Collection',
        machine.spec.nics.map((n) => `${base}/${n.name}`),
      ),
    );
  });

  app.get<{ Params: { id: string; sub: string } }>(
    `${SYSTEMS}/:id/EthernetInterfaces/:sub`,
    (request: SubRequest, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const nic = machine.spec.nics.find((n) => n.name === request.params.sub);
      if (!nic) throw notFound(request.url);
      const up = nic.connected && !machine.faults.linkDown.has(nic.name);
      return reply.send({
        '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface',
        '@odata.id': `${systemPath(machine)}/EthernetInterfaces/${nic.name}`,
        Id: nic.name,
        Name: nic.name,
        MACAddress: nic.mac,
        PermanentMACAddress: nic.mac,
        SpeedMbps: nic.speedMbps > 0 ? nic.speedMbps : null,
        LinkStatus: up ? 'LinkUp' : 'LinkDown',
        InterfaceEnabled: true,
        Status: { State: 'Enabled', Health: 'OK' },
      });
    },
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/Processors`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const base = `${systemPath(machine)}/Processors`;
    const ids = Array.from({ length: machine.spec.cpu.sockets }, (_, i) => `${base}/CPU${i + 1}`);
    return reply.send(collection('ProcessorCollection', base, 'Processors Collection', ids));
  });

  app.get<{ Params: { id: string; sub: string } }>(
    `${SYSTEMS}/:id/Processors/:sub`,
    (request: SubRequest, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const { cpu } = machine.spec;
      const index = /^CPU(\d+)$/.exec(request.params.sub)?.[1];
      if (!index || Number(index) < 1 || Number(index) > cpu.sockets) throw notFound(request.url);
      return reply.send({
        '@odata.type': '#Processor.v1_7_0.Processor',
        '@odata.id': `${systemPath(machine)}/Processors/CPU${index}`,
        Id: `CPU${index}`,
        Name: 'Processor',
        Socket: `CPU ${index}`,
        ProcessorType: 'CPU',
        ProcessorArchitecture: 'x86',
        InstructionSet: cpu.architecture === 'x86_64' ? 'x86-64' : 'ARM-A64',
        Manufacturer: cpu.vendorId === 'GenuineIntel' ? 'Intel(R) Corporation' : 'AMD',
        Model: cpu.modelName,
        MaxSpeedMHz: Math.round(cpu.maxMhz || cpu.mhz),
        TotalCores: cpu.coresPerSocket,
        TotalThreads: cpu.coresPerSocket * cpu.threadsPerCore,
        Status: { State: 'Enabled', Health: 'OK' },
      });
    },
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/SimpleStorage`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const base = `${systemPath(machine)}/SimpleStorage`;
    return reply.send(
      collection(
        'SimpleStorageCollection',
        base,
        'Simple Storage Collection',
        controllers(machine).map((c) => `${base}/${c}`),
      ),
    );
  });

  app.get<{ Params: { id: string; sub: string } }>(
    `${SYSTEMS}/:id/SimpleStorage/:sub`,
    (request: SubRequest, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const disks = disksOf(machine, request.params.sub);
      if (disks.length === 0) throw notFound(request.url);
      return reply.send({
        '@odata.type': '#SimpleStorage.v1_2_0.SimpleStorage',
        '@odata.id': `${systemPath(machine)}/SimpleStorage/${request.params.sub}`,
        Id: request.params.sub,
        Name: `${request.params.sub} controller`,
        Devices: disks.map((d) => ({
          Name: d.spec.name,
          Manufacturer: d.spec.vendor || undefined,
          Model: d.spec.model,
          CapacityBytes: d.spec.sizeBytes,
          Status: {
            State: 'Enabled',
            Health: machine.faults.failedDisks.has(d.spec.name) ? 'Critical' : 'OK',
          },
        })),
        Status: { State: 'Enabled', Health: 'OK' },
      });
    },
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/Storage`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const base = `${systemPath(machine)}/Storage`;
    return reply.send(
      collection(
        'StorageCollection',
        base,
        'Storage Collection',
        controllers(machine).map((c) => `${base}/${c}`),
      ),
    );
  });

  app.get<{ Params: { id: string; sub: string } }>(
    `${SYSTEMS}/:id/Storage/:sub`,
    (request: SubRequest, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const disks = disksOf(machine, request.params.sub);
      if (disks.length === 0) throw notFound(request.url);
      const base = `${systemPath(machine)}/Storage/${request.params.sub}`;
      return reply.send({
        '@odata.type': '#Storage.v1_8_0.Storage',
        '@odata.id': base,
        Id: request.params.sub,
        Name: `${request.params.sub} controller`,
        'Drives@odata.count': disks.length,
        Drives: disks.map((d) => odataId(`${base}/Drives/${d.spec.name}`)),
        Status: { State: 'Enabled', Health: 'OK' },
      });
    },
  );

  app.get<{ Params: { id: string; sub: string; drive: string } }>(
    `${SYSTEMS}/:id/Storage/:sub/Drives/:drive`,
    (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const disk = disksOf(machine, request.params.sub).find(
        (d) => d.spec.name === request.params.drive,
      );
      if (!disk) throw notFound(request.url);
      const { spec } = disk;
      return reply.send({
        '@odata.type': '#Drive.v1_9_0.Drive',
        '@odata.id': `${systemPath(machine)}/Storage/${request.params.sub}/Drives/${spec.name}`,
        Id: spec.name,
        Name: spec.name,
        Model: spec.model,
        Manufacturer: spec.vendor || undefined,
        SerialNumber: spec.serial,
        CapacityBytes: spec.sizeBytes,
        MediaType: spec.kind === 'hdd' ? 'HDD' : 'SSD',
        Protocol: { sata: 'SATA', sas: 'SAS', nvme: 'NVMe', virtio: 'PCIe' }[spec.transport],
        BlockSizeBytes: spec.logicalSectorSize,
        Status: {
          State: 'Enabled',
          Health: machine.faults.failedDisks.has(spec.name) ? 'Critical' : 'OK',
        },
      });
    },
  );

  app.get<{ Params: { id: string } }>(`${SYSTEMS}/:id/SecureBoot`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    return reply.send(secureBootResource(machine));
  });

  app.patch<{ Params: { id: string }; Body: unknown }>(
    `${SYSTEMS}/:id/SecureBoot`,
    (request, reply) => {
      const machine = machineFor(ctx, request, reply);
      if (!machine) return reply;
      const body = request.body;
      if (!isObject(body)) throw malformed();
      for (const key of Object.keys(body)) {
        if (key !== 'SecureBootEnable') {
          throw httpError(
            400,
            RedfishMessage.PropertyUnknown,
            `The property ${key} is not in the list of valid properties for the resource.`,
            [key],
          );
        }
      }
      if (typeof body.SecureBootEnable !== 'boolean') {
        throw httpError(
          400,
          LocalMessage.PropertyValueTypeError,
          `The value ${JSON.stringify(body.SecureBootEnable)} for the property SecureBootEnable is of a different type than the property can accept.`,
          [JSON.stringify(body.SecureBootEnable), 'SecureBootEnable'],
        );
      }
      if (body.SecureBootEnable && machine.bootMode !== 'UEFI') {
        throw httpError(
          409,
          RedfishMessage.OperationNotAllowed,
          'Secure boot requires the UEFI boot mode.',
        );
      }
      machine.setSecureBoot(body.SecureBootEnable);
      return reply.send(secureBootResource(machine));
    },
  );
}

function secureBootResource(machine: Machine) {
  return {
    '@odata.type': '#SecureBoot.v1_1_0.SecureBoot',
    '@odata.id': `${systemPath(machine)}/SecureBoot`,
    Id: 'SecureBoot',
    Name: 'UEFI Secure Boot',
    SecureBootEnable: machine.secureBoot,
    SecureBootCurrentBoot: machine.secureBoot && machine.poweredOn ? 'Enabled' : 'Disabled',
    SecureBootMode: 'DeployedMode',
  };
}

/** Storage controllers by name: one per transport, as an HBA, AHCI or NVMe controller. */
function controllers(machine: Machine): string[] {
  return [...new Set(machine.spec.disks.map((d) => controllerName(d.transport)))];
}

function controllerName(transport: string): string {
  return { sata: 'AHCI', sas: 'HBA', nvme: 'NVMe', virtio: 'VirtIO' }[transport] ?? 'Storage';
}

function disksOf(machine: Machine, controller: string) {
  return machine.disks.filter((d) => controllerName(d.spec.transport) === controller);
}

function parseResetType(body: unknown): ResetType {
  if (!isObject(body)) throw malformed();
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
  if (!isObject(body)) throw malformed();
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
  const led = checkEnum(body, 'IndicatorLED', ['Lit', 'Blinking', 'Off'] as const);
  const tag = body.AssetTag;
  if (tag !== undefined && (typeof tag !== 'string' || tag.length > 64)) {
    throw httpError(
      400,
      LocalMessage.PropertyValueTypeError,
      `The value ${JSON.stringify(tag)} for the property AssetTag is of a different type than the property can accept.`,
      [JSON.stringify(tag), 'AssetTag'],
    );
  }
  if (boot !== undefined) applyBootPatch(machine, boot);
  if (led !== undefined) machine.setIndicatorLed(led);
  if (typeof tag === 'string') machine.setAssetTag(tag);
}

function applyBootPatch(machine: Machine, boot: unknown): void {
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
    // A target without a duration means "next boot", as on most BMCs.
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
