// Machines whose hardware is a QEMU process booting the real ramdisk (builders/README.md).
export { HOST_FROM_GUEST, guestUrl } from './guest-network';
export { PARAMETERS_LABEL, writeParametersStick } from './machine-files';
export { QemuLauncher, type QemuMachineOptions } from './qemu-launcher';
export { type RealRamdisk, findRealRamdisk } from './real-ramdisk';
