import type { FastifyInstance } from 'fastify';
import type { Machine } from '../../../machine';
import {
  type RedfishContext,
  collection,
  machineFor,
  odataId,
  reachableMachines,
} from '../context';
import { CHASSIS, chassisPath, managerPath, systemPath } from '../paths';
import { powerState } from '../system-resource';

/** The enclosure: identity, power, and thermal readings that follow the machine's load. */
export function registerChassisRoutes(app: FastifyInstance, ctx: RedfishContext): void {
  app.get(CHASSIS, (request, reply) =>
    reply.send(
      collection(
        'ChassisCollection',
        CHASSIS,
        'Chassis Collection',
        reachableMachines(ctx, request).map(chassisPath),
      ),
    ),
  );

  app.get<{ Params: { id: string } }>(`${CHASSIS}/:id`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    const path = chassisPath(machine);
    const { system } = machine.spec;
    return reply.send({
      '@odata.type': '#Chassis.v1_11_0.Chassis',
      '@odata.id': path,
      Id: machine.id,
      Name: `Chassis of ${machine.spec.name}`,
      ChassisType: system.chassisType === 'Rack Mount Chassis' ? 'RackMount' : 'Other',
      Manufacturer: system.manufacturer,
      Model: system.productName,
      SerialNumber: system.serialNumber,
      PowerState: powerState(machine),
      IndicatorLED: machine.indicatorLed,
      Status: { State: 'Enabled', Health: 'OK' },
      Thermal: odataId(`${path}/Thermal`),
      Links: {
        ComputerSystems: [odataId(systemPath(machine))],
        ManagedBy: [odataId(managerPath(machine))],
      },
    });
  });

  app.get<{ Params: { id: string } }>(`${CHASSIS}/:id/Thermal`, (request, reply) => {
    const machine = machineFor(ctx, request, reply);
    if (!machine) return reply;
    return reply.send(thermal(machine));
  });
}

function thermal(machine: Machine) {
  const path = `${chassisPath(machine)}/Thermal`;
  const on = machine.poweredOn;
  const inlet = 22;
  const cpuTemp = on ? (machine.phase === 'running' ? 48 : 41) : inlet;
  return {
    '@odata.type': '#Thermal.v1_6_0.Thermal',
    '@odata.id': path,
    Id: 'Thermal',
    Name: 'Thermal',
    Temperatures: [
      {
        MemberId: '0',
        Name: 'System Board Inlet Temp',
        ReadingCelsius: inlet,
        PhysicalContext: 'Intake',
        Status: { State: 'Enabled', Health: 'OK' },
      },
      ...Array.from({ length: machine.spec.cpu.sockets }, (_, i) => ({
        MemberId: String(i + 1),
        Name: `CPU${i + 1} Temp`,
        ReadingCelsius: cpuTemp + i,
        PhysicalContext: 'CPU',
        Status: { State: on ? 'Enabled' : 'StandbyOffline', Health: 'OK' },
      })),
    ],
    Fans: [
      {
        MemberId: '0',
        Name: 'Fan 1',
        Reading: on ? 6840 : 0,
        ReadingUnits: 'RPM',
        Status: { State: on ? 'Enabled' : 'StandbyOffline', Health: 'OK' },
      },
      {
        MemberId: '1',
        Name: 'Fan 2',
        Reading: on ? 6720 : 0,
        ReadingUnits: 'RPM',
        Status: { State: on ? 'Enabled' : 'StandbyOffline', Health: 'OK' },
      },
    ],
  };
}
