import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../../lib';
import { Fleet } from '../fleet';
import { PROFILES } from '../profiles';

/**
 * The simulator's benchmark figures, each beside a baseline measured in the same run
 * (docs/benchmarks-simulator.md):
 *
 *   tsx simulator/cli/bench.ts idle --machines 10000 [--ipmi] [--powered-on] [--seconds 30]
 *   tsx simulator/cli/bench.ts redfish --machines 1000 [--concurrency 8] [--seconds 10]
 *   tsx simulator/cli/bench.ts ipmi --machines 100 [--calls 200] [--concurrency 4]
 *   tsx simulator/cli/bench.ts startup --machines 1000
 *
 * Prints one JSON document. Machines run on the wall clock, as under `npm run sim`.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    machines: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '8' },
    calls: { type: 'string', default: '200' },
    ipmi: { type: 'boolean', default: false },
    'powered-on': { type: 'boolean', default: false },
  },
});
const mode = positionals[0];
const machines = Number(values.machines);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const calls = Number(values.calls);
const exec = promisify(execFile);

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return +sorted[Math.max(0, i)]!.toFixed(2);
}

function latencyStats(samples: number[], wallMs: number, errors: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    requests: samples.length,
    errors,
    perSecond: Math.round((samples.length / wallMs) * 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Builds a fleet on the wall clock with `count` machines, round-robin over the profiles. */
async function fleetOf(count: number, options: { ipmi?: boolean; poweredOn?: boolean } = {}) {
  const fleet = new Fleet({
    apiUrl: 'http://127.0.0.1:9',
    clock: systemClock,
    redfish: { port: 0 },
    bmcSecret: 'bench',
    ...(options.ipmi ? { ipmi: { basePort: 0 } } : {}),
  });
  await fleet.start();
  for (let i = 0; i < count; i++) {
    fleet.addMachine({
      profile: PROFILES[i % PROFILES.length]!.name,
      id: `m${i}`,
      name: `m${i}`,
      // An empty disk: POST, then "No bootable device", then nothing more (no agent to run).
      ...(options.poweredOn ? { powerOn: true, bootDevice: 'Hdd' as const } : {}),
    });
  }
  await Promise.all(Array.from({ length: count }, (_, i) => fleet.ipmi(`m${i}`)));
  return fleet;
}

/** CPU used by this process (all threads) over `ms` of wall time, as % of one core. */
async function cpuOver(ms: number): Promise<{ cpuPercent: number; cpuMs: number }> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(start);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    cpuPercent: +((cpuMs / (performance.now() - t0)) * 100).toFixed(3),
    cpuMs: +cpuMs.toFixed(1),
  };
}

async function idle() {
  settle();
  const before = process.memoryUsage();
  // Baseline: the same process with an empty fleet (Redfish service listening, no machines).
  const empty = await fleetOf(0, { ipmi: values.ipmi });
  const baseline = await cpuOver(seconds * 1000);
  await empty.stop();
  const t0 = performance.now();
  const fleet = await fleetOf(machines, { ipmi: values.ipmi, poweredOn: values['powered-on'] });
  const addMs = Math.round(performance.now() - t0);
  // Let every powered-on machine finish its POST and settle into its halt.
  if (values['powered-on']) await sleep(8_000);
  settle();
  const after = process.memoryUsage();
  const loaded = await cpuOver(seconds * 1000);
  const phases: Record<string, number> = {};
  for (const m of fleet.list()) phases[m.power] = (phases[m.power] ?? 0) + 1;
  await fleet.stop();
  return {
    machines,
    ipmi: values.ipmi,
    poweredOn: values['powered-on'],
    power: phases,
    addMs,
    rssMiB: { before: mib(before.rss), after: mib(after.rss), delta: mib(after.rss - before.rss) },
    heapUsedMiB: { after: mib(after.heapUsed), delta: mib(after.heapUsed - before.heapUsed) },
    // Buffers outside the JS heap (serial console rings, sockets' buffers).
    arrayBuffersMiB: { delta: mib(after.arrayBuffers - before.arrayBuffers) },
    perMachineKiB: Math.round(((after.rss - before.rss) / Math.max(1, machines) / 1024) * 10) / 10,
    idleSeconds: seconds,
    cpu: {
      baselineEmptyFleet: baseline,
      withMachines: loaded,
      perMachineMicrosecondsPerSecond: +(
        ((loaded.cpuMs - baseline.cpuMs) * 1000) /
        Math.max(1, machines) /
        seconds
      ).toFixed(3),
    },
  };
}

