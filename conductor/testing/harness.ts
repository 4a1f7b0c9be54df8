import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, FakeClock, type Logger } from '../../lib';
import type { Inventory } from '../../protocol';
import { createApiServer } from '../api/server';
import { FakePower } from '../bmc/fake-power';
import type { PowerDriver } from '../bmc/power-driver';
import { PowerService } from '../bmc/power-service';
import { RedfishDispatchers } from '../bmc/redfish-client';
import { RedfishPower } from '../bmc/redfish-power';
import { IpmiPower } from '../bmc/ipmi-power';
import { openDatabase, type OpenDatabase } from '../db/database';
import { NodeStore } from '../db/node-store';
import { ChangeBus, type NodeChange } from '../nodes/change-bus';
import { NodeLocks } from '../nodes/node-locks';
import { WorkerPool } from '../nodes/worker-pool';
import { NodeService } from '../nodes/node-service';
import { RamdiskService, type RamdiskOptions } from '../nodes/ramdisk-service';
import { Agent } from 'undici';
import { AgentClient } from '../agent/agent-client';
import { Cleaning } from '../provision/cleaning';
import { Adopting } from '../provision/adopting';
import { Deploying } from '../provision/deploying';
import type { EraseSettings } from '../provision/erase-settings';
import { ProvisionService } from '../provision/provision-service';
import { RamdiskBoot } from '../provision/ramdisk-boot';
import { Rescuing } from '../provision/rescuing';
import { Servicing } from '../provision/servicing';

export const BASE_URL = 'http://ironic.test:6385';

export function silentLogger(): Logger {
  return createLogger({ name: 'test', level: process.env.TEST_LOG ?? 'silent' });
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'conductor-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Harness {
  clock: FakeClock;
  db: OpenDatabase;
  nodes: NodeService;
  ramdisk: RamdiskService;
  power: PowerService;
  locks: NodeLocks;
  dispatchers: RedfishDispatchers;
  cleaning: Cleaning;
  deploying: Deploying;
  rescuing: Rescuing;
  servicing: Servicing;
  pool: WorkerPool;
  provision: ProvisionService;
  api: FastifyInstance;
  /** Waits for all background work (heartbeat processing, power, provisioning). */
  idle(): Promise<void>;
  changes: NodeChange[];
  close(): Promise<void>;
}

