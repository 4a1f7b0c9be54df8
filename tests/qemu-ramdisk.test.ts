import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIso } from '../builders/iso/build-iso';
import { QemuVm, findProgram } from '../lib/qemu';
import { cachedRamdisk } from '../builders/testing/cached-ramdisk';
import { Conductor, type NodeView } from '../conductor';

// The agent ramdisk built from this machine's Debian packages, booted on Debian's kernel in QEMU
// (software emulation), looks its node up in the conductor on the host, heartbeats, and is
// cleaned through fast track: afterwards the disk's partition table and signatures are gone and
// the node is available. Once booted straight from kernel + initramfs, once from the ISO in a
// virtual CD drive. Nothing here is skipped: a missing package fails with its name.

const MiB = 1024 * 1024;
const DISK_BYTES = 64 * MiB;
const PARTITION_OFFSET = 1 * MiB;
const GUEST_RAM_MIB = Number(process.env.QEMU_RAM_MIB ?? 384);
/** OVMF and GRUB keep part of the RAM while loading; at 256 MiB GRUB cannot place the initramfs. */
const UEFI_RAM_MIB = Math.max(GUEST_RAM_MIB, 384);
const BOOT_TIMEOUT_MS = 240_000;
/** Set to keep the timestamped serial consoles after the run (they are in the temp dir otherwise). */
const SERIAL_DIR = process.env.QEMU_SERIAL_DIR;
const NEEDED: [string, string][] = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['sgdisk', 'gdisk'],
  ['mkfs.vfat', 'dosfstools'],
  ['blkid', 'util-linux'],
  ['wipefs', 'util-linux'],
];

interface Figures {
  boot: string;
  firstHeartbeatS: number;
  availableS: number | null;
}

