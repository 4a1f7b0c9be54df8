// The embedded Ironic-compatible conductor's public surface.
export { Conductor, type ConductorOptions, type NodeEvent } from './conductor';
export type { NodeView, PortView, Link } from './nodes/node-view';
export type { NodeChange } from './nodes/change-bus';
export type { CreateNodeInput } from './nodes/node-service';
export type { PowerTarget } from './bmc/power-driver';
export type { TimeoutOptions } from './provision/provision-timeouts';
export type { CleanStep, ManualStep } from './provision/clean-steps';
export type { DeployStep, UserDeployStep } from './provision/deploy-steps';
export type { ImageInfo } from './provision/image-info';
export * from './states';
