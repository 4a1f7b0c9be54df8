// `npx tsx agent/bench/shred.ts [--size-mib 1024] [--rounds 3] [--file-only]`
//
// Throughput of the agent's overwrite (the shred fallback of erase_devices, written in
// TypeScript over Host.openBlockDevice) against GNU `shred -n 1` on the same 1 GiB
// file-backed device, in the same run, alternating so both see the same machine load. The
// device is a loop device over a sparse file when loop devices can be attached (root), else
// the file itself. Prints MB/s (10^6 bytes per second) and the ratio.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxHost } from '../host/linux';
import { DEFAULT_CHUNK_BYTES, overwriteBlockDevice } from '../hardware';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sizeMiB = option('--size-mib', 1024);
const rounds = option('--rounds', 3);
const chunkMiB = option('--chunk-mib', DEFAULT_CHUNK_BYTES / 2 ** 20);
const size = sizeMiB * 2 ** 20;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shred-bench-'));
  const file = join(dir, 'device.img');
  closeSync(openSync(file, 'w'));
  truncateSync(file, size);
  // Allocate every block first, so neither contender pays for filling a sparse file.
  const fill = spawnSync(
    'dd',
    ['if=/dev/zero', `of=${file}`, 'bs=8M', `count=${sizeMiB / 8}`, 'conv=notrunc,fdatasync'],
    {
      stdio: 'ignore',
    },
  );
  if (fill.status !== 0) throw new Error('dd could not allocate the device file');
  let device = file;
  let loop = false;
  if (!process.argv.includes('--file-only')) {
    const attach = spawnSync('losetup', ['-f', '--show', file], { encoding: 'utf8' });
    if (attach.status === 0 && attach.stdout.trim().startsWith('/dev/')) {
      device = attach.stdout.trim();
      loop = true;
    }
  }
  const host = new LinuxHost();
  const ours: number[] = [];
  const gnu: number[] = [];
  try {
    console.log(
      `device: ${device}${loop ? ` (loop over ${file})` : ' (regular file)'}, ${sizeMiB} MiB, ` +
        `${rounds} round(s), our chunk ${chunkMiB} MiB`,
    );
    const runOurs = async () => {
      const t = performance.now();
      const result = await overwriteBlockDevice(host, device, {
        iterations: 1,
        zeroize: false,
        chunkBytes: chunkMiB * 2 ** 20,
      });
      const seconds = (performance.now() - t) / 1000;
      if (result.bytesWritten !== size)
        throw new Error(`wrote ${result.bytesWritten} of ${size} bytes`);
      ours.push(size / 1e6 / seconds);
    };
    const runGnu = () => {
      const t = performance.now();
      const shred = spawnSync('shred', ['-n', '1', device], { encoding: 'utf8' });
      const seconds = (performance.now() - t) / 1000;
      if (shred.status !== 0) throw new Error(`shred failed: ${shred.stderr}`);
      gnu.push(size / 1e6 / seconds);
    };
    for (let round = 1; round <= rounds; round++) {
      // Alternate who goes first: the machine's load changes from second to second.
      if (round % 2) {
        await runOurs();
        runGnu();
      } else {
        runGnu();
        await runOurs();
      }
      console.log(
        `round ${round}: agent overwrite ${ours.at(-1)!.toFixed(0)} MB/s, ` +
          `GNU shred -n 1 ${gnu.at(-1)!.toFixed(0)} MB/s`,
      );
    }
  } finally {
    if (loop) spawnSync('losetup', ['-d', device]);
    rmSync(dir, { recursive: true, force: true });
  }
  const a = median(ours);
  const b = median(gnu);
  console.log(`median: agent overwrite ${a.toFixed(0)} MB/s, GNU shred -n 1 ${b.toFixed(0)} MB/s`);
  console.log(`ratio agent/shred: ${(a / b).toFixed(2)}`);
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
