// Pure byte codecs for disk layouts (GPT, FAT, ISO 9660, GUIDs): what the image service writes into sample
// images and what the agent and the simulator read back, from one source.
export * from './guid';
export * from './partition-table';
export * from './fat';
export * from './iso9660';
