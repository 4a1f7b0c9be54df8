import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../lib';
import { Fleet } from '../../../fleet';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./sushy_client.py', import.meta.url));

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('a real Redfish client (python3-sushy) against the fleet BMC', () => {
  it('lists systems, sets boot, powers on and off, inserts virtual media, over a session', async () => {
    fleet = new Fleet({
      apiUrl: 'http://127.0.0.1:9',
      clock: new FakeClock(),
      redfish: { port: 0 },
    });
    await fleet.start();
    fleet.addMachine({ profile: 'compute-nvme', id: 'node-1', bootDevice: 'Hdd' });
    fleet.addMachine({ profile: 'small-vm', id: 'node-2', bmcPassword: 'other' });
    const { driver_info: info } = fleet.enrollment('node-1');
    const { stdout } = await run('/usr/bin/python3', [
      SCRIPT,
      info.redfish_address,
      info.redfish_system_id,
      info.redfish_username,
      info.redfish_password,
    ]);
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    const machine = fleet.machine('node-1')!;
    expect(seen).toEqual({
      // node-2 has other credentials: this client's collection holds node-1 only.
      members: ['/redfish/v1/Systems/node-1'],
      before: {
        power: 'Off',
        uuid: machine.spec.system.uuid,
        boot_target: 'Hdd',
        // sushy sums TotalThreads over the Processors members: 2 sockets × 20 cores × 2 threads.
        cpus: 80,
        memory_gib: 384,
        allowed_resets: [
          'ForceOff',
          'ForceOn',
          'ForceRestart',
          'GracefulRestart',
          'GracefulShutdown',
          'Nmi',
          'On',
          'PowerCycle',
          'PushPowerButton',
        ],
      },
      boot: { target: 'Pxe', enabled: 'Once', mode: 'UEFI' },
      after_on: 'On',
      media: { image: 'http://192.0.2.1/ipa.iso', inserted: true },
      media_after_eject: false,
      bios_mode: 'Uefi',
      bios_pending: { ProcVirtualization: 'Disabled' },
      after_off: 'Off',
      session: true,
    });
    expect(machine.phase).toBe('off');
    expect(machine.bootOverride).toEqual({ target: 'Pxe', enabled: 'Once' });
  });
});
