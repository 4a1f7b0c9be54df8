import { parseArgs } from 'node:util';
import { type CompressionSpec, parseCompression } from './compress';
import { DEFAULT_MODULES, VIRTUAL_MODULES } from './kernel-modules';
import type { RamdiskOptions } from './build-ramdisk';

export const RAMDISK_USAGE = `Usage: npm run build:ramdisk -- [options]

Builds the agent ramdisk (kernel + initramfs) from this machine's Debian packages.

  -o, --output PREFIX        writes PREFIX.kernel and PREFIX.initramfs
                             (default: ironic-python-agent)
      --compress KIND[:LEVEL] zstd (default, level 19), xz, gzip or none
      --kernel-version V     a kernel in /boot and /lib/modules (default: the newest)
      --modules SET          default (servers and VMs), virtual (QEMU only), or a
                             comma-separated list of module names
      --add-module NAME      one more kernel module (repeatable)
      --tool NAME|PATH       one more program with its libraries (repeatable)
      --allow-missing-tools  build even if required tools are not installed
      --ssh-keys FILE        root's authorized_keys; adds the dropbear SSH server
      --ca-file FILE         a CA bundle the agent trusts (cafile, NODE_EXTRA_CA_CERTS)
      --config-file FILE     the agent's ironic_python_agent.conf
      --hardware-manager SPEC  an npm package or path, bundled and loaded (repeatable)
      --boot-script FILE     run before the agent starts (repeatable, in order)
      --node PATH            the Node runtime to embed (default /usr/bin/node)
      --no-strip             keep the Node binary's debug symbols
      --no-udev              leave out systemd-udevd (no /dev/disk/by-* names, no disk
                             serial numbers for root device hints)
      --flat                 unpack everything into RAM instead of mounting /usr from a
                             squashfs image (needs more RAM; no squashfs-tools needed)
  -h, --help
`;

export interface RamdiskCli {
  help: boolean;
  options: RamdiskOptions;
}

/** The CLI's flags as build options; every bad flag is an error that names it. */
export function parseRamdiskArgs(argv: readonly string[]): RamdiskCli {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      compress: { type: 'string' },
      'kernel-version': { type: 'string' },
      modules: { type: 'string' },
      'add-module': { type: 'string', multiple: true },
      tool: { type: 'string', multiple: true },
      'allow-missing-tools': { type: 'boolean' },
      'ssh-keys': { type: 'string' },
      'ca-file': { type: 'string' },
      'config-file': { type: 'string' },
      'hardware-manager': { type: 'string', multiple: true },
      'boot-script': { type: 'string', multiple: true },
      node: { type: 'string' },
      'no-strip': { type: 'boolean' },
      flat: { type: 'boolean' },
      'no-udev': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const prefix = values.output ?? 'ironic-python-agent';
  const compression: CompressionSpec = parseCompression(values.compress ?? 'zstd');
  const options: RamdiskOptions = {
    initramfs: `${prefix}.initramfs`,
    kernel: `${prefix}.kernel`,
    compression,
    modules: [...moduleSet(values.modules ?? 'default'), ...(values['add-module'] ?? [])],
    extraTools: values.tool ?? [],
    allowMissingTools: values['allow-missing-tools'] ?? false,
    hardwareManagers: values['hardware-manager'] ?? [],
    bootScripts: values['boot-script'] ?? [],
    stripNode: !(values['no-strip'] ?? false),
    layout: values.flat ? 'flat' : 'squashfs',
  };
  if (values['no-udev']) options.udev = false;
  if (values['kernel-version']) options.kernelVersion = values['kernel-version'];
  if (values['ssh-keys']) options.sshAuthorizedKeys = values['ssh-keys'];
  if (values['ca-file']) options.caFile = values['ca-file'];
  if (values['config-file']) options.configFile = values['config-file'];
  if (values.node) options.node = values.node;
  return { help: values.help ?? false, options };
}

function moduleSet(text: string): readonly string[] {
  if (text === 'default') return DEFAULT_MODULES;
  if (text === 'virtual') return VIRTUAL_MODULES;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error('--modules needs default, virtual or a list of names');
  return names;
}
