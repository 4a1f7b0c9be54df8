// The ramdisk and ISO builders' public surface (builders/README.md).
export {
  AGENT_CA_PATH,
  AGENT_CONFIG_PATH,
  PLUGIN_DIR,
  type RamdiskOptions,
  type RamdiskResult,
  buildRamdisk,
  mergeAgentConfig,
} from './ramdisk/build-ramdisk';
export { type Compression, type CompressionSpec, parseCompression } from './ramdisk/compress';
export { type CpioEntry, type CpioWriteOptions, writeCpio } from './ramdisk/cpio-writer';
export { DEFAULT_TOOLS, type ToolSpec } from './ramdisk/debian-tools';
export { DEFAULT_MODULES, VIRTUAL_MODULES } from './ramdisk/kernel-modules';
export { RootfsTree } from './ramdisk/rootfs-tree';
export {
  DEFAULT_KERNEL_PARAMS,
  DEFAULT_VOLUME_LABEL,
  type IsoOptions,
  type IsoResult,
  buildIso,
} from './iso/build-iso';
export { OVMF_FIRMWARE, type QemuBoot, QemuVm, type QemuVmOptions } from '../lib/qemu';