/**
 * The load generator runs in a worker thread so it does not share the server's event loop:
 * `concurrency` keep-alive connections (undici Pool), each sending its next request as soon as
 * the previous answer is read.
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require('undici');
(async () => {
  const { origin, targets, concurrency, seconds } = workerData;
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const latencies = [];
  let errors = 0;
  let next = 0;
  const run = async (until, record) => {
    while (performance.now() < until) {
      const target = targets[next++ % targets.length];
      const started = performance.now();
      try {
        const res = await pool.request({ path: target.path, method: 'GET', headers: target.headers });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      if (record) latencies.push(performance.now() - started);
    }
  };
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, () => run(warm, false)));
  errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => run(t0 + seconds * 1000, true)));
  const wallMs = performance.now() - t0;
  await pool.close();
  parentPort.postMessage({ latencies, wallMs, errors });
})();
`;

interface Target {
  path: string;
  headers: Record<string, string>;
}

function load(origin: string, targets: Target[]) {
  return new Promise<{ latencies: number[]; wallMs: number; errors: number }>((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, {
      eval: true,
      workerData: { origin, targets, concurrency, seconds },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function redfish() {
  const fleet = await fleetOf(machines);
  const targets: Target[] = Array.from({ length: Math.min(machines, 500) }, (_, k) => {
    const i = (k * 7919) % machines;
    const info = fleet.enrollment(`m${i}`).driver_info;
    const token = Buffer.from(`${info.redfish_username}:${info.redfish_password}`).toString(
      'base64',
    );
    return { path: info.redfish_system_id, headers: { authorization: `Basic ${token}` } };
  });
  // Baseline: a bare node:http server answering every request with the same System document.
  const sample = await fetch(`${fleet.redfishUrl}${targets[0]!.path}`, {
    headers: targets[0]!.headers,
  });
  const body = Buffer.from(await sample.arrayBuffer());
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as AddressInfo).port;
  const baseline = await load(`http://127.0.0.1:${barePort}`, targets);
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  const cpuStart = process.cpuUsage();
  const measured = await load(fleet.redfishUrl, targets);
  const cpu = process.cpuUsage(cpuStart);
  await fleet.stop();
  return {
    machines,
    concurrency,
    seconds,
    systemDocumentBytes: body.length,
    baselineBareNodeHttp: latencyStats(baseline.latencies, baseline.wallMs, baseline.errors),
    redfishGetSystem: latencyStats(measured.latencies, measured.wallMs, measured.errors),
    processCpuPercentDuringRedfish: +(
      ((cpu.user + cpu.system) / 1000 / (measured.wallMs + 1000)) *
      100
    ).toFixed(1),
  };
}

/** Runs `run(i)` for i < total with at most `width` at a time; returns each call's ms. */
async function timedCalls(total: number, width: number, run: (i: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        if (!(await run(i))) errors++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencyStats(latencies, performance.now() - t0, errors);
}

async function ipmi() {
  const fleet = await fleetOf(machines, { ipmi: true });
  const access = await Promise.all(
    Array.from({ length: machines }, async (_, i) => (await fleet.ipmi(`m${i}`))!),
  );
  const lanplus = (i: number) => {
    const a = access[i % access.length]!;
    return [
      '-I',
      'lanplus',
      '-C',
      '3',
      '-H',
      a.host,
      '-p',
      String(a.port),
      '-U',
      a.username,
      '-P',
      a.password,
    ];
  };
  // Baseline: starting ipmitool itself, no network (what every Ironic power call pays too).
  const baseline = await timedCalls(calls, concurrency, async () => {
    const { stdout } = await exec('ipmitool', ['-V']);
    return stdout.startsWith('ipmitool version');
  });
  const perCall = await timedCalls(calls, concurrency, async (i) => {
    try {
      const { stdout } = await exec('ipmitool', [...lanplus(i), 'power', 'status']);
      return stdout === 'Chassis Power is off\n';
    } catch {
      return false;
    }
  });
  // Many commands in one RMCP+ session (ipmitool exec): the BMC's own rate, without handshakes.
  const dir = await mkdtemp(join(tmpdir(), 'sim-bench-'));
  const script = join(dir, 'commands');
  const inSession = 1000;
  await writeFile(script, 'power status\n'.repeat(inSession));
  const t0 = performance.now();
  const { stdout } = await exec('ipmitool', [...lanplus(0), 'exec', script], {
    maxBuffer: 1 << 24,
  });
  const sessionMs = performance.now() - t0;
  await rm(dir, { recursive: true, force: true });
  const answered = stdout.split('\n').filter((l) => l === 'Chassis Power is off').length;
  await fleet.stop();
  return {
    machines,
    calls,
    concurrency,
    baselineIpmitoolVersion: baseline,
    ipmitoolPowerStatusPerCall: perCall,
    oneSession: {
      commands: inSession,
      answered,
      perSecond: Math.round((answered / sessionMs) * 1000),
      meanMs: +(sessionMs / inSession).toFixed(3),
    },
  };
}

/** Wall time from `npm run sim` to its JSON document on stdout. */
function timeSim(count: number, ipmiPort: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = ['run', 'sim', '--', '--machines', String(count), '--redfish-port', '0'];
    if (ipmiPort) args.push('--ipmi-port', '0');
    args.push('--log-level', 'warn');
    const child = spawn('npm', args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      try {
        JSON.parse(out.slice(out.indexOf('{')));
      } catch {
        return;
      }
      const ms = performance.now() - t0;
      // npm, sh and node: the whole group this script started.
      process.kill(-child.pid!, 'SIGTERM');
      resolve(Math.round(ms));
    });
    child.once('exit', (code) => reject(new Error(`npm run sim exited early (${code})`)));
  });
}

async function startup() {
  const baseline = await timeSim(1, false);
  const redfishOnly = await timeSim(machines, false);
  const withIpmi = await timeSim(machines, true);
  return {
    machines,
    baselineOneMachineMs: baseline,
    redfishOnlyMs: redfishOnly,
    withIpmiMs: withIpmi,
  };
}

const modes: Record<string, () => Promise<unknown>> = { idle, redfish, ipmi, startup };
const run = mode ? modes[mode] : undefined;
if (!run) {
  process.stderr.write(
    `usage: tsx simulator/cli/bench.ts ${Object.keys(modes).join('|')} [options]\n`,
  );
  process.exit(2);
}
const loadBefore = loadavg();
const result = await run();
console.log(
  JSON.stringify(
    {
      mode,
      ...(result as object),
      loadAverage: {
        before: loadBefore.map((l) => +l.toFixed(2)),
        after: loadavg().map((l) => +l.toFixed(2)),
      },
    },
    null,
    2,
  ),
);
