import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { createLogger, ScaledClock } from '../../lib';
import { Conductor } from '../conductor';

/**
 * Scale figures for the embedded conductor, over loopback only:
 *
 *   npx tsx conductor/bench/heartbeats.ts [--nodes 1000,10000] [--requests 20000]
 *     [--seconds 30] [--concurrency 64] [--fleet 1000] [--speed 10]
 *     [--max-concurrent-clean 50] [--skip-heartbeats] [--skip-fleet]
 *
 * 1. Heartbeats: N enrolled nodes with fast track (heartbeats are recorded, as from agents idling
 *    in `available`), tokens issued by real lookups, then IPA-shaped heartbeats (callback URL,
 *    43-character token, version, a PEM certificate) sent with `concurrency` in flight until
 *    `requests` are done or `seconds` have passed. Reports heartbeats/s and p50/p99 latency.
 * 2. Fleet: the simulator CLI in a child process (`simulator/cli/main.ts`, so the import
 *    arrows hold) with `fleet` machines on a scaled clock; every machine is enrolled manageable
 *    and provided; reports the wall time until all are available, both processes' CPU time and
 *    the conductor's event-loop delay. Keep `--speed` modest: the agents' HTTP timeouts run on
 *    simulated time (30 s is 3 s at 10×), and an agent whose lookup times out after the token
 *    was issued locks itself down, as IPA does.
 */
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000,10000' },
    requests: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '64' },
    fleet: { type: 'string', default: '1000' },
    speed: { type: 'string', default: '10' },
    'skip-fleet': { type: 'boolean', default: false },
    /** `[conductor] max_concurrent_clean` for the fleet run (Ironic's default 50). */
    'max-concurrent-clean': { type: 'string', default: '50' },
    'skip-heartbeats': { type: 'boolean', default: false },
  },
});

const logger = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'error' });
const VERSION_HEADERS = {
  'x-openstack-ironic-api-version': '1.68',
  'content-type': 'application/json',
};
// A P-384 self-signed certificate of IPA's shape: heartbeats carry about this much PEM.
const FAKE_PEM = `-----BEGIN CERTIFICATE-----\n${Array.from({ length: 10 }, () => 'Q'.repeat(64)).join('\n')}\n-----END CERTIFICATE-----\n`;
const SIMULATOR_CLI = fileURLToPath(new URL('../../simulator/cli/main.ts', import.meta.url));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function macOf(i: number): string {
  const b = [0x52, 0x54, 0x00, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

async function heartbeatBench(nodeCount: number): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-conductor-'));
  const conductor = new Conductor({
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    fastTrack: true,
    powerSyncIntervalMs: 3_600_000,
  });
  await conductor.start();
  const pool = new Pool(conductor.apiUrl, { connections: Number(values.concurrency) });
  try {
    const t0 = performance.now();
    const uuids: string[] = [];
    for (let i = 0; i < nodeCount; i++) {
      uuids.push(
        conductor.createNode({
          name: `bench-${i}`,
          driver: 'fake-hardware',
          ports: [{ address: macOf(i) }],
          provision_state: 'available',
        }).uuid,
      );
    }
    const enrolMs = performance.now() - t0;

    // Tokens as agents get them: one lookup each.
    const tokens: string[] = new Array<string>(nodeCount);
    const lookupStart = performance.now();
    await runConcurrent(nodeCount, Number(values.concurrency), async (i) => {
      const res = await pool.request({
        method: 'GET',
        path: `/v1/lookup?addresses=${macOf(i)}`,
        headers: VERSION_HEADERS,
      });
      const body = (await res.body.json()) as { config: { agent_token: string } };
      if (res.statusCode !== 200) throw new Error(`lookup answered ${res.statusCode}`);
      tokens[i] = body.config.agent_token;
    });
    const lookupMs = performance.now() - lookupStart;

    const bodies = uuids.map((uuid, i) =>
      JSON.stringify({
        callback_url: `https://10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}:9999`,
        agent_token: tokens[i],
        agent_version: '10.1.0',
        agent_verify_ca: FAKE_PEM,
      }),
    );
    const budget = Number(values.requests);
    const deadline = performance.now() + Number(values.seconds) * 1000;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: Number(values.concurrency) }, async () => {
        while (sent < budget && performance.now() < deadline) {
          const i = sent++ % nodeCount;
          const began = performance.now();
          const res = await pool.request({
            method: 'POST',
            path: `/v1/heartbeat/${uuids[i]}`,
            headers: VERSION_HEADERS,
            body: bodies[i],
          });
          await res.body.dump();
          latencies.push(performance.now() - began);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }),
    );
    const elapsed = performance.now() - start;
    await conductor.idle();
    latencies.sort((a, b) => a - b);
    const recorded = conductor
      .listNodes()
      .filter((n) => typeof n.driver_internal_info.agent_last_heartbeat === 'string').length;
    return {
      nodes: nodeCount,
      enrolSeconds: round(enrolMs / 1000),
      lookupsPerSecond: Math.round(nodeCount / (lookupMs / 1000)),
      heartbeats: latencies.length,
      heartbeatsPerSecond: Math.round(latencies.length / (elapsed / 1000)),
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
      statuses: Object.fromEntries(statuses),
      nodesWithHeartbeat: recorded,
      concurrency: Number(values.concurrency),
    };
  } finally {
    await pool.close();
    await conductor.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runConcurrent(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

interface SimMachine {
  name: string;
  enrollment: {
    name: string;
    driver: 'redfish';
    driver_info: Record<string, unknown>;
    properties: Record<string, unknown>;
    ports: { address: string }[];
  };
}

/** Starts `npm run sim`'s entry point and reads the enrollment document it prints. */
function startSimulator(
  apiUrl: string,
  machines: number,
  speed: number,
): Promise<{ child: ChildProcess; machines: SimMachine[] }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      SIMULATOR_CLI,
      '--api-url',
      apiUrl,
      '--machines',
      String(machines),
      '--speed',
      String(speed),
      '--redfish-port',
      '0',
      '--profile',
      'small-vm',
      '--log-level',
      process.env.SIM_LOG_LEVEL ?? 'error',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const doc = JSON.parse(out) as { machines: SimMachine[] };
        resolve({ child, machines: doc.machines });
      } catch {
        // not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
  });
}

