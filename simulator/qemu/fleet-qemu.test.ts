import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib';
import { Fleet } from '../fleet';

// The fleet side of QEMU machines without booting anything: the kind is kept per machine, the
// ramdisk folder is checked at construction, and a power-on really starts qemu-system-x86_64
// with the machine's MAC, disks and command line (here on an empty "kernel", which QEMU refuses
// at once, so the console shows QEMU's own complaint and the agent is marked failed).
// tests/qemu-sim-machine.test.ts boots the real ramdisk.
describe('QEMU machines in the fleet', () => {
  const dirs: string[] = [];
  const fleets: Fleet[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-qemu-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const f of fleets.splice(0)) await f.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('needs the qemu option, and a folder holding a ramdisk', () => {
    const plain = new Fleet({ apiUrl: 'http://127.0.0.1:6385', redfish: { port: 0 } });
    fleets.push(plain);
    expect(() => plain.addMachine({ profile: 'small-vm', kind: 'qemu' })).toThrow(
      /needs the fleet started with a real ramdisk \(--real-ramdisk DIR\)/,
    );
    expect(
      () => new Fleet({ apiUrl: 'http://x', qemu: { ramdiskDir: folder(), stateDir: folder() } }),
    ).toThrow(/no PREFIX.kernel \+ PREFIX.initramfs pair/);
  });

  it('starts QEMU on power-on with the machine MAC, disks and PXE command line', async () => {
    const ramdisk = folder();
    writeFileSync(join(ramdisk, 'ipa.kernel'), 'not a kernel');
    writeFileSync(join(ramdisk, 'ipa.initramfs'), '');
    const state = folder();
    const logged: Record<string, unknown>[] = [];
    const logger = createLogger({
      name: 'test',
      level: 'info',
      destination: {
        write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>),
      },
    });
    const fleet = new Fleet({
      logger,
      apiUrl: 'http://127.0.0.1:6385',
      redfish: { port: 0 },
      qemu: { ramdiskDir: ramdisk, stateDir: state },
      kernelParams: { 'ipa-debug': '1' },
    });
    fleets.push(fleet);
    const real = fleet.addMachine({ profile: 'small-vm', id: 'q1', kind: 'qemu' });
    fleet.addMachine({ profile: 'small-vm', id: 's1' });
    expect([fleet.kindOf('q1'), fleet.kindOf('s1')]).toEqual(['qemu', 'simulated']);
    expect(fleet.list().map((m) => [m.id, m.kind])).toEqual([
      ['q1', 'qemu'],
      ['s1', 'simulated'],
    ]);

    await fleet.powerOn('q1');
    const serial = fleet.serial('q1');
    const deadline = Date.now() + 20_000;
    while (fleet.get('q1')?.agent !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fleet.get('q1')?.agent).toBe('failed');
    const console_ = serial.tail();
    expect(console_).toMatch(/qemu: .*(kernel|Linux)/i);
    expect(console_).toContain('qemu-system-x86_64 exited (1)');
    const started = logged.find((r) => r.msg === 'QEMU machine started');
    const args = (started?.args ?? []) as string[];
    const append = args[args.indexOf('-append') + 1] ?? '';
    expect(args[args.indexOf('-kernel') + 1]).toBe(join(ramdisk, 'ipa.kernel'));
    expect(args.join(' ')).toContain(`mac=${real.macs[0]},hostfwd=tcp:127.0.0.1:`);
    expect(append).toContain(`BOOTIF=01-${real.macs[0]!.replace(/:/g, '-')}`);
    expect(append).toContain('ipa-api-url=http://10.0.2.2:6385');
    expect(append).toMatch(/ipa-advertise-host=127\.0\.0\.1 ipa-advertise-port=\d+/);
    expect(append).toContain('ipa-debug=1');
    // The disk of the profile became a sparse file of its size.
    const disk = statSync(join(state, 'q1', `${real.disks[0]!.name}.img`));
    expect(disk.size).toBe(real.disks[0]!.sizeBytes);
    expect(disk.blocks * 512).toBeLessThan(1024 * 1024);
  }, 30_000);

  it('boots its empty disk file in QEMU: SeaBIOS finds nothing and says so', async () => {
    const ramdisk = folder();
    writeFileSync(join(ramdisk, 'ipa.kernel'), '');
    writeFileSync(join(ramdisk, 'ipa.initramfs'), '');
    const fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:6385',
      redfish: { port: 0 },
      qemu: { ramdiskDir: ramdisk, stateDir: folder(), memoryMiB: 128 },
    });
    fleets.push(fleet);
    fleet.addMachine({ profile: 'small-vm', id: 'disk-1', kind: 'qemu', bootDevice: 'Hdd' });
    // SeaBIOS, as Ironic's `boot_mode: bios`; OVMF in UEFI mode prints its own attempts.
    fleet.machine('disk-1')!.setBootMode('Legacy');
    const started = Date.now();
    await fleet.powerOn('disk-1');
    const serial = fleet.serial('disk-1');
    // SeaBIOS tries the disk, then the other devices and the NIC's iPXE, then gives up.
    while (!serial.tail().includes('No bootable device.') && Date.now() - started < 25_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const console_ = serial.tail();
    console.log(`QEMU empty disk: "No bootable device." after ${Date.now() - started} ms`);
    expect(console_).toMatch(/SeaBIOS \(version /);
    expect(console_).toContain('Booting from Hard Disk...');
    expect(console_).toContain('Boot failed: not a bootable disk');
    expect(console_).toContain('No bootable device.');
    // Nothing of the model's imitation, nor QEMU's warning about the sercon fw_cfg item.
    expect(console_).not.toMatch(/Press <F2>|Boot mode:|Linux version|fw_cfg/);
    expect(fleet.get('disk-1')).toMatchObject({ kind: 'qemu', power: 'On', os: 'disk' });
  }, 40_000);
});
