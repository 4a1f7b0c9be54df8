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

type Prepared<T> = { get(values: Record<string, unknown>): T | undefined };

/**
 * Synchronous persistence of nodes, ports, inventories and events; no policy lives here. The
 * hot paths (every heartbeat reads and writes its node) use prepared statements: building the
 * SQL and preparing it again per call was most of a heartbeat's cost.
 */
export class NodeStore {
  private readonly nodeByUuid: Prepared<NodeRow>;
  private readonly insertEvent: Prepared<NodeEventRow>;
  /** One prepared UPDATE per set of columns written (a few dozen shapes in practice). */
  private readonly updates = new Map<string, Prepared<NodeRow>>();
  private readonly counts = new Map<string, Prepared<{ n: number }>>();

  constructor(private readonly db: ConductorDb) {
    this.nodeByUuid = db
      .select()
      .from(nodes)
      .where(eq(nodes.uuid, sql.placeholder('uuid')))
      .prepare();
    this.insertEvent = db
      .insert(nodeEvents)
      .values({
        nodeUuid: sql.placeholder('nodeUuid'),
        at: sql.placeholder('at'),
        type: sql.placeholder('type'),
        data: sql.placeholder('data'),
      } as unknown as typeof nodeEvents.$inferInsert)
      .returning()
      .prepare();
  }

  /** Runs `fn` in one SQLite transaction (better-sqlite3 transactions are synchronous). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }

  getNode(uuid: string): NodeRow | undefined {
    return this.nodeByUuid.get({ uuid });
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

  /** How many nodes are in any of `states` (Ironic's concurrent action limits). */
  countInStates(states: readonly string[]): number {
    if (states.length === 0) return 0;
    const key = states.join('\n');
    let stmt = this.counts.get(key);
    if (!stmt) {
      stmt = this.db
        .select({ n: sql<number>`count(*)` })
        .from(nodes)
        .where(inArray(nodes.provisionState, [...states]))
        .prepare();
      this.counts.set(key, stmt);
    }
    return Number(stmt.get({})?.n ?? 0);
  }

  insertNode(row: NewNodeRow): NodeRow {
    return this.db.insert(nodes).values(row).returning().get();
  }

  updateNode(uuid: string, patch: Partial<NodeRow>): NodeRow {
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined && k !== 'uuid') values[k] = v;
    const columns = Object.keys(values).sort();
    const shape = columns.join(',');
    let stmt = this.updates.get(shape);
    if (!stmt) {
      const set = Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)]));
      stmt = this.db
        .update(nodes)
        .set(set as Partial<NodeRow>)
        .where(eq(nodes.uuid, sql.placeholder('__uuid')))
        .returning()
        .prepare();
      this.updates.set(shape, stmt);
    }
    const row = stmt.get({ ...values, __uuid: uuid });
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
    const inserted = this.insertEvent.get({ ...row });
    if (!inserted) throw new Error('event insert returned nothing');
    return inserted;
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
