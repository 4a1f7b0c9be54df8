// The lookup lives in lib/ so the simulator's QEMU machines and the builders share it.
export { findProgram } from '../../lib/qemu/find-program';