/** The conductor's services over a temp database, with the API ready for `inject`. */
export function createHarness(
  opts: Partial<RamdiskOptions> & {
    automatedClean?: boolean;
    workersPoolSize?: number;
    maxConcurrentClean?: number;
    maxConcurrentDeploy?: number;
    erase?: Partial<EraseSettings>;
  } = {},
): Harness {
  const tmp = tempDir();
  const clock = new FakeClock();
  const logger = silentLogger();
  const db = openDatabase(tmp.dir);
  const locks = new NodeLocks();
  const bus = new ChangeBus(logger);
  const changes: NodeChange[] = [];
  bus.subscribe((c) => changes.push(c));
  const nodes = new NodeService({
    store: new NodeStore(db.db),
    locks,
    bus,
    clock,
    logger,
    view: () => ({ baseUrl: BASE_URL, conductorName: 'test-host', reservation: () => null }),
  });
  const pool = new WorkerPool({ size: opts.workersPoolSize });
  const ramdisk = new RamdiskService(
    nodes,
    { fastTrack: true, autoDiscovery: false, heartbeatTimeoutS: 300, pool, ...opts },
    logger,
  );
  const dispatchers = new RedfishDispatchers();
  const drivers = new Map<string, PowerDriver>([
    ['redfish', new RedfishPower({ clock, dispatchers })],
    ['ipmi', new IpmiPower({ clock })],
    ['fake-hardware', new FakePower()],
  ]);
  const power = new PowerService(nodes, drivers, logger, pool);
  const agentDispatcher = new Agent();
  const boot = new RamdiskBoot(nodes, power, logger);
  const agentClient = new AgentClient({ dispatcher: agentDispatcher, clock });
  const cleaning = new Cleaning({
    nodes,
    power,
    agent: agentClient,
    boot,
    clock,
    logger,
    fastTrack: opts.fastTrack ?? true,
    automatedClean: opts.automatedClean ?? true,
    erase: opts.erase,
  });
  const deploying = new Deploying({
    nodes,
    power,
    agent: agentClient,
    boot,
    cleaning,
    clock,
    logger,
    fastTrack: opts.fastTrack ?? true,
  });
  const rescuing = new Rescuing({ nodes, power, agent: agentClient, boot, logger });
  const servicing = new Servicing({
    nodes,
    power,
    agent: agentClient,
    boot,
    clock,
    logger,
    fastTrack: opts.fastTrack ?? true,
  });
  const adopting = new Adopting(nodes, power, logger);
  const provision = new ProvisionService({
    nodes,
    power,
    cleaning,
    deploying,
    rescuing,
    adopting,
    servicing,
    boot,
    logger,
    pool,
    maxConcurrentClean: opts.maxConcurrentClean,
    maxConcurrentDeploy: opts.maxConcurrentDeploy,
  });
  ramdisk.continuation = (row) => provision.onHeartbeat(row);
  const api = createApiServer({
    nodes,
    ramdisk,
    power,
    provision,
    logger,
    baseUrl: () => BASE_URL,
  });
  const idle = async () => {
    for (let i = 0; i < 5; i++) {
      await Promise.all([ramdisk.idle(), power.idle(), provision.idle()]);
    }
  };
  return {
    clock,
    db,
    nodes,
    ramdisk,
    power,
    locks,
    dispatchers,
    cleaning,
    deploying,
    rescuing,
    servicing,
    pool,
    provision,
    api,
    changes,
    idle,
    async close() {
      await api.close();
      await idle();
      await dispatchers.close();
      await agentClient.close();
      await agentDispatcher.close();
      db.close();
      tmp.remove();
    },
  };
}

/** Ironic's error body, decoded: JSON inside the `error_message` string. */
export function faultOf(body: string): { faultstring: string; faultcode: string; debuginfo: null } {
  const outer = JSON.parse(body) as { error_message: string };
  return JSON.parse(outer.error_message) as {
    faultstring: string;
    faultcode: string;
    debuginfo: null;
  };
}

export const V = (version: string) => ({ 'x-openstack-ironic-api-version': version });

export function sampleInventory(macs: string[] = ['52:54:00:12:34:56']): Inventory {
  return {
    interfaces: macs.map((mac, i) => ({
      name: `eth${i}`,
      mac_address: mac,
      ipv4_address: `192.0.2.${10 + i}`,
      ipv6_address: null,
      has_carrier: true,
      lldp: null,
      vendor: '0x8086',
      product: '0x1572',
      client_id: null,
      biosdevname: null,
      speed_mbps: 10000,
      pci_address: null,
      driver: 'i40e',
    })),
    cpu: {
      model_name: 'Xeon',
      frequency: '2400',
      count: 16,
      architecture: 'x86_64',
      flags: ['vmx'],
      socket_count: 1,
    },
    disks: [
      {
        name: '/dev/sda',
        model: 'disk',
        size: 480 * 2 ** 30,
        rotational: false,
        wwn: null,
        serial: 'S1',
        vendor: 'ATA',
        wwn_with_extension: null,
        wwn_vendor_extension: null,
        hctl: '0:0:0:0',
        by_path: null,
        logical_sectors: 512,
        physical_sectors: 4096,
        tran: 'sata',
      },
    ],
    memory: { total: 64 * 2 ** 30, physical_mb: 65536 },
    bmc_address: '192.0.2.200',
    bmc_v6address: null,
    system_vendor: {
      product_name: 'Sim',
      serial_number: 'SN1',
      manufacturer: 'Lab',
      firmware: { vendor: 'Lab', version: '1.0', build_date: '2026-01-01' },
    },
    boot: { current_boot_mode: 'uefi', pxe_interface: macs[0] ?? null },
    hostname: 'localhost',
  };
}