/** User+system CPU seconds of a child process (Linux /proc), 0 where unavailable. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return 0;
  }
}

async function fleetBench(count: number, speed: number): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const clock = new ScaledClock(speed);
  const conductor = new Conductor({
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    logger,
    clock,
    fastTrack: true,
    powerSyncIntervalMs: 3_600_000,
    maxConcurrentClean: Number(values['max-concurrent-clean']),
    // The simulated disks' erase is the agent's business; the bench measures orchestration.
    cleanStepPriorityOverride: { 'deploy.erase_devices': 0, 'deploy.erase_devices_metadata': 0 },
  });
  await conductor.start();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const startedSim = performance.now();
  const sim = await startSimulator(conductor.apiUrl, count, speed);
  const simStartSeconds = (performance.now() - startedSim) / 1000;
  try {
    const uuids = sim.machines.map(
      (m) => conductor.createNode({ ...m.enrollment, provision_state: 'manageable' }).uuid,
    );
    lag.enable();
    const cpu0 = process.cpuUsage();
    const simCpu0 = cpuSeconds(sim.child.pid);
    const t0 = performance.now();
    const pending = new Set(uuids);
    let refused = 0;
    // Submitted in bulk, retrying 503/409 after about 2 s as ironicclient does (with jitter,
    // as a thousand independent clients would).
    const submit = async (uuid: string): Promise<void> => {
      for (;;) {
        try {
          conductor.setProvisionState(uuid, 'provide');
          return;
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (status !== 503 && status !== 409) throw err;
          refused++;
          await new Promise((r) => setTimeout(r, 1_000 + Math.random() * 2_000));
        }
      }
    };
    const submitted = Promise.all(uuids.map(submit));
    const samples: { seconds: number; available: number; failed: number }[] = [];
    const states = () => {
      const counts: Record<string, number> = {};
      for (const n of conductor.listNodes())
        counts[n.provision_state] = (counts[n.provision_state] ?? 0) + 1;
      return counts;
    };
    let lastSample = 0;
    for (;;) {
      // Listing builds every node's view: poll sparingly, the conductor under test pays for it.
      await new Promise((r) => setTimeout(r, 2_000));
      for (const n of conductor.listNodes()) {
        if (n.provision_state === 'available' || n.provision_state === 'clean failed') {
          pending.delete(n.uuid);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      if (seconds - lastSample >= 5 || pending.size === 0) {
        lastSample = seconds;
        const c = states();
        samples.push({
          seconds: round(seconds, 1),
          available: c.available ?? 0,
          failed: c['clean failed'] ?? 0,
        });
        console.error(`  t=${seconds.toFixed(1)}s ${JSON.stringify(c)}`);
      }
      if (pending.size === 0 || seconds > 900) break;
    }
    await submitted;
    const wall = (performance.now() - t0) / 1000;
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    const final = states();
    return {
      machines: count,
      speed,
      maxConcurrentClean: Number(values['max-concurrent-clean']),
      simulatorStartSeconds: round(simStartSeconds, 1),
      manageableToAvailableSeconds: round(wall, 1),
      simulatedSeconds: round(wall * speed, 0),
      finalStates: final,
      submitRetries: refused,
      conductorCpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
      simulatorCpuSeconds: round(cpuSeconds(sim.child.pid) - simCpu0, 1),
      conductorEventLoopDelayMs: {
        p50: round(lag.percentile(50) / 1e6, 1),
        p99: round(lag.percentile(99) / 1e6, 1),
        max: round(lag.max / 1e6, 1),
      },
      progress: samples,
    };
  } finally {
    sim.child.kill('SIGTERM');
    await new Promise((r) => sim.child.once('exit', r));
    await conductor.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const report: Record<string, unknown> = {};
if (!values['skip-heartbeats']) {
  report.heartbeats = [];
  for (const n of values.nodes.split(',').map(Number)) {
    console.error(`heartbeats with ${n} nodes…`);
    (report.heartbeats as unknown[]).push(await heartbeatBench(n));
  }
}
if (!values['skip-fleet']) {
  console.error(`fleet of ${values.fleet} machines at ${values.speed}×…`);
  report.fleet = await fleetBench(Number(values.fleet), Number(values.speed));
}
console.log(JSON.stringify(report, null, 2));
