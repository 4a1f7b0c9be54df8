export { type CollectInventoryOptions, collectInventory } from './collect-inventory';
export { LSBLK_ARGS } from './collectors/disks';
export * from './parsers';
export { MIN_ROOT_DISK_BYTES, guessRootDisk } from './root-disk';
