export { FakeOs, type FakeOsOptions } from './fake-os';
export { SimulatedBlockDevice } from './block-device';
export { memTotalKiB } from './procfs';
export { Vfs } from './vfs';
export type { BootContext } from './filesystem';
export type { CommandContext, CommandHandler } from './commands/types';
