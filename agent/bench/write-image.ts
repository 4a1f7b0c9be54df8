// Benchmark: the agent's image write against `curl | tee >(sha256sum) | dd`, loopback only.
//   npx tsx agent/bench/write-image.ts [--size-mib 2048] [--rounds 3] [--dir /tmp]
// A random raw image (with a GPT, so the post-write check passes) is served by a plain Node
// HTTP server in its own process; both writers fill the same target file. Reports throughput,
// the ratio agent/pipeline, and the agent's peak RSS during its writes. Files are removed after.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { createLogger } from '../../lib';
import { defaultAgentConfig } from '../config';
import { LinuxHost } from '../host/linux';
import { randomGuid } from '../../lib/disk/guid';
import { GPT_TYPE, buildGpt } from '../../lib/disk/partition-table';
import { writeImage } from '../image/write-image';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '2048' },
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: '/tmp' },
  },
});
const sizeMiB = Number(values['size-mib']);
const rounds = Number(values.rounds);
const host = new LinuxHost();
const work = `${values.dir}/bench-write-image-${process.pid}`;
const image = `${work}/image.raw`;
const targetFile = `${work}/target.img`;

const SERVER = `
const http = require('node:http'), fs = require('node:fs');
const [file, port] = process.argv.slice(1);
http.createServer((req, res) => {
  const size = fs.statSync(file).size;
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
}).listen(Number(port), '127.0.0.1');
`;

async function sh(script: string): Promise<string> {
  const out = await host.run('bash', ['-c', script], { timeoutMs: 3600_000 });
  if (out.exitCode !== 0) throw new Error(`${script}: ${out.stderr.trim()}`);
  return out.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await request(url, { method: 'HEAD' });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('image server did not start');
}

const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  await sh(`mkdir -p ${work}`);
  const stop = new AbortController();
  let server: Promise<unknown> | null = null;
  try {
    console.log(`generating a ${sizeMiB} MiB random image in ${work} ...`);
    await sh(`head -c ${sizeMiB}M /dev/urandom > ${image}`);
    const dev = await host.openBlockDevice(image, 'rw');
    const gpt = buildGpt({
      sectorSize: 512,
      totalSectors: dev.size / 512,
      diskGuid: randomGuid(),
      partitions: [
        {
          type: GPT_TYPE.linuxFilesystem,
          guid: randomGuid(),
          firstLba: 2048,
          lastLba: dev.size / 512 - 2048,
        },
      ],
    });
    for (const w of [gpt.protectiveMbr, gpt.primary, gpt.backup]) await dev.write(w.offset, w.data);
    await dev.close();
    const digest = (await sh(`sha256sum ${image}`)).split(' ')[0]!;
    await sh(`truncate -s ${sizeMiB}M ${targetFile}`);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}/image.raw`;
    server = host
      .run('node', ['-e', SERVER, image, String(port)], { signal: stop.signal })
      .catch(() => undefined);
    await waitReady(url);

    const logger = createLogger({ name: 'bench', level: 'warn' });
    const config = defaultAgentConfig({ image_download_connection_retries: 0 });
    const bytes = sizeMiB * MiB;
    const agentMs: number[] = [];
    const pipeMs: number[] = [];
    const pipeSyncMs: number[] = [];
    let peakRss = 0;
    let peakParts = { heap: 0, external: 0, arrayBuffers: 0 };
    const baseRss = process.memoryUsage().rss;
    for (let round = 1; round <= rounds; round++) {
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        if (m.rss > peakRss) {
          peakRss = m.rss;
          peakParts = { heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
        }
      }, 20);
      let t0 = performance.now();
      const result = await writeImage(
        host,
        { id: 'image.raw', urls: [url], os_hash_algo: 'sha256', os_hash_value: digest },
        { device: targetFile, config, logger },
      );
      agentMs.push(performance.now() - t0);
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (result.bytesDownloaded !== bytes) throw new Error('short agent write');

      t0 = performance.now();
      await sh(
        `curl -s ${url} | tee >(sha256sum >/dev/null) | dd of=${targetFile} bs=4M status=none`,
      );
      pipeMs.push(performance.now() - t0);

      t0 = performance.now();
      await sh(
        `curl -s ${url} | tee >(sha256sum >/dev/null) | dd of=${targetFile} bs=4M conv=notrunc,fdatasync status=none`,
      );
      pipeSyncMs.push(performance.now() - t0);
      console.log(
        `round ${round}: agent ${mibps(bytes, agentMs.at(-1)!).toFixed(0)} MiB/s, ` +
          `curl|tee|dd ${mibps(bytes, pipeMs.at(-1)!).toFixed(0)} MiB/s, ` +
          `with fdatasync ${mibps(bytes, pipeSyncMs.at(-1)!).toFixed(0)} MiB/s`,
      );
    }
    const agent = mibps(bytes, median(agentMs));
    const pipe = mibps(bytes, median(pipeMs));
    const pipeSync = mibps(bytes, median(pipeSyncMs));
    const summary = {
      image_mib: sizeMiB,
      rounds,
      agent_mib_s: Math.round(agent),
      curl_tee_dd_mib_s: Math.round(pipe),
      curl_tee_dd_fdatasync_mib_s: Math.round(pipeSync),
      ratio: Number((agent / pipe).toFixed(2)),
      ratio_vs_fdatasync: Number((agent / pipeSync).toFixed(2)),
      agent_peak_rss_mib: Math.round(peakRss / MiB),
      agent_rss_before_mib: Math.round(baseRss / MiB),
      at_peak_heap_mib: Math.round(peakParts.heap / MiB),
      at_peak_array_buffers_mib: Math.round(peakParts.arrayBuffers / MiB),
      process_max_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `goal ratio >= 0.9: ${summary.ratio >= 0.9 ? 'met' : 'NOT met'}; goal peak RSS < 150 MiB: ${summary.agent_peak_rss_mib < 150 ? 'met' : 'NOT met'}`,
    );
  } finally {
    stop.abort();
    await server;
    await sh(`rm -rf ${work}`);
  }
}

await main();
