import { describe, expect, it } from 'vitest';
import { FakeHost } from '../testing/fake-host';
import { loadAgentConfig } from './load-config';
import { VMEDIA_MOUNT_POINT, parsePairs, readVmediaParams } from './vmedia-params';

const STICK =
  'ipa-api-url=http://10.0.2.2:6385\nipa-advertise-port=40001\nipa-agent-token=from-media\n';

interface Device {
  kname: string;
  label: string;
  type: string;
  tran: string;
  size: number;
}

/**
 * A machine whose block devices answer lsblk like util-linux does, and whose mount puts
 * parameters.txt under the mount point when the right device is mounted.
 */
function machine(cmdline: string, devices: Device[], files: Record<string, string> = {}) {
  const host = new FakeHost();
  host.file('/proc/cmdline', cmdline);
  for (const [path, content] of Object.entries(files)) host.file(path, content);
  const mounted: string[] = [];
  host.command('lsblk', (args) => {
    if (args.includes('-oKNAME,LABEL')) {
      return devices.map((d) => `KNAME="${d.kname}" LABEL="${d.label}"`).join('\n') + '\n';
    }
    const d = devices.find((x) => x.kname === args[args.length - 1]);
    if (!d) return { exitCode: 32, stdout: '', stderr: 'not a block device' };
    return `KNAME="${d.kname.replace('/dev/', '')}" TRAN="${d.tran}" TYPE="${d.type}" SIZE="${d.size}"\n`;
  });
  host.command('findmnt', () => ({ exitCode: 1, stdout: '', stderr: '' }));
  host.command('mkdir', () => '');
  host.command('mount', (args) => {
    mounted.push(args[args.length - 2]!);
    host.file(`${VMEDIA_MOUNT_POINT}/parameters.txt`, STICK);
    return '';
  });
  host.command('umount', () => {
    host.files.delete(`${VMEDIA_MOUNT_POINT}/parameters.txt`);
    return '';
  });
  return { host, mounted };
}

const usbStick: Device = {
  kname: '/dev/sdb',
  label: 'ir-vfd-dev',
  type: 'disk',
  tran: 'usb',
  size: 8 * 1024 ** 2,
};

describe('virtual media parameters', () => {
  it('completes the kernel command line from parameters.txt when booted from virtual media', async () => {
    const { host, mounted } = machine(
      'BOOT_IMAGE=/vmlinuz boot_method=vmedia ipa-api-url=http://iso.example:6385 ipa-advertise-host=127.0.0.1 ipa-debug=1',
      [
        { kname: '/dev/sr0', label: 'VMEDIA_BOOT_ISO', type: 'rom', tran: 'sata', size: 1e8 },
        usbStick,
      ],
    );
    const config = await loadAgentConfig({ host });
    // The ISO is looked at for configuration files first (vmedia-config.ts), then the stick.
    expect(mounted).toEqual(['/dev/sr0', '/dev/sdb']);
    // Media wins over the command line; what only the command line sets stays.
    expect(config.api_url).toEqual(['http://10.0.2.2:6385']);
    expect(config.advertise_port).toBe(40001);
    expect(config.agent_token).toBe('from-media');
    expect(config.advertise_host).toBe('127.0.0.1');
    expect(config.debug).toBe(true);
    expect(config.kernel_params).toMatchObject({
      boot_method: 'vmedia',
      'ipa-agent-token': 'from-media',
      'ipa-api-url': 'http://10.0.2.2:6385',
    });
    // Unmounted afterwards.
    expect(host.files.has(`${VMEDIA_MOUNT_POINT}/parameters.txt`)).toBe(false);
  });

  it('is not consulted without boot_method=vmedia, and flags still win over it', async () => {
    const { host, mounted } = machine('ipa-api-url=http://pxe.example:6385', [usbStick]);
    const config = await loadAgentConfig({ host });
    expect(mounted).toEqual([]);
    expect(config.api_url).toEqual(['http://pxe.example:6385']);

    const vm = machine('boot_method=vmedia', [usbStick]);
    const flagged = await loadAgentConfig({ host: vm.host, argv: ['--advertise-port', '7000'] });
    expect(flagged.advertise_port).toBe(7000);
    expect(flagged.agent_token).toBe('from-media');
  });

  it('names the media as the source of a bad value', async () => {
    const { host } = machine('boot_method=vmedia', [usbStick]);
    host.command('mount', () => {
      host.file(`${VMEDIA_MOUNT_POINT}/parameters.txt`, 'ipa-advertise-port=http\n');
      return '';
    });
    await expect(loadAgentConfig({ host })).rejects.toThrow(
      'advertise_port: "http" from virtual media parameters.txt (ipa-advertise-port) is not',
    );
  });

  it('passes over partitions, real disks and large USB disks that carry the label', async () => {
    const big = { ...usbStick, kname: '/dev/sdc', size: 64 * 1024 ** 3 };
    const part = { ...usbStick, kname: '/dev/sda1', type: 'part' };
    const nvme = { ...usbStick, kname: '/dev/nvme0n1', tran: 'nvme' };
    const { host, mounted } = machine('boot_method=vmedia', [part, big, nvme]);
    const notes: string[] = [];
    const config = await loadAgentConfig({ host, notes: (n) => notes.push(n) });
    expect(mounted).toEqual([]);
    expect(config.agent_token).toBeNull();
    expect(notes.join('\n')).toMatch(/\/dev\/sda1 is a partition/);
    expect(notes.join('\n')).toMatch(
      /\/dev\/sdc is not virtual media \(type disk, transport usb\)/,
    );
    expect(notes.join('\n')).toMatch(/no virtual media device with parameters/);
  });

  it('finds an unlabelled floppy by its "virtual media" model, and a read-only drive qualifies', async () => {
    const floppy: Device = {
      kname: '/dev/sdd',
      label: '',
      type: 'rom',
      tran: 'usb',
      size: 1474560,
    };
    const { host, mounted } = machine('boot_method=vmedia', [floppy], {
      '/sys/class/block/sda/device/model': 'QEMU HARDDISK\n',
      '/sys/class/block/sdd/device/model': 'Virtual Media   \n',
    });
    const found = await readVmediaParams(host);
    expect(found.device).toBe('/dev/sdd');
    expect(mounted).toEqual(['/dev/sdd']);
    expect(found.params['ipa-agent-token']).toBe('from-media');
  });

  it('reads from where the device is already mounted', async () => {
    const { host, mounted } = machine('boot_method=vmedia', [usbStick], {
      '/media/stick/parameters.txt': 'ipa-agent-token=already-there\n',
    });
    host.command('findmnt', () => '/media/stick\n');
    const found = await readVmediaParams(host);
    expect(mounted).toEqual([]);
    expect(found.params).toEqual({ 'ipa-agent-token': 'already-there' });
  });

  it('returns nothing, without failing, when the tools are missing', async () => {
    const host = new FakeHost();
    const found = await readVmediaParams(host);
    expect(found.params).toEqual({});
    expect(found.device).toBeNull();
    expect(found.notes.join('\n')).toMatch(/not read/);
  });
});

describe('parsePairs', () => {
  it('reads lsblk -P rows with escapes', () => {
    expect(
      parsePairs('KNAME="/dev/sdb" LABEL="my\\x20stick"\nKNAME="/dev/sr0" LABEL=""\n'),
    ).toEqual([
      { KNAME: '/dev/sdb', LABEL: 'my stick' },
      { KNAME: '/dev/sr0', LABEL: '' },
    ]);
  });
});
