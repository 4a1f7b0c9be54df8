import { describe, expect, it } from 'vitest';
import { parseIsoArgs } from '../iso/cli-options';
import { pluginFileName } from './agent-bundle';
import { parseRamdiskArgs } from './cli-options';
import { parseCompression } from './compress';
import { checkTools, describeMissing } from './debian-tools';
import { VIRTUAL_MODULES } from './kernel-modules';

describe('build:ramdisk options', () => {
  it('writes PREFIX.kernel and PREFIX.initramfs with zstd by default, /usr as an image', () => {
    const { options } = parseRamdiskArgs([]);
    expect(options).toMatchObject({
      initramfs: 'ironic-python-agent.initramfs',
      kernel: 'ironic-python-agent.kernel',
      compression: { kind: 'zstd' },
      layout: 'squashfs',
      stripNode: true,
    });
  });

  it('takes every customisation', () => {
    const { options } = parseRamdiskArgs([
      '-o',
      'out/ipa',
      '--compress',
      'xz:6',
      '--modules',
      'virtual',
      '--add-module',
      'bnxt_en',
      '--ssh-keys',
      'keys',
      '--ca-file',
      'ca.pem',
      '--config-file',
      'ipa.conf',
      '--hardware-manager',
      '@acme/hw',
      '--hardware-manager',
      './local.ts',
      '--boot-script',
      'a.sh',
      '--tool',
      'ethtool',
      '--flat',
      '--no-strip',
    ]);
    expect(options).toMatchObject({
      initramfs: 'out/ipa.initramfs',
      compression: { kind: 'xz', level: 6 },
      modules: [...VIRTUAL_MODULES, 'bnxt_en'],
      sshAuthorizedKeys: 'keys',
      caFile: 'ca.pem',
      configFile: 'ipa.conf',
      hardwareManagers: ['@acme/hw', './local.ts'],
      bootScripts: ['a.sh'],
      extraTools: ['ethtool'],
      layout: 'flat',
      stripNode: false,
    });
  });

  it('rejects bad values with a message naming them', () => {
    expect(() => parseRamdiskArgs(['--compress', 'lzma'])).toThrow(/unknown compression "lzma"/);
    expect(() => parseRamdiskArgs(['--compress', 'zstd:30'])).toThrow(/from 1 to 19/);
    expect(() => parseRamdiskArgs(['--bogus'])).toThrow(/bogus/);
    expect(() => parseRamdiskArgs(['extra'])).toThrow(/unexpected argument "extra"/);
    expect(parseCompression('none')).toEqual({ kind: 'none' });
  });

  it('names bundled plugins after their package or file', () => {
    expect(pluginFileName('@acme/hw-manager')).toBe('acme-hw-manager.mjs');
    expect(pluginFileName('./managers/acme.ts')).toBe('acme.mjs');
    expect(pluginFileName('file:/opt/x/site.mjs')).toBe('site.mjs');
  });

  it('says which tools are missing and which Debian package installs them', () => {
    const check = checkTools(
      [
        { name: 'lsblk', package: 'util-linux', required: true },
        { name: 'wipefs', package: 'util-linux', required: true },
        { name: 'nvme', package: 'nvme-cli', required: true },
        { name: 'lshw', package: 'lshw', required: false },
      ],
      (name) => (name === 'lsblk' ? '/usr/bin/lsblk' : null),
    );
    expect(check.found.map((f) => f.path)).toEqual(['/usr/bin/lsblk']);
    expect(describeMissing(check.missingRequired)).toBe(
      'wipefs (util-linux); nvme (nvme-cli); install with: apt-get install util-linux nvme-cli',
    );
    expect(check.missingOptional.map((s) => s.name)).toEqual(['lshw']);
  });
});

describe('build:iso options', () => {
  it('needs the output, kernel and initramfs', () => {
    expect(() => parseIsoArgs(['-o', 'x.iso'])).toThrow('missing --kernel, --initramfs');
    const { options } = parseIsoArgs([
      '-o',
      'x.iso',
      '-k',
      'k',
      '-i',
      'i',
      '--kernel-params',
      'a=1 b=2',
      '--label',
      'MY_ISO',
    ]);
    expect(options).toEqual({
      output: 'x.iso',
      kernel: 'k',
      initramfs: 'i',
      kernelParams: 'a=1 b=2',
      volumeLabel: 'MY_ISO',
    });
  });
});
