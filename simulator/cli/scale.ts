import { parseArgs } from 'node:util';
import { FakeClock } from '../../lib';
import { Fleet } from '../fleet';
import { PROFILES } from '../profiles';
import { startFakeIronic, waitFor } from '../testing/fake-ironic';

/**
 * Measures what idle machines cost: `tsx simulator/cli/scale.ts --machines 10000 [--ipmi]`.
 * Adds the machines round-robin over the profiles, then prints RSS/heap deltas, the time to
 * add them and the latency of Redfish reads, as one JSON document.
 */
const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '1000' },
    ipmi: { type: 'boolean', default: false },
    'power-on': { type: 'string', default: '0' },
    /** Boot this many machines into the real agent against a stand-in Ironic. */
    agents: { type: 'string', default: '0' },
  },
});
const agents = Number(values.agents);
const count = Number(values.machines);
const powerOn = Number(values['power-on']);

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

settle();
const before = process.memoryUsage();
const clock = new FakeClock();
const ironic = agents > 0 ? await startFakeIronic([], { anyMac: true }) : undefined;
const fleet = new Fleet({
  apiUrl: ironic?.url ?? 'http://127.0.0.1:9',
  clock,
  redfish: { port: 0 },
  bmcSecret: 'scale',
  ...(values.ipmi ? { ipmi: { basePort: 0 } } : {}),
});
await fleet.start();
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  fleet.addMachine({ profile: PROFILES[i % PROFILES.length]!.name, id: `m${i}`, name: `m${i}` });
}
await Promise.all(Array.from({ length: count }, (_, i) => fleet.ipmi(`m${i}`)));
const addMs = performance.now() - t0;
// A few machines in firmware: their consoles and timers are the per-powered-on cost.
for (let i = 0; i < powerOn; i++) await fleet.powerOn(`m${i}`);
settle();
const after = process.memoryUsage();
let agentStats: Record<string, number> | undefined;
if (ironic && agents > 0) {
  const bootStarted = performance.now();
  for (let i = 0; i < agents; i++) await fleet.powerOn(`m${i}`);
  const ids = Array.from({ length: agents }, (_, i) => `m${i}`);
  await waitFor(
    clock,
    () =>
      ids.every((id) => fleet.get(id)?.agent === 'running') &&
      new Set(ironic.heartbeats.map((h) => h.node)).size >= agents,
    {
      stepMs: 2_000,
      maxSteps: 20_000,
    },
  );
  settle();
  const withAgents = process.memoryUsage();
  agentStats = {
    agents,
    wallMsUntilAllHeartbeat: Math.round(performance.now() - bootStarted),
    rssMiB: mib(withAgents.rss),
    perAgentKiB: Math.round((withAgents.rss - after.rss) / agents / 1024),
  };
}

const { driver_info: info } = fleet.enrollment('m0');
const auth = `Basic ${Buffer.from(`${info.redfish_username}:${info.redfish_password}`).toString('base64')}`;
const samples: number[] = [];
for (let i = 0; i < 200; i++) {
  const id = `m${Math.floor((i * 7919) % count)}`;
  const e = fleet.enrollment(id).driver_info;
  const started = performance.now();
  const res = await fetch(`${fleet.redfishUrl}${e.redfish_system_id}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${e.redfish_username}:${e.redfish_password}`).toString('base64')}`,
    },
  });
  await res.arrayBuffer();
  samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const listStarted = performance.now();
const list = await fetch(`${fleet.redfishUrl}/redfish/v1/Systems`, {
  headers: { authorization: auth },
});
await list.arrayBuffer();
const listMs = performance.now() - listStarted;

console.log(
  JSON.stringify(
    {
      machines: count,
      ipmi: values.ipmi,
      poweredOn: powerOn,
      addMs: Math.round(addMs),
      rssMiB: {
        before: mib(before.rss),
        after: mib(after.rss),
        delta: mib(after.rss - before.rss),
      },
      heapUsedMiB: {
        before: mib(before.heapUsed),
        after: mib(after.heapUsed),
        delta: mib(after.heapUsed - before.heapUsed),
      },
      perMachineKiB: Math.round(((after.rss - before.rss) / count / 1024) * 10) / 10,
      redfishGetSystemMs: { p50: +samples[100]!.toFixed(2), p99: +samples[198]!.toFixed(2) },
      redfishListSystemsMs: +listMs.toFixed(1),
      ...(agentStats ? { runningAgents: agentStats } : {}),
    },
    null,
    2,
  ),
);
await fleet.stop();
await ironic?.close();
