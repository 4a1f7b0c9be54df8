import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIso, DEFAULT_VOLUME_LABEL } from './build-iso';
import { grubConfig, isolinuxConfig } from './boot-configs';

// Builds ISOs with Debian's isolinux, GRUB, mtools and xorriso; stand-in kernel and initramfs
// files are enough to check the layout (the QEMU tests boot a real one).
describe('buildIso', () => {
  let dir: string;
  let iso: string;
  const params = 'ipa-api-url=http://10.0.0.1:6385 console=ttyS0';

  const xorriso = (...args: string[]) => {
    const r = spawnSync('xorriso', ['-indev', iso, ...args], { encoding: 'utf8' });
    if (r.error) throw new Error('xorriso is not installed: apt-get install xorriso');
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const extract = (path: string) => {
    const out = join(dir, path.replace(/\//g, '_'));
    xorriso('-osirrox', 'on', '-extract', path, out);
    return readFileSync(out);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'build-iso-'));
    writeFileSync(join(dir, 'vmlinuz'), 'kernel bytes');
    writeFileSync(join(dir, 'initrd'), 'initramfs bytes');
    iso = join(dir, 'a.iso');
    await buildIso({
      output: iso,
      kernel: join(dir, 'vmlinuz'),
      initramfs: join(dir, 'initrd'),
      kernelParams: params,
    });
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is reproducible', async () => {
    const again = join(dir, 'b.iso');
    const first = readFileSync(iso);
    const result = await buildIso({
      output: again,
      kernel: join(dir, 'vmlinuz'),
      initramfs: join(dir, 'initrd'),
      kernelParams: params,
    });
    expect(readFileSync(again).equals(first)).toBe(true);
    expect(result.bytes).toBe(first.length);
  }, 120_000);

  it('boots on BIOS (isolinux) and UEFI (an EFI System image) and is a hybrid disk image', () => {
    const torito = xorriso('-report_el_torito', 'plain');
    expect(torito).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
    expect(torito).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    expect(torito).toContain('/isolinux/isolinux.bin');
    expect(torito).toContain('/boot/efiboot.img');
    const area = xorriso('-report_system_area', 'plain');
    expect(area).toContain('MBR isohybrid');
    expect(area).toContain('GPT');
    const head = readFileSync(iso).subarray(0, 1024);
    expect(head.readUInt16LE(510)).toBe(0xaa55);
    expect(head.subarray(512, 520).toString('latin1')).toBe('EFI PART');
  });

  it('carries the kernel, initramfs and both menus with the kernel parameters', () => {
    expect(extract('/vmlinuz').toString()).toBe('kernel bytes');
    expect(extract('/initrd').toString()).toBe('initramfs bytes');
    expect(extract('/isolinux/isolinux.cfg').toString()).toBe(isolinuxConfig(params));
    expect(extract('/boot/grub/grub.cfg').toString()).toBe(grubConfig(params));
    expect(isolinuxConfig(params)).toContain(`append initrd=/initrd ${params}`);
    expect(grubConfig(params)).toContain(`linux /vmlinuz ${params}`);
    expect(xorriso('-pvd_info')).toContain(`Volume Id    : ${DEFAULT_VOLUME_LABEL}`);
  });

  it('puts GRUB at \\EFI\\BOOT\\BOOTX64.EFI in the EFI image, with a config that finds the ISO by label', () => {
    const image = join(dir, 'efiboot.img');
    writeFileSync(image, extract('/boot/efiboot.img'));
    const listing = spawnSync('mdir', ['-b', '-i', image, '::/EFI/BOOT'], { encoding: 'utf8' });
    expect(listing.status, listing.stderr).toBe(0);
    expect(listing.stdout).toContain('::/EFI/BOOT/BOOTX64.EFI');
    const efi = spawnSync('mtype', ['-i', image, '::/EFI/BOOT/BOOTX64.EFI'], {
      maxBuffer: 64 << 20,
    });
    expect(efi.stdout.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(
      efi.stdout.includes(
        Buffer.from(`search --no-floppy --set=root --label ${DEFAULT_VOLUME_LABEL}`),
      ),
    ).toBe(true);
  });

  it('names what is missing', async () => {
    await expect(
      buildIso({
        output: join(dir, 'c.iso'),
        kernel: join(dir, 'vmlinuz'),
        initramfs: join(dir, 'initrd'),
        files: { isolinuxBin: join(dir, 'no-isolinux.bin') },
      }),
    ).rejects.toThrow(
      /missing: .*no-isolinux\.bin \(isolinux\); install with: apt-get install isolinux/,
    );
    await expect(
      buildIso({
        output: join(dir, 'c.iso'),
        kernel: join(dir, 'nope'),
        initramfs: join(dir, 'initrd'),
      }),
    ).rejects.toThrow(`-k/--kernel ${join(dir, 'nope')}: no such file`);
    await expect(
      buildIso({
        output: join(dir, 'c.iso'),
        kernel: join(dir, 'vmlinuz'),
        initramfs: join(dir, 'initrd'),
        volumeLabel: 'bad label',
      }),
    ).rejects.toThrow(/volume label/);
  });
});
