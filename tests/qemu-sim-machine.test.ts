import {
  createReadStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIso } from '../builders/iso/build-iso';
import { type CachedRamdisk, cachedRamdisk } from '../builders/testing/cached-ramdisk';
import { toMachineRow } from '../app/_server/machine-row';
import { Conductor } from '../conductor';
import { findProgram } from '../lib/qemu';
import { Fleet } from '../simulator';

// A machine of the simulator's `qemu` kind: its BMC is the simulator's Redfish service, its
// hardware a QEMU process (software emulation) booting the ramdisk built from this machine's
// Debian packages. Powered on through Redfish, it boots the real kernel, the real agent looks
// up and heartbeats to the conductor, the serial console shows the kernel's own lines, and
// powering off through Redfish ends the process. Then the same from an ISO inserted through
// Redfish VirtualMedia whose kernel command line lacks the API address: the agent completes it
// from the parameters stick (ir-vfd-dev) the QEMU machine's BMC attaches, as IPA reads
// Ironic's virtual floppy. Nothing is skipped: a missing package fails with its name.

const BOOT_TIMEOUT_MS = 240_000;
const GUEST_RAM_MIB = 384;

describe('a QEMU machine in the simulator fleet', () => {
  let work: string;
  let conductor: Conductor;
  let fleet: Fleet;
  let ramdisk: CachedRamdisk;
  let media: Server | undefined;

  beforeAll(async () => {
    if (!findProgram('qemu-system-x86_64')) {
      throw new Error('qemu-system-x86_64 is missing: apt-get install qemu-system-x86');
    }
    work = mkdtempSync(join(tmpdir(), 'qemu-sim-'));
    // The ramdisk the other QEMU tests use, built once (builders/testing/cached-ramdisk.ts).
    ramdisk = await cachedRamdisk();
    conductor = new Conductor({
      dataDir: join(work, 'conductor'),
      listen: { host: '127.0.0.1', port: 0 },
      fastTrack: true,
      heartbeatTimeoutS: 30,
      powerSyncIntervalMs: 3_600_000,
    });
    await conductor.start();
    fleet = new Fleet({
      apiUrl: conductor.apiUrl,
      redfish: { port: 0 },
      qemu: {
        ramdiskDir: dirname(ramdisk.kernel),
        stateDir: join(work, 'machines'),
        memoryMiB: GUEST_RAM_MIB,
      },
    });
    await fleet.start();
  }, 300_000);

  afterAll(async () => {
    await fleet?.stop();
    await new Promise((r) => (media ? media.close(r) : r(undefined)));
    await conductor?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    'boots the real agent when its Redfish BMC powers it on, and stops QEMU on power off',
    async () => {
      const machine = fleet.addMachine({
        profile: 'small-vm',
        name: 'real-1',
        id: 'real-1',
        kind: 'qemu',
      });
      // A simulated machine beside it keeps the fake OS path.
      fleet.addMachine({ profile: 'small-vm', id: 'sim-1', kind: 'simulated' });
      expect(fleet.kindOf('real-1')).toBe('qemu');
      expect(fleet.kindOf('sim-1')).toBe('simulated');
      const mac = machine.macs[0]!;
      const node = conductor.createNode({
        name: 'real-1',
        driver: 'fake-hardware',
        ports: [{ address: mac }],
        provision_state: 'manageable',
      });
      await conductor.setPowerState(node.uuid, 'power on');

      const reset = (type: string) =>
        redfish('real-1', 'POST', '/Actions/ComputerSystem.Reset', { ResetType: type });
      const poweredAt = Date.now();
      expect((await reset('On')).status).toBeLessThan(300);

      const serial = fleet.serial('real-1');
      const failure = (what: string) =>
        new Error(`${what}\n--- serial console ---\n${serial.tail().slice(-6000)}`);
      const beating = await waitFor(() => {
        const n = conductor.getNode(node.uuid);
        return n && typeof n.driver_internal_info.agent_url === 'string' ? n : undefined;
      }).catch(() => {
        throw failure('the QEMU machine never heartbeat');
      });
      const firstHeartbeatS = (Date.now() - poweredAt) / 1000;
      console.log(
        `QEMU sim machine: first heartbeat ${firstHeartbeatS.toFixed(1)} s after Redfish power on (TCG, ${GUEST_RAM_MIB} MiB, load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
      expect(String(beating.driver_internal_info.agent_url)).toMatch(
        /^https:\/\/127\.0\.0\.1:\d+$/,
      );
      // The kernel's own lines, not the simulator's imitation of them.
      const console_ = serial.tail();
      expect(console_).toMatch(/Linux version \d+\.\d+\.\d+-\d+-amd64/);
      expect(console_).toMatch(/Command line: console=ttyS0,115200n8 .*BOOTIF=01-/);
      expect(console_).toContain('ipa-init: starting the agent');
      // The agent logs the beat once Ironic answered it: the line may trail the conductor's record.
      await waitFor(
        () => (serial.tail().includes('"msg":"heartbeat sent"') ? true : undefined),
        30_000,
      );
      expect(fleet.get('real-1')).toMatchObject({
        kind: 'qemu',
        power: 'On',
        os: 'agent',
        agent: 'running',
      });
      expect(qemuProcesses('real-1')).toHaveLength(1);
      // The firmware's own banner, and none of the model's imitation of a POST or ramdisk kernel.
      expect(console_).toMatch(/SeaBIOS \(version /);
      expect(console_).not.toMatch(/Press <F2>|Linux version 6\.1\.0-ipa|Booting from PXE/);
      // The console's machine list labels it (a QEMU badge), and not the simulated one.
      const row = (id: string) => toMachineRow(conductor.getNode(node.uuid)!, null, fleet.get(id));
      expect(row('real-1').simulated?.kind).toBe('qemu');
      expect(row('sim-1').simulated?.kind).toBeUndefined();

      expect((await reset('ForceOff')).status).toBeLessThan(300);
      await waitFor(() => (qemuProcesses('real-1').length === 0 ? true : undefined), 20_000).catch(
        () => {
          throw failure('QEMU still runs after power off');
        },
      );
      expect(fleet.get('real-1')).toMatchObject({ power: 'Off', agent: 'off' });
      // The fake OS machine never started QEMU.
      expect(qemuProcesses('sim-1')).toEqual([]);
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'boots an ISO inserted through Redfish VirtualMedia, parameters completed from the stick',
    async () => {
      const iso = join(work, 'vmedia.iso');
      // What a BMC-built ISO might carry: the boot method, nothing about the network.
      await buildIso({
        output: iso,
        kernel: ramdisk.kernel,
        initramfs: ramdisk.initramfs,
        kernelParams: 'console=ttyS0,115200n8 boot_method=vmedia',
      });
      const port = await serve(iso);
      const machine = fleet.addMachine({
        profile: 'small-vm',
        id: 'real-2',
        kind: 'qemu',
        bootDevice: 'Hdd',
      });
      const node = conductor.createNode({
        name: 'real-2',
        driver: 'fake-hardware',
        ports: [{ address: machine.macs[0]! }],
        provision_state: 'manageable',
      });
      await conductor.setPowerState(node.uuid, 'power on');
      // What Ironic's redfish-virtual-media boot does: insert, boot once from CD, power on.
      expect(
        (
          await redfish('real-2', 'POST', '/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', {
            Image: `http://127.0.0.1:${port}/vmedia.iso`,
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await redfish('real-2', 'PATCH', '', {
            Boot: {
              BootSourceOverrideTarget: 'Cd',
              BootSourceOverrideEnabled: 'Once',
              BootSourceOverrideMode: 'Legacy',
            },
          })
        ).status,
      ).toBeLessThan(300);
      const poweredAt = Date.now();
      expect(
        (await redfish('real-2', 'POST', '/Actions/ComputerSystem.Reset', { ResetType: 'On' }))
          .status,
      ).toBeLessThan(300);

      const serial = fleet.serial('real-2');
      await waitFor(() => {
        const n = conductor.getNode(node.uuid);
        return n && typeof n.driver_internal_info.agent_url === 'string' ? n : undefined;
      }).catch(() => {
        throw new Error(
          `the ISO-booted machine never heartbeat\n--- serial console ---\n${serial.tail().slice(-6000)}`,
        );
      });
      console.log(
        `QEMU sim machine (virtual media ISO, BIOS): first heartbeat ${((Date.now() - poweredAt) / 1000).toFixed(1)} s after power on`,
      );
      const console_ = serial.tail();
      expect(console_).toMatch(/ISOLINUX/);
      expect(console_).toMatch(/Command line: .*boot_method=vmedia/);
      expect(console_).not.toMatch(/Command line: .*ipa-api-url/);
      expect(fleet.get('real-2')).toMatchObject({
        os: 'agent',
        agent: 'running',
        bootDevice: 'None',
      });
      expect(
        (
          await redfish('real-2', 'POST', '/Actions/ComputerSystem.Reset', {
            ResetType: 'ForceOff',
          })
        ).status,
      ).toBeLessThan(300);
      await waitFor(() => (qemuProcesses('real-2').length === 0 ? true : undefined), 20_000);
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  /** A sushy-like call on a machine's System resource, with its BMC credentials. */
  function redfish(id: string, method: string, sub: string, body: unknown): Promise<Response> {
    const { driver_info: info } = fleet.enrollment(id);
    return fetch(`${fleet.redfishUrl}${info.redfish_system_id}${sub}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${info.redfish_username}:${info.redfish_password}`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
  }

  /** Serves one file over HTTP, as an image server holds ISOs for BMCs. */
  async function serve(path: string): Promise<number> {
    media = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': statSync(path).size });
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((r) => media!.listen(0, '127.0.0.1', r));
    return (media.address() as { port: number }).port;
  }
});

/** Processes of qemu-system-x86_64 started for a machine (QEMU's `-name`). */
function qemuProcesses(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args[0]?.endsWith('qemu-system-x86_64')) continue;
    const at = args.indexOf('-name');
    if (at >= 0 && args[at + 1] === name) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = BOOT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
