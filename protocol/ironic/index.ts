export * from './states';
export * from './api-version';
export * from './ramdisk';
