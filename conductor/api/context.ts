import type { Logger } from '../../lib';
import type { PowerService } from '../bmc/power-service';
import type { NodeService } from '../nodes/node-service';
import type { RamdiskService } from '../nodes/ramdisk-service';

/** What the HTTP layer may call; it holds no state of its own. */
export interface ApiContext {
  nodes: NodeService;
  ramdisk: RamdiskService;
  power: PowerService;
  /** Provision verbs (phase 2); absent means 501-free 400s for every verb. */
  provision?: ProvisionApi;
  logger: Logger;
  baseUrl: () => string;
}

export interface ProvisionApi {
  request(ident: string, body: unknown): void;
}
