import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conductor } from '../conductor';
import { IpmiPower } from '../conductor/bmc/ipmi-power';
import type { NodeRow } from '../conductor/db/schema';
import { systemClock } from '../lib';

// A peer we did not write: pyghmi's BMC server (the one virtualbmc is built on, Debian's
// python3-pyghmi) with an in-memory machine. It prints every change so the test sees what our
// RMCP+ client made it do.
const BMC_SCRIPT = `
import sys
import pyghmi.ipmi.bmc as bmc

class Machine(bmc.Bmc):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.power = 'off'
        self.boot = 'default'
    def say(self, *words):
        print(*words, flush=True)
    def get_power_state(self):
        return self.power
    def power_on(self):
        self.power = 'on'; self.say('power', 'on')
    def power_off(self):
        self.power = 'off'; self.say('power', 'off')
    def power_shutdown(self):
        self.power = 'off'; self.say('power', 'soft-off')
    def get_boot_device(self):
        return self.boot
    def set_boot_device(self, device):
        self.boot = device; self.say('boot', device)

machine = Machine({'admin': 'pyghmi-pw'}, port=0, address='127.0.0.1')
# pyghmi routes session packets by its own port number: give it the one the OS chose.
machine.port = machine.serversocket.getsockname()[1]
print('port', machine.port, flush=True)
machine.listen()
`;

describe('conductor ipmi driver ↔ pyghmi BMC (python3-pyghmi)', () => {
  let bmc: ChildProcessWithoutNullStreams;
  let port: number;
  const events: string[] = [];
  let dataDir: string;
  let conductor: Conductor;

  beforeAll(async () => {
    bmc = spawn('/usr/bin/python3', ['-c', BMC_SCRIPT]);
    let stderr = '';
    bmc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: bmc.stdout });
    port = await new Promise<number>((resolve, reject) => {
      bmc.once('exit', (code) => reject(new Error(`pyghmi BMC exited (${code}): ${stderr}`)));
      lines.on('line', (line) => {
        const [what, value] = line.split(' ');
        if (what === 'port') resolve(Number(value));
        else events.push(line);
      });
    });
    dataDir = mkdtempSync(join(tmpdir(), 'conductor-pyghmi-'));
    conductor = new Conductor({ dataDir, listen: { host: '127.0.0.1', port: 0 } });
    await conductor.start();
  });

  afterAll(async () => {
    await conductor?.stop();
    bmc?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const driverInfo = (password: string) => ({
    ipmi_address: '127.0.0.1',
    ipmi_port: port,
    ipmi_username: 'admin',
    ipmi_password: password,
  });

  it('powers on and off and sets the boot device through pyghmi', async () => {
    const node = conductor.createNode({
      name: 'pyghmi-0',
      driver: 'ipmi',
      driver_info: driverInfo('pyghmi-pw'),
      properties: { capabilities: 'boot_mode:bios' },
      provision_state: 'manageable',
    });
    expect(node.driver_info.ipmi_password).toBe('******');
    expect((await conductor.setPowerState(node.uuid, 'power on')).power_state).toBe('power on');
    expect((await conductor.setPowerState(node.uuid, 'soft power off')).power_state).toBe(
      'power off',
    );
    const rebooted = await conductor.setPowerState(node.uuid, 'rebooting');
    expect(rebooted.power_state).toBe('power on');
    await conductor.setBootDevice(node.uuid, 'pxe');
    await conductor.setBootDevice(node.uuid, 'cdrom', true);
    // pyghmi's stdout and its UDP answers race each other: let the last lines arrive.
    const deadline = Date.now() + 5_000;
    while (events.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // The reboot found the machine off (soft-off before it), so it only powered it on.
    expect(events).toEqual([
      'power on',
      'power soft-off',
      'power on',
      'boot network',
      'boot optical',
    ]);

    // pyghmi reports the device it stores (it keeps no persistence bit).
    const row = { uuid: node.uuid, driverInfo: driverInfo('pyghmi-pw') } as unknown as NodeRow;
    const ipmi = new IpmiPower({ clock: systemClock });
    expect((await ipmi.getBootDevice(row)).boot_device).toBe('cdrom');
    expect(await ipmi.getPowerState(row)).toBe('power on');
  });

  it('a wrong password fails readably without waiting out timeouts', async () => {
    const row = { uuid: 'x', driverInfo: driverInfo('wrong') } as unknown as NodeRow;
    const ipmi = new IpmiPower({
      clock: systemClock,
      retry: { attemptTimeoutMs: 300, attempts: 2 },
    });
    const started = Date.now();
    await expect(ipmi.getPowerState(row)).rejects.toThrow(
      `IPMI authentication with the BMC at 127.0.0.1:${port} failed: wrong password for user 'admin'`,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
