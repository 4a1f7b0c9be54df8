import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import type { Machine } from '../../machine';
import { testMachine } from '../../testing/machines';
import { IpmiBmc } from './ipmi-bmc';
import { BOOT_FLAG_TIMEOUT_MS } from './boot-flag-timer';
import { HANDSHAKE_TIMEOUT_MS } from './ipmi-endpoint';

const exec = promisify(execFile);

let bmc: IpmiBmc | undefined;
let machine: Machine | undefined;
afterEach(async () => {
  await bmc?.stop();
  await machine?.powerOff();
  bmc = undefined;
  machine = undefined;
});

async function start(profile = 'compute-nvme') {
  const clock = new FakeClock();
  machine = testMachine(profile, clock);
  bmc = new IpmiBmc({ machine, clock });
  await bmc.start();
  return { clock, machine, bmc };
}

/** Runs the real ipmitool over lanplus; -R 1 -N 1 keeps a non-answering BMC's failure quick. */
async function ipmitool(
  args: string[],
  { password = 'secret-pw', user = 'admin', cipher = true } = {},
) {
  const base = [
    '-I',
    'lanplus',
    '-H',
    '127.0.0.1',
    '-p',
    String(bmc!.port),
    '-U',
    user,
    '-P',
    password,
    '-R',
    '1',
    '-N',
    '1',
  ];
  if (cipher) base.push('-C', '3');
  try {
    const { stdout, stderr } = await exec('/usr/bin/ipmitool', [...base, ...args], {
      timeout: 20_000,
    });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('IPMI 2.0 BMC with the real ipmitool -I lanplus', () => {
  it('reports and changes power: status, on, off, cycle, reset, soft', async () => {
    const { machine, clock } = await start();
    expect((await ipmitool(['power', 'status'], { cipher: false })).stdout).toBe(
      'Chassis Power is off\n',
    );
    expect((await ipmitool(['power', 'on'])).stdout).toBe('Chassis Power Control: Up/On\n');
    expect(machine.phase).toBe('firmware');
    expect((await ipmitool(['power', 'status'])).stdout).toBe('Chassis Power is on\n');
    await clock.advance(1);
    expect((await ipmitool(['power', 'reset'])).ok).toBe(true);
    await clock.advance(0);
    expect(machine.phase).toBe('firmware');
    expect((await ipmitool(['power', 'cycle'])).ok).toBe(true);
    await clock.advance(0);
    expect(machine.phase).toBe('off');
    await clock.advance(machine.spec.timings.cycleOffMs);
    expect(machine.phase).toBe('firmware');
    expect((await ipmitool(['power', 'off'])).stdout).toBe('Chassis Power Control: Down/Off\n');
    await clock.advance(0);
    expect(machine.phase).toBe('off');
    expect((await ipmitool(['power', 'soft'])).ok).toBe(true);
    expect(machine.phase).toBe('off');
  });

  it('sets the boot device with persistent and EFI options and reads it back', async () => {
    const { machine } = await start();
    expect((await ipmitool(['chassis', 'bootdev', 'pxe'])).stdout).toContain(
      'Set Boot Device to pxe',
    );
    expect(machine.bootOverride).toEqual({ target: 'Pxe', enabled: 'Once' });
    expect(machine.bootMode).toBe('Legacy');
    await ipmitool(['chassis', 'bootdev', 'disk', 'options=persistent,efiboot']);
    expect(machine.bootOverride).toEqual({ target: 'Hdd', enabled: 'Continuous' });
    expect(machine.bootMode).toBe('UEFI');
    const param = await ipmitool(['chassis', 'bootparam', 'get', '5']);
    expect(param.stdout).toContain('Boot parameter data: e008000000');
    expect(param.stdout).toContain('Options apply to all future boots');
    expect(param.stdout).toContain('Force Boot from default Hard-Drive');
    await ipmitool(['chassis', 'bootdev', 'cdrom']);
    expect(machine.bootOverride.target).toBe('Cd');
    await ipmitool(['chassis', 'bootdev', 'bios']);
    expect(machine.bootOverride.target).toBe('BiosSetup');
    // Ironic's raw UEFI one-time PXE request and its "disable the 60 s timeout" request.
    expect(
      (await ipmitool(['raw', '0x00', '0x08', '0x05', '0xa0', '0x04', '0x00', '0x00', '0x00'])).ok,
    ).toBe(true);
    expect(machine.bootOverride).toEqual({ target: 'Pxe', enabled: 'Once' });
    expect((await ipmitool(['raw', '0x00', '0x08', '0x03', '0x08'])).ok).toBe(true);
    // Floppy is no device of ours: completion code 0xCC, which ipmitool reports on stderr.
    expect((await ipmitool(['chassis', 'bootdev', 'floppy'])).stderr).toContain(
      'Invalid data field in request',
    );
    expect(machine.bootOverride.target).toBe('Pxe');
  });

  it('prints the LAN configuration the agent reads in-band, and channel info', async () => {
    const { machine } = await start('storage-2u');
    const lan = await ipmitool(['lan', 'print', '1']);
    expect(lan.stdout).toContain(`IP Address              : ${machine.spec.bmc.ipv4}\n`);
    expect(lan.stdout).toContain(`MAC Address             : ${machine.spec.bmc.mac}\n`);
    expect(lan.stdout).toContain('RMCP+ Cipher Suites     : 3\n');
    expect((await ipmitool(['lan', 'print', '2'])).stderr).toContain('Invalid channel: 2');
    const info = await ipmitool(['channel', 'info', '1']);
    expect(info.stdout).toContain('Channel Medium Type   : 802.3 LAN');
    expect(info.stdout).toContain('Access Mode         : always available');
  });

  it('forgets a one-time boot device after 60 s unless told to keep it, as Ironic works around', async () => {
    const { machine, clock } = await start();
    await ipmitool(['chassis', 'bootdev', 'pxe']);
    expect(machine.bootOverride).toEqual({ target: 'Pxe', enabled: 'Once' });
    await clock.advance(BOOT_FLAG_TIMEOUT_MS);
    expect(machine.bootOverride.enabled).toBe('Disabled');
    // Ironic's "disable the 60 s timeout", then the same one-time request: it stays.
    await ipmitool(['raw', '0x00', '0x08', '0x03', '0x08']);
    await ipmitool(['chassis', 'bootdev', 'pxe']);
    await clock.advance(BOOT_FLAG_TIMEOUT_MS * 2);
    expect(machine.bootOverride).toEqual({ target: 'Pxe', enabled: 'Once' });
    expect((await ipmitool(['raw', '0x00', '0x09', '0x03', '0x00', '0x00'])).stdout.trim()).toBe(
      '01 03 08',
    );
  });

  it('answers mc info and chassis status', async () => {
    await start('storage-2u');
    const info = await ipmitool(['mc', 'info']);
    expect(info.stdout).toContain('IPMI Version              : 2.0');
    expect(info.stdout).toContain('Manufacturer ID           : 674');
    const status = await ipmitool(['chassis', 'status']);
    expect(status.stdout).toContain('System Power         : off');
    expect(status.stdout).toContain('Power Restore Policy : always-off');
  });

  it('refuses a wrong password or user quickly and keeps serving', async () => {
    const { machine, clock } = await start();
    const started = Date.now();
    const wrong = await ipmitool(['power', 'on'], { password: 'nope' });
    expect(wrong.ok).toBe(false);
    expect(wrong.stderr).toMatch(/RAKP 2|HMAC|Unable to establish/i);
    const stranger = await ipmitool(['power', 'on'], { user: 'root' });
    expect(stranger.ok).toBe(false);
    expect(stranger.stderr).toMatch(/unauthorized name|Unable to establish/i);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(machine.phase).toBe('off');
    expect((await ipmitool(['power', 'status'])).stdout).toBe('Chassis Power is off\n');
    // The rejected handshakes leave nothing behind once their set-up window has passed.
    await clock.advance(HANDSHAKE_TIMEOUT_MS + 1);
    bmc!.endpoint.handle(Buffer.alloc(0));
    expect(bmc!.endpoint.sessionCount).toBe(0);
  });

  it('stays silent while the BMC is unreachable, and answers again after', async () => {
    const { machine } = await start();
    machine.faults.bmcUnreachable = true;
    const down = await ipmitool(['power', 'status']);
    expect(down.ok).toBe(false);
    machine.faults.bmcUnreachable = false;
    expect((await ipmitool(['power', 'status'])).stdout).toBe('Chassis Power is off\n');
  });

  it('answers every command with "node busy" while the BMC is in error, and recovers', async () => {
    const { machine } = await start();
    machine.faults.bmcError = true;
    const busy = await ipmitool(['power', 'status']);
    expect(busy.ok).toBe(false);
    expect(busy.stderr).toMatch(/Node Busy/i);
    machine.faults.bmcError = false;
    expect((await ipmitool(['power', 'status'])).stdout).toBe('Chassis Power is off\n');
  });

  it('acknowledges but ignores power control when the fault says so', async () => {
    const { machine } = await start();
    machine.faults.powerActionIgnored = true;
    expect((await ipmitool(['power', 'on'])).ok).toBe(true);
    expect(machine.phase).toBe('off');
  });
});

describe('the fleet with IPMI enabled', () => {
  it('gives each machine its own UDP port that ipmitool can drive', async () => {
    const { Fleet } = await import('../../fleet');
    const fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:9',
      clock: new FakeClock(),
      redfish: { port: 0 },
      ipmi: { basePort: 0 },
    });
    fleet.addMachine({ profile: 'small-vm', id: 'a' });
    await fleet.start();
    fleet.addMachine({ profile: 'small-vm', id: 'b' });
    try {
      const a = (await fleet.ipmi('a'))!;
      const b = (await fleet.ipmi('b'))!;
      expect(a.port).not.toBe(b.port);
      const { stdout } = await exec('/usr/bin/ipmitool', [
        '-I',
        'lanplus',
        '-H',
        b.host,
        '-p',
        String(b.port),
        '-U',
        b.username,
        '-P',
        b.password,
        'power',
        'on',
      ]);
      expect(stdout).toBe('Chassis Power Control: Up/On\n');
      expect(fleet.get('b')?.power).toBe('On');
      expect(fleet.get('a')?.power).toBe('Off');
    } finally {
      await fleet.stop();
    }
    // Stopping the fleet closed every BMC's socket.
    await expect(fleet.ipmi('a')).rejects.toThrow(/not started/);
  });
});
