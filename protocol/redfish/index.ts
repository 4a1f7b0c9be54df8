export * from './system';
export * from './error';