describe('the agent ramdisk on a real kernel in QEMU', () => {
  let work: string;
  let conductor: Conductor;
  let kernel: string;
  let initramfs: string;
  const vms: QemuVm[] = [];
  const figures: Figures[] = [];

  beforeAll(async () => {
    const missing = NEEDED.filter(([program]) => !findProgram(program));
    if (missing.length > 0) {
      throw new Error(
        `missing ${missing.map(([p, pkg]) => `${p} (${pkg})`).join(', ')}: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'qemu-ramdisk-'));
    // Shared with the other QEMU tests and kept between runs (builders/testing/cached-ramdisk.ts).
    const cached = await cachedRamdisk();
    ({ kernel, initramfs } = cached);
    expect(cached.result.missingRequiredTools).toEqual([]);
    conductor = new Conductor({
      dataDir: join(work, 'conductor'),
      listen: { host: '127.0.0.1', port: 0 },
      fastTrack: true,
      // Beats every 9–18 s, so a lost forced heartbeat costs seconds, not minutes.
      heartbeatTimeoutS: 30,
      powerSyncIntervalMs: 3_600_000,
    });
    await conductor.start();
  }, 300_000);

  afterAll(async () => {
    for (const vm of vms) await vm.stop();
    await conductor?.stop();
    if (figures.length > 0)
      console.log(
        `QEMU figures (TCG, ${GUEST_RAM_MIB} MiB, load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}): ${JSON.stringify(figures)}`,
      );
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function cleanThroughAgent(
    name: string,
    mac: string,
    boot: (p: BootParams) => Promise<QemuVm>,
    { clean = true } = {},
  ) {
    const disk = join(work, `${name}.img`);
    prepareDisk(disk);
    expect(probe(disk)).toMatch(/PTTYPE="gpt"/);
    expect(probe(disk, PARTITION_OFFSET)).toMatch(/TYPE="vfat"/);

    const node = conductor.createNode({
      name,
      driver: 'fake-hardware',
      ports: [{ address: mac }],
      provision_state: 'manageable',
    });
    // The fake BMC is the database: "power on" is what lets fast track use the live agent.
    await conductor.setPowerState(node.uuid, 'power on');
    const agentPort = await freePort();
    const apiPort = Number(new URL(conductor.apiUrl).port);
    const params = [
      `ipa-api-url=http://10.0.2.2:${apiPort}`,
      'ipa-advertise-host=127.0.0.1',
      `ipa-advertise-port=${agentPort}`,
      // The 64 MiB disk is no root device candidate (IPA wants ≥ 4 GiB): do not wait 30 s for one.
      'ipa-disk-wait-attempts=1',
      'ipa-disk-wait-delay=0',
    ].join(' ');
    const vm = await boot({
      disk,
      mac,
      agentPort,
      params,
      serialLog: join(SERIAL_DIR ?? work, `${name}.serial.log`),
    });
    vms.push(vm);
    const failure = (what: string, err: unknown) =>
      new Error(
        `${what}: ${(err as Error).message}\n--- serial console ---\n${vm.consoleTail()}\n--- node ---\n${JSON.stringify(conductor.getNode(node.uuid))}`,
      );

    const beating = await waitForNode(
      node.uuid,
      (n) => typeof n.driver_internal_info.agent_url === 'string',
      vm,
    ).catch((err: unknown) => {
      throw failure('no heartbeat', err);
    });
    const firstHeartbeatS = vm.elapsedSeconds();
    expect(beating.driver_internal_info.agent_url).toBe(`https://127.0.0.1:${agentPort}`);
    expect(String(beating.driver_internal_info.agent_verify_ca)).toContain('BEGIN CERTIFICATE');
    if (!clean) {
      await vm.stop();
      figures.push({ boot: name, firstHeartbeatS, availableS: null });
      return;
    }

    conductor.setProvisionState(node.uuid, 'provide');
    const done = await waitForNode(
      node.uuid,
      (n) => n.provision_state === 'available' || n.provision_state === 'clean failed',
      vm,
    ).catch((err: unknown) => {
      throw failure('cleaning did not finish', err);
    });
    if (done.provision_state !== 'available')
      throw failure('cleaning failed', new Error(String(done.last_error)));
    const availableS = vm.elapsedSeconds();
    const steps = conductor
      .eventsFor(node.uuid)
      .map((e) => JSON.stringify(e.data))
      .join('\n');
    expect(steps).toContain('erase_devices_metadata');
    await vm.stop();

    // The partition table (both GPT copies, the protective MBR) and the file system are gone.
    expect(wipefsSignatures(disk)).toBe('');
    expect(probe(disk)).toBe('');
    expect(probe(disk, PARTITION_OFFSET)).toBe('');
    figures.push({ boot: name, firstHeartbeatS, availableS });
  }

  it(
    'boots kernel + initramfs, heartbeats to the conductor and is cleaned through fast track',
    async () => {
      await cleanThroughAgent('qemu-kernel', '52:54:00:1a:00:01', async (p) => {
        const bootif = `BOOTIF=01-${p.mac.replace(/:/g, '-')}`;
        const vm = new QemuVm({
          boot: {
            kind: 'kernel',
            kernel,
            initramfs,
            append: `console=ttyS0 panic=30 ${bootif} ${p.params}`,
          },
          memoryMiB: GUEST_RAM_MIB,
          disks: [p.disk],
          nic: { mac: p.mac, hostForwards: [{ hostPort: p.agentPort, guestPort: 9999 }] },
          serialLog: p.serialLog,
        });
        vm.start();
        return Promise.resolve(vm);
      });
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'boots the ISO from a virtual CD drive (BIOS) and is cleaned the same way',
    async () => {
      await cleanThroughAgent('qemu-iso', '52:54:00:1a:00:02', async (p) => {
        const iso = join(work, 'ipa.iso');
        await buildIso({
          output: iso,
          kernel,
          initramfs,
          kernelParams: `console=ttyS0 panic=30 boot_method=vmedia ${p.params}`,
        });
        const vm = new QemuVm({
          boot: { kind: 'cdrom', iso, firmware: 'bios' },
          memoryMiB: GUEST_RAM_MIB,
          disks: [p.disk],
          nic: { mac: p.mac, hostForwards: [{ hostPort: p.agentPort, guestPort: 9999 }] },
          serialLog: p.serialLog,
        });
        vm.start();
        await vm.waitForLine(/ISOLINUX/, 60_000);
        return vm;
      });
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'boots the same ISO on UEFI firmware (OVMF) and heartbeats',
    async () => {
      await cleanThroughAgent(
        'qemu-iso-uefi',
        '52:54:00:1a:00:03',
        async (p) => {
          const iso = join(work, 'ipa-uefi.iso');
          await buildIso({
            output: iso,
            kernel,
            initramfs,
            kernelParams: `console=ttyS0 panic=30 boot_method=vmedia ${p.params}`,
          });
          const vm = new QemuVm({
            boot: { kind: 'cdrom', iso, firmware: 'uefi' },
            memoryMiB: UEFI_RAM_MIB,
            disks: [p.disk],
            nic: { mac: p.mac, hostForwards: [{ hostPort: p.agentPort, guestPort: 9999 }] },
            serialLog: p.serialLog,
          });
          vm.start();
          // GRUB from the EFI System image found the ISO by its label and read its menu.
          await vm.waitForLine(/Kernel command line: .*boot_method=vmedia/, 120_000);
          return vm;
        },
        { clean: false },
      );
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  async function waitForNode(
    uuid: string,
    predicate: (n: NodeView) => boolean,
    vm: QemuVm,
  ): Promise<NodeView> {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      const node = conductor.getNode(uuid);
      if (node && predicate(node)) return node;
      if (!vm.running) throw new Error('QEMU exited');
      if (Date.now() > deadline) throw new Error(`timed out after ${BOOT_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

interface BootParams {
  disk: string;
  mac: string;
  agentPort: number;
  params: string;
  serialLog: string;
}

/** A GPT with one partition holding a FAT file system, like a disk a previous tenant left. */
function prepareDisk(path: string): void {
  writeFileSync(path, '');
  execFileSync('truncate', ['-s', String(DISK_BYTES), path]);
  execFileSync('sgdisk', ['-n', '1:2048:0', '-t', '1:8300', path], { stdio: 'pipe' });
  const partitionSectors = DISK_BYTES / 512 - 2048 - 34;
  execFileSync(
    'mkfs.vfat',
    ['--offset=2048', '-n', 'TENANT', path, String(Math.floor(partitionSectors / 2))],
    { stdio: 'pipe' },
  );
}

/** `blkid -p` at an offset: what a low-level probe finds there ('' when nothing). */
function probe(path: string, offset = 0): string {
  const r = spawnSync('blkid', ['-p', '-O', String(offset), path], { encoding: 'utf8' });
  if (r.status === 2) return '';
  if (r.status !== 0) throw new Error(`blkid failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

function wipefsSignatures(path: string): string {
  return execFileSync('wipefs', ['-n', path], { encoding: 'utf8' }).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
