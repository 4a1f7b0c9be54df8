import { describe, expect, it } from 'vitest';
import { FakeHost } from '../testing/fake-host';
import { DEFAULT_CONFIG_FILE, loadAgentConfig } from './load-config';
import { CONFIG_MEDIA_MOUNT_POINT, readVmediaConfig } from './vmedia-config';
import { VMEDIA_MOUNT_POINT } from './vmedia-params';

interface Medium {
  kname: string;
  label: string;
  type: string;
  tran: string;
  size: number;
  /** Files of its file system, relative to its root. */
  files: Record<string, string>;
}

/** Block devices as util-linux reports them; mount shows a medium's files at the mount point. */
function machine(cmdline: string, media: Medium[], files: Record<string, string> = {}) {
  const host = new FakeHost();
  host.file('/proc/cmdline', cmdline);
  for (const [path, content] of Object.entries(files)) host.file(path, content);
  const mounts: string[] = [];
  host.command('lsblk', (args) => {
    if (args.includes('-oKNAME,LABEL')) {
      return media.map((d) => `KNAME="${d.kname}" LABEL="${d.label}"\n`).join('');
    }
    const d = media.find((x) => x.kname === args[args.length - 1]);
    if (!d) return { exitCode: 32, stdout: '', stderr: 'not a block device' };
    return `KNAME="${d.kname}" TRAN="${d.tran}" TYPE="${d.type}" SIZE="${d.size}"\n`;
  });
  host.command('findmnt', () => ({ exitCode: 1, stdout: '', stderr: '' }));
  host.command('mkdir', () => '');
  host.command('mount', (args) => {
    const [device, point] = args.slice(-2) as [string, string];
    const medium = media.find((m) => m.kname === device)!;
    mounts.push(`${device} ${point}`);
    for (const [path, content] of Object.entries(medium.files))
      host.file(`${point}/${path}`, content);
    return '';
  });
  host.command('umount', (args) => {
    const point = args[0]!;
    for (const path of [...host.files.keys()])
      if (path.startsWith(`${point}/`)) host.files.delete(path);
    return '';
  });
  return { host, mounts };
}

const bootIso = (files: Record<string, string>): Medium => ({
  kname: '/dev/sr0',
  label: 'VMEDIA_BOOT_ISO',
  type: 'rom',
  tran: 'sata',
  size: 60 * 1024 ** 2,
  files,
});

describe('configuration on the boot media', () => {
  it('reads etc/ironic-python-agent and its .d from the ISO, between the config file and the command line', async () => {
    const { host, mounts } = machine(
      'boot_method=vmedia ipa-api-url=http://cmdline.example:6385',
      [
        bootIso({
          'etc/ironic-python-agent/ironic-python-agent.conf':
            '[DEFAULT]\nlisten_port = 9001\napi_url = http://iso.example:6385\nlookup_timeout = 60\n',
          'etc/ironic-python-agent.d/20-later.conf': '[DEFAULT]\nlookup_timeout = 90\n',
          'etc/ironic-python-agent.d/10-first.conf':
            '[DEFAULT]\nlookup_timeout = 70\nlisten_port = 9002\n',
          'etc/ironic-python-agent.d/README': 'not a config file\n',
        }),
      ],
      { [DEFAULT_CONFIG_FILE]: '[DEFAULT]\nlisten_port = 9000\nlookup_interval = 2\n' },
    );
    const config = await loadAgentConfig({ host });
    expect(mounts).toEqual([`/dev/sr0 ${CONFIG_MEDIA_MOUNT_POINT}`]);
    // The media win over the image's own file, the .d files in name order over the main one …
    expect(config.listen_port).toBe(9002);
    expect(config.lookup_timeout).toBe(90);
    expect(config.lookup_interval).toBe(2);
    // … and the command line wins over the media.
    expect(config.api_url).toEqual(['http://cmdline.example:6385']);
    expect([...host.files.keys()].some((p) => p.startsWith(CONFIG_MEDIA_MOUNT_POINT))).toBe(false);
  });

  it('names the file on the media when a value is wrong', async () => {
    const { host } = machine('boot_method=vmedia', [
      bootIso({ 'etc/ironic-python-agent.d/bad.conf': '[DEFAULT]\nlisten_port = many\n' }),
    ]);
    await expect(loadAgentConfig({ host })).rejects.toThrow(
      'listen_port: "many" from virtual media /dev/sr0:/etc/ironic-python-agent.d/bad.conf is not',
    );
  });

  it('reads both the ISO (config-2 label too) and the parameters stick in one boot', async () => {
    const { host, mounts } = machine('boot_method=vmedia', [
      {
        ...bootIso({ 'etc/ironic-python-agent.d/a.conf': 'listen_port = 9100\n' }),
        label: 'config-2',
      },
      {
        kname: '/dev/sdb',
        label: 'ir-vfd-dev',
        type: 'disk',
        tran: 'usb',
        size: 1474560,
        files: { 'parameters.txt': 'ipa-agent-token=t0k3n\n' },
      },
    ]);
    const config = await loadAgentConfig({ host });
    expect(mounts).toEqual([
      `/dev/sr0 ${CONFIG_MEDIA_MOUNT_POINT}`,
      `/dev/sdb ${VMEDIA_MOUNT_POINT}`,
    ]);
    expect(config.listen_port).toBe(9100);
    expect(config.agent_token).toBe('t0k3n');
  });

  it('is not looked for on network boots, nor taken from a disk that only carries the label', async () => {
    const pxe = machine('ipa-api-url=http://x:6385', [
      bootIso({ 'etc/ironic-python-agent.d/a.conf': 'listen_port = 9100\n' }),
    ]);
    expect((await loadAgentConfig({ host: pxe.host })).listen_port).toBe(9999);
    expect(pxe.mounts).toEqual([]);

    const disk = machine('boot_method=vmedia', [
      {
        ...bootIso({ 'etc/ironic-python-agent.d/a.conf': 'listen_port = 9100\n' }),
        type: 'disk',
        tran: 'nvme',
      },
    ]);
    const found = await readVmediaConfig(disk.host);
    expect(found.files).toEqual([]);
    expect(found.notes.join('\n')).toMatch(/\/dev\/sr0 is not virtual media/);
  });
});
