import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { ConductorDb } from './database';
import {
  inventories,
  nodeEvents,
  nodes,
  ports,
  type InventoryRow,
  type NewNodeRow,
  type NodeEventRow,
  type NodeRow,
  type PortRow,
} from './schema';

export interface NodeFilter {
  provisionState?: string;
  maintenance?: boolean;
  driver?: string;
}

/** Synchronous persistence of nodes, ports, inventories and events; no policy lives here. */
export class NodeStore {
  constructor(private readonly db: ConductorDb) {}

  /** Runs `fn` in one SQLite transaction (better-sqlite3 transactions are synchronous). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }

  getNode(uuid: string): NodeRow | undefined {
    return this.db.select().from(nodes).where(eq(nodes.uuid, uuid)).get();
  }

  getNodeByName(name: string): NodeRow | undefined {
    return this.db.select().from(nodes).where(eq(nodes.name, name)).get();
  }

  listNodes(filter: NodeFilter = {}): NodeRow[] {
    const where: SQL[] = [];
    if (filter.provisionState !== undefined) {
      where.push(eq(nodes.provisionState, filter.provisionState));
    }
    if (filter.maintenance !== undefined) where.push(eq(nodes.maintenance, filter.maintenance));
    if (filter.driver !== undefined) where.push(eq(nodes.driver, filter.driver));
    return this.db
      .select()
      .from(nodes)
      .where(where.length ? and(...where) : undefined)
      .orderBy(asc(nodes.createdAt), sql`rowid`)
      .all();
  }

  insertNode(row: NewNodeRow): NodeRow {
    return this.db.insert(nodes).values(row).returning().get();
  }

  updateNode(uuid: string, patch: Partial<NodeRow>): NodeRow {
    const row = this.db.update(nodes).set(patch).where(eq(nodes.uuid, uuid)).returning().get();
    if (!row) throw new Error(`node ${uuid} vanished during update`);
    return row;
  }

  deleteNode(uuid: string): void {
    this.db.delete(nodes).where(eq(nodes.uuid, uuid)).run();
  }

  getPort(uuid: string): PortRow | undefined {
    return this.db.select().from(ports).where(eq(ports.uuid, uuid)).get();
  }

  getPortByAddress(address: string): PortRow | undefined {
    return this.db.select().from(ports).where(eq(ports.address, address)).get();
  }

  listPorts(nodeUuid?: string): PortRow[] {
    return this.db
      .select()
      .from(ports)
      .where(nodeUuid ? eq(ports.nodeUuid, nodeUuid) : undefined)
      .orderBy(asc(ports.createdAt), sql`rowid`)
      .all();
  }

  portsByAddresses(addresses: string[]): PortRow[] {
    if (addresses.length === 0) return [];
    return this.db.select().from(ports).where(inArray(ports.address, addresses)).all();
  }

  insertPort(row: typeof ports.$inferInsert): PortRow {
    return this.db.insert(ports).values(row).returning().get();
  }

  getInventory(nodeUuid: string): InventoryRow | undefined {
    return this.db.select().from(inventories).where(eq(inventories.nodeUuid, nodeUuid)).get();
  }

  putInventory(row: InventoryRow): void {
    this.db
      .insert(inventories)
      .values(row)
      .onConflictDoUpdate({
        target: inventories.nodeUuid,
        set: { inventory: row.inventory, pluginData: row.pluginData, createdAt: row.createdAt },
      })
      .run();
  }

  appendEvent(row: Omit<NodeEventRow, 'id'>): NodeEventRow {
    return this.db.insert(nodeEvents).values(row).returning().get();
  }

  listEvents(nodeUuid: string, afterId = 0, limit = 1000): NodeEventRow[] {
    return this.db
      .select()
      .from(nodeEvents)
      .where(and(eq(nodeEvents.nodeUuid, nodeUuid), gt(nodeEvents.id, afterId)))
      .orderBy(asc(nodeEvents.id))
      .limit(limit)
      .all();
  }

  lastEventId(): number {
    return (
      this.db.select({ id: nodeEvents.id }).from(nodeEvents).orderBy(desc(nodeEvents.id)).get()
        ?.id ?? 0
    );
  }
}
