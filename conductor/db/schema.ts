import { integer, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';

type Json = Record<string, unknown>;

/** Ironic's node record, restricted to the fields the embedded conductor keeps. */
export const nodes = sqliteTable(
  'nodes',
  {
    uuid: text('uuid').primaryKey(),
    name: text('name').unique(),
    description: text('description'),
    driver: text('driver').notNull(),
    driverInfo: text('driver_info', { mode: 'json' }).$type<Json>().notNull(),
    /** Ironic's per-node interface choices; null = the hardware type's default. */
    bootInterface: text('boot_interface'),
    powerInterface: text('power_interface'),
    managementInterface: text('management_interface'),
    provisionState: text('provision_state').notNull(),
    targetProvisionState: text('target_provision_state'),
    powerState: text('power_state'),
    targetPowerState: text('target_power_state'),
    maintenance: integer('maintenance', { mode: 'boolean' }).notNull().default(false),
    maintenanceReason: text('maintenance_reason'),
    fault: text('fault'),
    lastError: text('last_error'),
    properties: text('properties', { mode: 'json' }).$type<Json>().notNull(),
    instanceInfo: text('instance_info', { mode: 'json' }).$type<Json>().notNull(),
    driverInternalInfo: text('driver_internal_info', { mode: 'json' }).$type<Json>().notNull(),
    extra: text('extra', { mode: 'json' }).$type<Json>().notNull(),
    cleanStep: text('clean_step', { mode: 'json' }).$type<Json>(),
    deployStep: text('deploy_step', { mode: 'json' }).$type<Json>(),
    serviceStep: text('service_step', { mode: 'json' }).$type<Json>(),
    automatedClean: integer('automated_clean', { mode: 'boolean' }),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at'),
    provisionUpdatedAt: text('provision_updated_at'),
    inspectionStartedAt: text('inspection_started_at'),
    inspectionFinishedAt: text('inspection_finished_at'),
  },
  (t) => [index('nodes_provision_state_idx').on(t.provisionState)],
);

/** A NIC of a node; `address` is stored lower-case so lookups by MAC are exact matches. */
export const ports = sqliteTable(
  'ports',
  {
    uuid: text('uuid').primaryKey(),
    address: text('address').notNull().unique(),
    nodeUuid: text('node_uuid')
      .notNull()
      .references(() => nodes.uuid, { onDelete: 'cascade' }),
    pxeEnabled: integer('pxe_enabled', { mode: 'boolean' }).notNull().default(true),
    extra: text('extra', { mode: 'json' }).$type<Json>().notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at'),
  },
  (t) => [index('ports_node_uuid_idx').on(t.nodeUuid)],
);

/** What the agent reported at inspection (Ironic 1.81 `GET /v1/nodes/{id}/inventory`). */
export const inventories = sqliteTable('inventories', {
  nodeUuid: text('node_uuid')
    .primaryKey()
    .references(() => nodes.uuid, { onDelete: 'cascade' }),
  inventory: text('inventory', { mode: 'json' }).$type<Json>().notNull(),
  pluginData: text('plugin_data', { mode: 'json' }).$type<Json>().notNull(),
  createdAt: text('created_at').notNull(),
});

/**
 * The per-node history the console replays: every transition and notable change. Kept after a
 * node is deleted (no foreign key), so the console can still show why a node went away.
 */
export const nodeEvents = sqliteTable(
  'node_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    nodeUuid: text('node_uuid').notNull(),
    at: text('at').notNull(),
    type: text('type').notNull(),
    data: text('data', { mode: 'json' }).$type<Json>().notNull(),
  },
  (t) => [index('node_events_node_uuid_idx').on(t.nodeUuid, t.id)],
);

export type NodeRow = typeof nodes.$inferSelect;
export type NewNodeRow = typeof nodes.$inferInsert;
export type PortRow = typeof ports.$inferSelect;
export type InventoryRow = typeof inventories.$inferSelect;
export type NodeEventRow = typeof nodeEvents.$inferSelect;
