import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib';
import { CommandExecutor } from '../../commands/command-executor';
import { stepExtension } from '../../commands/extensions/steps';
import { defaultAgentConfig } from '../../config';
import { ManagerDispatcher } from '../../hardware';
import { type FakeDisk, commandLines, diskHost } from '../../hardware/testing/disk-host';
import acme, { parseBiosVersion } from './index';

const logger = createLogger({ name: 'acme-test', level: 'silent' });
const MiB = 1024 * 1024;
const SHA = 'ab'.repeat(32);

/** An ACME machine as the manager sees it through the Host port. */
function acmeMachine(disks: FakeDisk[] = [{ kname: 'sda', size: 8 * 2 ** 30 }], vendor = 'ACME') {
  let bios = '2.3.0';
  return diskHost(disks)
    .file('/sys/class/dmi/id/sys_vendor', `${vendor}\n`)
    .command('acme-flash', (args) => {
      if (args[0] === '--version') return 'acme-flash 5.1\n';
      if (args[0] === '--query') return `Board: X11\nBIOS version: ${bios}\n`;
      if (args[0] === '--image') {
        if (args[1]!.endsWith('corrupt.cap')) {
          return { exitCode: 3, stdout: '', stderr: 'capsule signature invalid' };
        }
        bios = '2.4.1';
        return 'Flashing... 100%\n';
      }
      return { exitCode: 2, stdout: '', stderr: 'usage' };
    });
}

/** The agent's step commands over the configured plugin (loaded by path) and the generic one. */
async function agentWith(host: ReturnType<typeof acmeMachine>) {
  const hardware = new ManagerDispatcher({
    host,
    config: defaultAgentConfig({
      hardware_managers: [join(__dirname, 'index.ts')],
      disk_wait_attempts: 1,
    }),
    logger,
  });
  await hardware.start();
  const executor = new CommandExecutor({
    clock: host.clock,
    logger,
    signal: new AbortController().signal,
  });
  executor.register(stepExtension('clean', hardware));
  return { hardware, executor };
}

const node = { uuid: 'acme-1', driver_internal_info: { agent_enable_ata_secure_erase: false } };
const flash = (executor: CommandExecutor, args: Record<string, unknown>) =>
  executor.execute('clean.execute_clean_step', {
    step: { step: 'flash_bios', interface: 'management', priority: 0, args },
    node,
    ports: [],
  });

describe('ACME example hardware manager', () => {
  it('loads from its path and joins ahead of the generic manager on ACME machines only', async () => {
    const { hardware, executor } = await agentWith(acmeMachine());
    expect(hardware.versions()).toEqual({
      acme_hardware_manager: '1.0',
      generic_hardware_manager: '1.2',
    });
    const listed = await executor.execute('clean.get_clean_steps', { node, ports: [] });
    const steps = (listed.result as { clean_steps: Record<string, unknown[]> }).clean_steps;
    expect(steps.AcmeHardwareManager).toEqual([
      expect.objectContaining({ step: 'flash_bios', reboot_requested: true, abortable: false }),
    ]);
    expect(steps.GenericHardwareManager).toHaveLength(10);

    const other = await agentWith(acmeMachine(undefined, 'Dell Inc.'));
    expect(other.hardware.versions()).toEqual({ generic_hardware_manager: '1.2' });
  });

  it('flashes the BIOS with the vendor tool and reports the new version', async () => {
    const host = acmeMachine();
    const { executor } = await agentWith(host);
    const record = await flash(executor, {
      image_url: 'http://fw/x11-2.4.1.cap',
      sha256: SHA,
      version: '2.4.1',
    });
    await record.done;
    expect(record.status).toBe('SUCCEEDED');
    expect(record.result).toMatchObject({ clean_result: { bios_version: '2.4.1' } });
    expect(record.serialize().command_progress).toEqual({
      fraction: 1,
      message: 'BIOS flashed to 2.4.1; reboot to activate',
    });
    expect(commandLines(host, ['acme-flash'])).toEqual([
      'acme-flash --version',
      'acme-flash --query',
      `acme-flash --image http://fw/x11-2.4.1.cap --sha256 ${SHA} --yes`,
      'acme-flash --query',
    ]);
    // Asked again for the same version: nothing to do.
    const again = await flash(executor, {
      image_url: 'http://fw/x11-2.4.1.cap',
      sha256: SHA,
      version: '2.4.1',
    });
    await again.done;
    expect(commandLines(host, ['acme-flash']).filter((l) => l.includes('--image'))).toHaveLength(1);
  });

  it("fails with the tool's own words, or on bad arguments, before flashing", async () => {
    const host = acmeMachine();
    const { executor } = await agentWith(host);
    const bad = await flash(executor, { image_url: 'http://fw/corrupt.cap', sha256: SHA });
    await bad.done;
    expect(bad.error).toMatchObject({
      type: 'CleaningError',
      details:
        'Unexpected exception performing clean step flash_bios. Error: acme-flash failed (exit code 3): capsule signature invalid',
    });
    const noSum = await flash(executor, { image_url: 'http://fw/x.cap', sha256: 'nope' });
    await noSum.done;
    expect(noSum.error?.details).toContain('flash_bios: sha256 must be 64 hex digits');
  });

  it('erases MagicStore drives itself and leaves the other disks to the generic manager', async () => {
    const host = acmeMachine([
      { kname: 'sda', size: 2 * MiB, model: 'ACME MagicStore 960', backed: true },
      { kname: 'sdb', size: 2 * MiB, model: 'Samsung SSD', backed: true },
    ]).command('acme-secure-erase', () => 'erased\n');
    const { hardware } = await agentWith(host);
    const result = await hardware.call('erase_devices', { node, ports: [] });
    expect(result).toEqual({
      '/dev/sda': { method: 'acme-secure-erase' },
      '/dev/sdb': { method: 'shred', passes: 2, bytes_written: 4 * MiB },
    });
    expect(commandLines(host, ['acme-secure-erase'])).toEqual([
      'acme-secure-erase --device /dev/sda --confirm',
    ]);
  });

  it('reads the BIOS version acme-flash prints', () => {
    expect(parseBiosVersion('Board: X11\nBIOS version: 2.4.1\n')).toBe('2.4.1');
    expect(parseBiosVersion('no version here')).toBeNull();
  });

  it('is a manager object the loader accepts', () => {
    expect(acme.name).toBe('acme_hardware_manager');
    expect(Object.keys(acme.methods)).toEqual(['flash_bios', 'erase_block_device']);
  });
});
