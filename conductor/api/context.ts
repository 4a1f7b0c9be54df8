import type { Logger } from '../../lib';
import type { PowerService } from '../bmc/power-service';
import type { NodeService } from '../nodes/node-service';
import type { RamdiskService } from '../nodes/ramdisk-service';

/** What the HTTP layer may call; it holds no state of its own. */
export interface ApiContext {
  nodes: NodeService;
  ramdisk: RamdiskService;
  power: PowerService;
  /** Provision verbs; without it every verb is refused with 400. */
  provision?: ProvisionApi;
  logger: Logger;
  baseUrl: () => string;
}

export interface ProvisionApi {
  /** `minor` is the negotiated microversion, which gates the newer verbs. */
  request(ident: string, body: unknown, minor: number): void;
}
