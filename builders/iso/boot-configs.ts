/**
 * The boot loader menus of the ISO. Both boot the same two files with the same kernel command
 * line, as IPA's iso-image-create does (research/ipa.md §10.3: Ironic puts the agent's
 * parameters, `boot_method=vmedia` included, into the ISO it builds).
 */

export const KERNEL_PATH = '/vmlinuz';
export const INITRD_PATH = '/initrd';

/** isolinux (BIOS): boots at once; a serial line is set up so the menu shows on ttyS0 too. */
export function isolinuxConfig(kernelParams: string): string {
  return [
    'serial 0 115200',
    'default ipa',
    'prompt 0',
    'timeout 0',
    '',
    'label ipa',
    `  kernel ${KERNEL_PATH}`,
    `  append initrd=${INITRD_PATH} ${kernelParams}`.trimEnd(),
    '',
  ].join('\n');
}

/** GRUB (UEFI): the menu on the ISO, read after the embedded config found the volume. */
export function grubConfig(kernelParams: string): string {
  return [
    'set default=0',
    'set timeout=0',
    'serial --unit=0 --speed=115200',
    'terminal_input console serial',
    'terminal_output console serial',
    '',
    "menuentry 'ironic-python-agent' {",
    `  linux ${KERNEL_PATH} ${kernelParams}`.trimEnd(),
    `  initrd ${INITRD_PATH}`,
    '}',
    '',
  ].join('\n');
}

/**
 * Built into the EFI binary: find the ISO by its volume label (the same label whether it is a
 * CD, a virtual CD or a USB stick) and read its menu.
 */
export function grubEmbeddedConfig(volumeLabel: string): string {
  return [
    `search --no-floppy --set=root --label ${volumeLabel}`,
    'set prefix=($root)/boot/grub',
    'configfile $prefix/grub.cfg',
    '',
  ].join('\n');
}

/** GRUB modules for the EFI binary: ISO and FAT access, search by label, Linux boot, consoles. */
export const GRUB_EFI_MODULES = [
  'part_gpt',
  'part_msdos',
  'fat',
  'iso9660',
  'search',
  'search_label',
  'search_fs_file',
  'configfile',
  'normal',
  'linux',
  'echo',
  'test',
  'all_video',
  'efi_gop',
  'serial',
  'terminal',
];
