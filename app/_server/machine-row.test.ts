import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../protocol';
import type { NodeView } from './lab-ports';
import {
  findMachine,
  parseIronicTime,
  stepProgress,
  summariseInventory,
  toMachineRow,
} from './machine-row';

const node: NodeView = {
  uuid: '6f1c2b3a-0000-4000-8000-000000000001',
  name: 'demo-01',
  driver: 'redfish',
  driver_info: {
    redfish_address: 'http://127.0.0.1:8000',
    redfish_system_id: '/redfish/v1/Systems/demo-01',
    redfish_password: '******',
  },
  provision_state: 'manageable',
  target_provision_state: null,
  power_state: 'power on',
  maintenance: false,
  last_error: null,
  properties: {},
  driver_internal_info: {
    agent_url: 'http://10.0.0.5:9999',
    agent_version: '10.1.0',
    agent_last_heartbeat: '2026-01-01T00:00:12.345678',
  },
  created_at: '2026-01-01T00:00:00+00:00',
  updated_at: '2026-01-01T00:00:12+00:00',
  provision_updated_at: null,
};

const disk = (name: string, size: number) => ({
  name: `/dev/${name}`,
  model: null,
  size,
  rotational: false,
  wwn: null,
  serial: null,
  vendor: null,
  wwn_with_extension: null,
  wwn_vendor_extension: null,
  hctl: null,
  by_path: null,
  logical_sectors: null,
  physical_sectors: null,
  tran: null,
});

const inventory = {
  interfaces: [{ name: 'eno1' }, { name: 'eno2' }],
  cpu: {
    model_name: 'Xeon',
    frequency: '2100',
    count: 32,
    architecture: 'x86_64',
    flags: [],
    socket_count: 2,
  },
  disks: [disk('sda', 480e9), disk('nvme0n1', 3.84e12)],
  memory: { total: 137438953472, physical_mb: 131072 },
} as unknown as Inventory;

describe('parseIronicTime', () => {
  it('reads zone-less Ironic timestamps as UTC, microseconds and all', () => {
    expect(parseIronicTime('2026-01-01T00:00:12.345678')).toBe(Date.UTC(2026, 0, 1, 0, 0, 12, 345));
    expect(parseIronicTime('2026-01-01 00:00:12')).toBe(Date.UTC(2026, 0, 1, 0, 0, 12));
  });

  it('honours an explicit offset', () => {
    expect(parseIronicTime('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1));
    expect(parseIronicTime('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
  });

  it('accepts epoch seconds or milliseconds and rejects junk', () => {
    expect(parseIronicTime(1767225600)).toBe(Date.UTC(2026, 0, 1));
    expect(parseIronicTime(1767225600000)).toBe(Date.UTC(2026, 0, 1));
    expect(parseIronicTime('yesterday')).toBeNull();
    expect(parseIronicTime(null)).toBeNull();
    expect(parseIronicTime('')).toBeNull();
  });
});

describe('summariseInventory', () => {
  it('counts CPUs, RAM, disks and NICs', () => {
    expect(summariseInventory(inventory)).toEqual({
      cpus: 32,
      cpuModel: 'Xeon',
      ramMiB: 131072,
      diskCount: 2,
      diskBytes: 480e9 + 3.84e12,
      nicCount: 2,
    });
  });

  it('falls back to total memory when physical_mb is missing', () => {
    const noPhysical = { ...inventory, memory: { total: 8 * 2 ** 30, physical_mb: null } };
    expect(summariseInventory(noPhysical)?.ramMiB).toBe(8192);
  });

  it('is null before inspection', () => {
    expect(summariseInventory(null)).toBeNull();
  });
});

describe('findMachine', () => {
  const machines = [
    { id: 'm-1', name: 'other' },
    { id: 'demo-01', name: 'renamed' },
  ];

  it('matches by the Redfish system id first', () => {
    expect(findMachine(node, [{ id: 'x', name: 'demo-01' }, ...machines])?.id).toBe('demo-01');
  });

  it('falls back to the name', () => {
    const noBmc = { ...node, driver_info: {} };
    expect(findMachine(noBmc, [...machines, { id: 'x', name: 'demo-01' }])?.id).toBe('x');
  });

  it('finds nothing for a node of another lab', () => {
    expect(findMachine({ ...node, name: 'real', driver_info: {} }, machines)).toBeUndefined();
  });
});

describe('toMachineRow', () => {
  it('joins a node, its inventory and its simulated machine', () => {
    const row = toMachineRow(node, inventory, {
      id: 'demo-01',
      name: 'demo-01',
      profile: 'compute-nvme',
      power: 'On',
      agent: 'running',
    });
    expect(row).toMatchObject({
      uuid: node.uuid,
      name: 'demo-01',
      provisionState: 'manageable',
      powerState: 'power on',
      lastHeartbeat: Date.UTC(2026, 0, 1, 0, 0, 12, 345),
      agentUrl: 'http://10.0.0.5:9999',
      agentVersion: '10.1.0',
      bmc: { address: 'http://127.0.0.1:8000', systemId: '/redfish/v1/Systems/demo-01' },
      simulated: { id: 'demo-01', profile: 'compute-nvme', power: 'On', agent: 'running' },
      updatedAt: Date.UTC(2026, 0, 1, 0, 0, 12),
      actions: ['provide', 'inspect'],
    });
    expect(row.inventory?.cpus).toBe(32);
    expect(JSON.stringify(row)).not.toContain('******');
  });

  it('names an unnamed node by its UUID and tolerates a bare node', () => {
    const bare = { ...node, name: null, driver_info: {}, driver_internal_info: {} };
    const row = toMachineRow(bare, null, undefined);
    expect(row).toMatchObject({
      name: node.uuid,
      bmc: null,
      lastHeartbeat: null,
      agentUrl: null,
      simulated: null,
      inventory: null,
    });
  });
});

describe('stepProgress', () => {
  const steps = [
    { interface: 'deploy', step: 'erase_devices_metadata', priority: 99 },
    { interface: 'deploy', step: 'erase_devices', priority: 10 },
  ];

  it('reads the running clean step, its place in the run and the agent progress', () => {
    const cleaning: NodeView = {
      ...node,
      provision_state: 'clean wait',
      clean_step: steps[1]!,
      driver_internal_info: {
        clean_steps: steps,
        clean_step_index: 1,
        clean_step_progress: {
          fraction: 0.25,
          bytes_done: 250,
          bytes_total: 1000,
          bytes_per_second: 50,
          message: 'shredding /dev/sda',
        },
      },
    };
    expect(stepProgress(cleaning)).toEqual({
      kind: 'clean',
      name: 'deploy.erase_devices',
      index: 2,
      total: 2,
      fraction: 0.25,
      bytesDone: 250,
      bytesTotal: 1000,
      bytesPerSecond: 50,
      message: 'shredding /dev/sda',
    });
  });

  it('reads a deploy step without progress', () => {
    const deploying: NodeView = {
      ...node,
      deploy_step: { interface: 'deploy', step: 'write_image' },
      driver_internal_info: { deploy_steps: [{}, {}, {}], deploy_step_index: 0 },
    };
    expect(stepProgress(deploying)).toMatchObject({
      kind: 'deploy',
      name: 'deploy.write_image',
      index: 1,
      total: 3,
      fraction: null,
    });
  });

  it('is null between steps (Ironic leaves an empty object)', () => {
    expect(stepProgress({ ...node, clean_step: {}, deploy_step: null })).toBeNull();
    expect(stepProgress(node)).toBeNull();
  });
});
