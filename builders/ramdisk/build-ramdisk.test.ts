import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram } from '../support/find-program';
import {
  AGENT_CA_PATH,
  AGENT_CONFIG_PATH,
  PLUGIN_DIR,
  type RamdiskOptions,
  type RamdiskResult,
  buildRamdisk,
  mergeAgentConfig,
} from './build-ramdisk';
import { parseCompression } from './compress';
import { VIRTUAL_MODULES } from './kernel-modules';
import { type ReadEntry, readCpio, readCpioAt } from './testing/cpio-reader';

// Builds real ramdisks from this machine's Debian packages (kernel, BusyBox, Node, the tools):
// a missing package fails the test with its name, as the builder reports it.
describe('buildRamdisk', () => {
  let dir: string;
  let customised: Omit<RamdiskOptions, 'initramfs'>;
  let first: RamdiskResult;
  let entries: Map<string, ReadEntry>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'build-ramdisk-'));
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    mkdirSync(join(dir, 'hw'));
    customised = {
      kernel: join(dir, 'out', 'ipa.kernel'),
      compression: parseCompression('zstd:1'),
      modules: VIRTUAL_MODULES,
      sshAuthorizedKeys: file(
        'authorized_keys',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample operator\n',
      ),
      caFile: file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'),
      configFile: file('ipa.conf', '[DEFAULT]\nlisten_port = 9998\n'),
      hardwareManagers: [
        file(
          'hw/acme-manager.ts',
          "export default { name: 'acme', version: '1.0', evaluateHardwareSupport: () => 0, methods: {} };\n",
        ),
      ],
      bootScripts: [file('10-motd.sh', 'echo hello from a boot script\n')],
    };
    first = await buildRamdisk({ ...customised, initramfs: join(dir, 'out', 'a.initramfs') });
    // A plain archive with the /usr image, then the zstd-compressed rest.
    const bytes = readFileSync(first.initramfs);
    const image = readCpioAt(bytes, 0);
    const unpacked = spawnSync('zstd', ['-dc'], {
      input: bytes.subarray(image.end),
      maxBuffer: 512 * 1024 * 1024,
    });
    expect(unpacked.status).toBe(0);
    entries = new Map(
      [...image.entries, ...readCpio(unpacked.stdout)].map((e) => [`/${e.name}`, e]),
    );
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const text = (path: string) => entries.get(path)?.data.toString('utf8');

  it('is reproducible: the same inputs give the same bytes', async () => {
    const second = await buildRamdisk({
      ...customised,
      initramfs: join(dir, 'out', 'b.initramfs'),
    });
    expect(second.sha256).toBe(first.sha256);
    expect(readFileSync(second.initramfs).equals(readFileSync(first.initramfs))).toBe(true);
    expect(first.missingRequiredTools).toEqual([]);
  }, 600_000);

  it('unpacks /init, the agent, BusyBox and a squashfs /usr, every entry owned by root at one time', () => {
    expect(text('/init')).toMatch(/^#!\/bin\/sh\n/);
    expect(entries.get('/init')!.mode & 0o777).toBe(0o755);
    expect(text('/agent.mjs')).toContain('ironic-python-agent');
    expect(entries.get('/usr/bin/busybox')?.data.length).toBeGreaterThan(500_000);
    expect(text('/usr/bin/sh')).toBe('busybox');
    expect(text('/sbin')).toBe('usr/sbin');
    expect(entries.get('/dev/console')).toMatchObject({ rdevMajor: 5, rdevMinor: 1 });
    const image = entries.get('/ipa-usr.squashfs');
    expect(image?.data.subarray(0, 4).toString('latin1')).toBe('hsqs');
    expect(first.usrImageBytes).toBe(image?.data.length);
    for (const e of entries.values()) expect([e.uid, e.gid, e.mtime]).toEqual([0, 0, 0]);
    // Only the modules that mount /usr are outside the image.
    const early = [...entries.keys()]
      .filter((p) => p.endsWith('.ko'))
      .map((p) => p.split('/').pop());
    expect(early.sort()).toEqual(['loop.ko', 'squashfs.ko']);
  });

  it('puts Node, the tools with their libraries and the kernel modules in the /usr image', () => {
    if (!findProgram('unsquashfs'))
      throw new Error('unsquashfs is not installed: apt-get install squashfs-tools');
    writeFileSync(join(dir, 'image'), entries.get('/ipa-usr.squashfs')!.data);
    const listing = spawnSync('unsquashfs', ['-lc', join(dir, 'image')], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    const files = new Set(
      listing.stdout.split('\n').map((l) => l.replace(/^squashfs-root/, '/usr')),
    );
    for (const path of [
      '/usr/bin/node',
      '/usr/bin/lsblk',
      '/usr/sbin/wipefs',
      '/usr/sbin/hdparm',
      '/usr/sbin/nvme',
      '/usr/sbin/dropbear',
      '/usr/sbin/parted',
      '/usr/sbin/partprobe',
      '/usr/bin/efibootmgr',
      '/usr/bin/lshw',
      '/usr/lib/x86_64-linux-gnu/libparted.so.2',
      '/usr/lib/x86_64-linux-gnu/libefiboot.so.1',
      '/usr/lib/x86_64-linux-gnu/libefivar.so.1',
      '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
      `/usr/lib/modules/${first.kernelVersion}/kernel/drivers/block/virtio_blk.ko`,
      `/usr/lib/modules/${first.kernelVersion}/modules.dep`,
      `${PLUGIN_DIR}/acme-manager.mjs`,
      '/usr/lib/systemd/systemd-udevd',
      '/usr/lib/udev/rules.d/60-persistent-storage.rules',
      '/usr/lib/udev/rules.d/80-ipa-modprobe.rules',
      '/usr/lib/udev/scsi_id',
    ]) {
      expect(files, path).toContain(path);
    }
  });

  it('embeds SSH keys, the CA, the agent config with both, and boot scripts', () => {
    expect(text('/root/.ssh/authorized_keys')).toContain('ssh-ed25519');
    expect(entries.get('/root/.ssh/authorized_keys')!.mode & 0o777).toBe(0o600);
    expect(text('/etc/dropbear/enabled')).toBe('');
    expect(text(AGENT_CA_PATH)).toContain('BEGIN CERTIFICATE');
    expect(text('/etc/ironic-python-agent/agent.env')).toBe(
      `NODE_EXTRA_CA_CERTS=${AGENT_CA_PATH}\n`,
    );
    expect(text(AGENT_CONFIG_PATH)).toBe(
      `[DEFAULT]\ncafile = ${AGENT_CA_PATH}\nhardware_managers = ${PLUGIN_DIR}/acme-manager.mjs\nlisten_port = 9998\n`,
    );
    expect(text('/etc/ironic-python-agent/boot.d/01-10-motd.sh')).toBe(
      'echo hello from a boot script\n',
    );
  });

  it('names the missing input file before building', async () => {
    await expect(
      buildRamdisk({ ...customised, initramfs: join(dir, 'x'), caFile: join(dir, 'missing.pem') }),
    ).rejects.toThrow(`--ca-file ${join(dir, 'missing.pem')}: no such file`);
  });
});

describe('mergeAgentConfig', () => {
  it('adds settings to [DEFAULT] unless the operator set them', () => {
    expect(
      mergeAgentConfig('[DEFAULT]\ncafile = /mine\n[mdns]\nx = 1\n', ['cafile = /ours', 'a = 1']),
    ).toBe('[DEFAULT]\na = 1\ncafile = /mine\n[mdns]\nx = 1\n');
    expect(mergeAgentConfig('', ['a = 1'])).toBe('a = 1\n');
    expect(mergeAgentConfig('[mdns]\nuse_mdns = true\n', ['a = 1'])).toBe(
      '[DEFAULT]\na = 1\n\n[mdns]\nuse_mdns = true\n',
    );
    // A key set only in another section does not count.
    expect(mergeAgentConfig('[mdns]\na = 2\n', ['a = 1'])).toContain('[DEFAULT]\na = 1');
  });
});
