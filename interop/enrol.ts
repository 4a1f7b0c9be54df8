import type { Fleet } from '../simulator';
import type { IronicApi, IronicNode } from './ironic-api';

export type InteropDriver = 'redfish' | 'ipmi';

export interface EnrolOptions {
  driver: InteropDriver;
  /** Node name; default the machine's name. */
  name?: string;
  /** `deploy_kernel` / `deploy_ramdisk` URLs Ironic can read (RealIronic.deployImages). */
  deployImages: { deploy_kernel: string; deploy_ramdisk: string };
}

/**
 * Creates the Ironic node (and its ports) for one simulated machine: Redfish through the
 * fleet's shared Redfish service, or IPMI through the machine's own UDP BMC. Boot is `pxe` (the
 * simulator network-boots our agent), deploy `direct`, network `noop`.
 */
export async function enrolMachine(
  api: IronicApi,
  fleet: Fleet,
  machineId: string,
  options: EnrolOptions,
): Promise<IronicNode> {
  const enrollment = fleet.enrollment(machineId);
  let driverInfo: Record<string, unknown>;
  let interfaces: Record<string, string>;
  if (options.driver === 'redfish') {
    driverInfo = { ...enrollment.driver_info };
    interfaces = { power_interface: 'redfish', management_interface: 'redfish' };
  } else {
    const ipmi = await fleet.ipmi(machineId);
    if (!ipmi) throw new Error(`machine ${machineId} has no IPMI BMC (start the fleet with ipmi)`);
    driverInfo = {
      ipmi_address: ipmi.host,
      ipmi_port: ipmi.port,
      ipmi_username: ipmi.username,
      ipmi_password: ipmi.password,
    };
    interfaces = { power_interface: 'ipmitool', management_interface: 'ipmitool' };
  }
  const node = await api.createNode({
    name: options.name ?? enrollment.name,
    driver: options.driver,
    driver_info: { ...driverInfo, ...options.deployImages },
    properties: enrollment.properties,
    boot_interface: 'pxe',
    deploy_interface: 'direct',
    network_interface: 'noop',
    ...interfaces,
  });
  for (const port of enrollment.ports) await api.createPort(node.uuid, port.address);
  return node;
}
