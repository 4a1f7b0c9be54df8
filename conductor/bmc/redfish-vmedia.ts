import type { NodeRow } from '../db/schema';
import { invalidParameter } from '../nodes/errors';
import { nodeBootMode } from './boot-mode';
import { type RedfishClient, RedfishError, type VirtualMediaDevice } from './redfish-client';

/** `driver_info.redfish_deploy_iso`, or the generic `deploy_iso`: the agent ramdisk as an ISO. */
export function deployIso(node: NodeRow): string {
  const di = node.driverInfo;
  const iso = di.redfish_deploy_iso ?? di.deploy_iso;
  if (typeof iso !== 'string' || iso.length === 0) {
    throw invalidParameter(
      `The following required driver_info properties are missing for node ${node.uuid}: redfish_deploy_iso (or deploy_iso), needed by the redfish-virtual-media boot interface`,
    );
  }
  return iso;
}

const isCd = (d: VirtualMediaDevice) =>
  d.mediaTypes.some((t) => t === 'CD' || t === 'DVD') || /\/(cd|dvd)[^/]*$/i.test(d.path);

/** Ejects whatever any virtual media device holds (Ironic's `eject_vmedia` for all devices). */
export async function ejectAll(client: RedfishClient): Promise<VirtualMediaDevice[]> {
  const devices = await client.virtualMedia();
  await Promise.all(devices.filter((d) => d.inserted).map((d) => client.ejectMedia(d)));
  return devices;
}

/**
 * Ironic's `redfish-virtual-media` ramdisk boot: eject all media, insert the deploy ISO into the
 * CD device, boot from it once (in the node's boot mode). Powering on is the caller's business.
 */
export async function insertDeployIso(client: RedfishClient, node: NodeRow): Promise<void> {
  const iso = deployIso(node);
  const devices = await ejectAll(client);
  const cd = devices.find(isCd);
  if (!cd) {
    throw new RedfishError(
      `The BMC of node ${node.uuid} has no virtual CD/DVD device (found: ${devices.map((d) => d.path).join(', ') || 'none'})`,
    );
  }
  await client.insertMedia(cd, iso);
  await client.setBootOverride({
    target: 'Cd',
    enabled: 'Once',
    mode: nodeBootMode(node) === 'uefi' ? 'UEFI' : 'Legacy',
  });
}
