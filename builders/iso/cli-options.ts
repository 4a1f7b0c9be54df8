import { parseArgs } from 'node:util';
import { DEFAULT_KERNEL_PARAMS, DEFAULT_VOLUME_LABEL, type IsoOptions } from './build-iso';

export const ISO_USAGE = `Usage: npm run build:iso -- -o OUT.iso -i INITRAMFS -k KERNEL [options]

Builds a hybrid ISO (BIOS isolinux + UEFI GRUB) that boots the agent ramdisk, for CDs,
virtual media and USB sticks.

  -o, --output FILE          the ISO to write
  -k, --kernel FILE          the kernel (e.g. ironic-python-agent.kernel)
  -i, --initramfs FILE       the initramfs (e.g. ironic-python-agent.initramfs)
      --kernel-params TEXT   the kernel command line (default: "${DEFAULT_KERNEL_PARAMS}"),
                             e.g. "ipa-api-url=http://ironic:6385 console=ttyS0"
      --label LABEL          ISO volume label (default ${DEFAULT_VOLUME_LABEL})
  -h, --help
`;

export function parseIsoArgs(argv: readonly string[]): {
  help: boolean;
  options: IsoOptions | null;
} {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      kernel: { type: 'string', short: 'k' },
      initramfs: { type: 'string', short: 'i' },
      'kernel-params': { type: 'string' },
      label: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true, options: null };
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const missing = (['output', 'kernel', 'initramfs'] as const).filter((k) => !values[k]);
  if (missing.length > 0) throw new Error(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
  const options: IsoOptions = {
    output: values.output!,
    kernel: values.kernel!,
    initramfs: values.initramfs!,
  };
  if (values['kernel-params'] !== undefined) options.kernelParams = values['kernel-params'];
  if (values.label !== undefined) options.volumeLabel = values.label;
  return { help: false, options };
}
