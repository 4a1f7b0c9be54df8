import type { NodeRow, PortRow } from '../db/schema';
import { nodeInterface } from './drivers';
import { maskSecrets } from './mask';

export interface Link {
  href: string;
  rel: string;
}

/** A node as Ironic's API renders it (detail form), secrets masked. */
export interface NodeView {
  uuid: string;
  name: string | null;
  description: string | null;
  driver: string;
  driver_info: Record<string, unknown>;
  boot_interface: string | null;
  power_interface: string | null;
  management_interface: string | null;
  driver_internal_info: Record<string, unknown>;
  properties: Record<string, unknown>;
  instance_info: Record<string, unknown>;
  extra: Record<string, unknown>;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  target_power_state: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  fault: string | null;
  last_error: string | null;
  reservation: string | null;
  clean_step: Record<string, unknown> | null;
  deploy_step: Record<string, unknown> | null;
  service_step: Record<string, unknown> | null;
  automated_clean: boolean | null;
  instance_uuid: string | null;
  resource_class: string | null;
  console_enabled: boolean;
  protected: boolean;
  retired: boolean;
  conductor_group: string;
  conductor: string | null;
  created_at: string;
  updated_at: string | null;
  provision_updated_at: string | null;
  inspection_started_at: string | null;
  inspection_finished_at: string | null;
  links: Link[];
  ports: Link[];
  states: Link[];
}

export interface PortView {
  uuid: string;
  address: string;
  node_uuid: string;
  pxe_enabled: boolean;
  extra: Record<string, unknown>;
  local_link_connection: Record<string, unknown>;
  internal_info: Record<string, unknown>;
  physical_network: string | null;
  portgroup_uuid: string | null;
  is_smartnic: boolean;
  created_at: string;
  updated_at: string | null;
  links: Link[];
}

/** Fields `GET /v1/nodes` returns without `detail` (Ironic's default list fields). */
export const NODE_LIST_FIELDS = [
  'uuid',
  'name',
  'instance_uuid',
  'maintenance',
  'power_state',
  'provision_state',
] as const;

export const PORT_LIST_FIELDS = ['uuid', 'address'] as const;

export function resourceLinks(baseUrl: string, kind: string, id: string): Link[] {
  return [
    { href: `${baseUrl}/v1/${kind}/${id}`, rel: 'self' },
    { href: `${baseUrl}/${kind}/${id}`, rel: 'bookmark' },
  ];
}

export interface ViewContext {
  baseUrl: string;
  conductorName: string;
  reservation: (uuid: string) => string | null;
}

export function toNodeView(row: NodeRow, ctx: ViewContext): NodeView {
  return {
    uuid: row.uuid,
    name: row.name,
    description: row.description,
    driver: row.driver,
    driver_info: maskSecrets(row.driverInfo),
    boot_interface: nodeInterface(row, 'boot'),
    power_interface: nodeInterface(row, 'power'),
    management_interface: nodeInterface(row, 'management'),
    driver_internal_info: maskSecrets(row.driverInternalInfo),
    properties: row.properties,
    instance_info: maskSecrets(row.instanceInfo),
    extra: row.extra,
    provision_state: row.provisionState,
    target_provision_state: row.targetProvisionState,
    power_state: row.powerState,
    target_power_state: row.targetPowerState,
    maintenance: row.maintenance,
    maintenance_reason: row.maintenanceReason,
    fault: row.fault,
    last_error: row.lastError,
    reservation: ctx.reservation(row.uuid),
    clean_step: row.cleanStep ?? {},
    deploy_step: row.deployStep ?? {},
    service_step: row.serviceStep ?? {},
    automated_clean: row.automatedClean,
    instance_uuid: null,
    resource_class: null,
    console_enabled: false,
    protected: false,
    retired: false,
    conductor_group: '',
    conductor: ctx.conductorName,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    provision_updated_at: row.provisionUpdatedAt,
    inspection_started_at: row.inspectionStartedAt,
    inspection_finished_at: row.inspectionFinishedAt,
    links: resourceLinks(ctx.baseUrl, 'nodes', row.uuid),
    ports: resourceLinks(ctx.baseUrl, 'nodes', `${row.uuid}/ports`),
    states: resourceLinks(ctx.baseUrl, 'nodes', `${row.uuid}/states`),
  };
}

export function toPortView(row: PortRow, baseUrl: string): PortView {
  return {
    uuid: row.uuid,
    address: row.address,
    node_uuid: row.nodeUuid,
    pxe_enabled: row.pxeEnabled,
    extra: row.extra,
    local_link_connection: {},
    internal_info: {},
    physical_network: null,
    portgroup_uuid: null,
    is_smartnic: false,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    links: resourceLinks(baseUrl, 'ports', row.uuid),
  };
}
