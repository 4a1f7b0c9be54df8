// Running QEMU machines (node:child_process): for the builders' boot tests and the simulator's
// QEMU machine type. Not re-exported from lib/index.ts, which browser bundles import.
export { findProgram } from './find-program';
export {
  OVMF_FIRMWARE,
  type QemuBoot,
  type QemuDisk,
  QemuVm,
  type QemuVmOptions,
  type SerialListener,
} from './qemu-vm';
