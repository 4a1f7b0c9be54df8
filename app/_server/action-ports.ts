import type { ApiVerb } from '../../conductor';
import type { NodeView } from './lab-ports';

/** The node as the actions read it: the fields the list's view leaves out. */
export interface ActionNodeView extends NodeView {
  instance_info: Record<string, unknown>;
  maintenance_reason: string | null;
  automated_clean: boolean | null;
}

/**
 * What the machine actions need from the conductor beyond watching it: Ironic's node PATCH,
 * maintenance, the management interface's boot device, and provision verbs with their bodies.
 */
export interface ActionConductor {
  getNode(ident: string): ActionNodeView | undefined;
  patchNode(ident: string, ops: unknown[]): NodeView;
  setMaintenance(ident: string, on: boolean, reason?: string | null): NodeView;
  setBootDevice(
    ident: string,
    device: 'pxe' | 'disk' | 'cdrom' | 'bios',
    persistent?: boolean,
  ): Promise<void>;
  setProvisionState(
    ident: string,
    target: ApiVerb,
    extra?: { clean_steps?: unknown[]; disable_ramdisk?: boolean; deploy_steps?: unknown[] },
  ): NodeView;
}
