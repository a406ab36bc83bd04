import { and, desc, eq, sql } from 'drizzle-orm';
import type { ConnectionStatus, ConnectorProvider, SyncOutcome } from '../../domain/connectors.ts';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { connections, connectorRecords } from '../schema/index.ts';

export type ConnectionRow = typeof connections.$inferSelect;

/** Creates the organisation's connection to the provider, or replaces its settings and secrets (reconnecting). */
export async function upsertConnection(db: Queryable, c: {
  orgId: string; provider: ConnectorProvider; externalAccountId: string; settings: Record<string, unknown>; sealedSecrets: string;
}): Promise<ConnectionRow> {
  const [row] = await db.insert(connections).values({ id: newId(), status: 'active', ...c })
    .onConflictDoUpdate({
      target: [connections.orgId, connections.provider],
      set: { externalAccountId: c.externalAccountId, settings: c.settings, sealedSecrets: c.sealedSecrets, status: 'active', lastError: null, updatedAt: sql`now()` },
    }).returning();
  return row!;
}

export async function getConnection(db: Queryable, orgId: string, provider: ConnectorProvider): Promise<ConnectionRow | null> {
  const [row] = await db.select().from(connections).where(and(eq(connections.orgId, orgId), eq(connections.provider, provider)));
  return row ?? null;
}

export async function getConnectionById(db: Queryable, orgId: string, connectionId: string): Promise<ConnectionRow | null> {
  const [row] = await db.select().from(connections).where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)));
  return row ?? null;
}

/**
 * The connections a webhook may be for: those of this provider account (a HubSpot portal) in any
 * organisation. The webhook's signature decides which, if any, it belongs to.
 */
export async function findConnectionsByExternalAccount(db: Queryable, provider: ConnectorProvider, externalAccountId: string): Promise<ConnectionRow[]> {
  return db.select().from(connections).where(and(eq(connections.provider, provider), eq(connections.externalAccountId, externalAccountId)));
}

export async function listConnections(db: Queryable, orgId: string): Promise<ConnectionRow[]> {
  return db.select().from(connections).where(eq(connections.orgId, orgId)).orderBy(connections.provider);
}

export async function setConnectionState(db: Queryable, orgId: string, connectionId: string, state: {
  status?: ConnectionStatus; lastError?: string | null; cursor?: string | null; lastRunAt?: Date;
}): Promise<void> {
  await db.update(connections).set({ ...state, updatedAt: sql`now()` }).where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)));
}

/** Moves the cursor forward only: an older sync finishing late never winds it back. */
export async function advanceConnectionCursor(db: Queryable, orgId: string, connectionId: string, cursor: string): Promise<void> {
  await db.update(connections).set({ cursor, lastRunAt: new Date(), updatedAt: sql`now()` })
    .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId), sql`(${connections.cursor} is null or ${connections.cursor}::numeric < ${cursor}::numeric)`));
}

// ---- records ----------------------------------------------------------------------------------------

export type ConnectorRecordRow = typeof connectorRecords.$inferSelect;

export async function getConnectorRecord(db: Queryable, connectionId: string, externalId: string): Promise<ConnectorRecordRow | null> {
  const [row] = await db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, connectionId), eq(connectorRecords.externalId, externalId)));
  return row ?? null;
}

/** Records what became of a CRM record; seen again, its row is updated (and its attempts counted). */
export async function recordConnectorOutcome(db: Queryable, r: {
  connectionId: string; orgId: string; externalId: string; outcome: SyncOutcome; accountId: string | null;
  recordUrl: string | null; companyUrl: string | null; reason: string | null;
}): Promise<void> {
  await db.insert(connectorRecords).values({ ...r, syncedAt: new Date() }).onConflictDoUpdate({
    target: [connectorRecords.connectionId, connectorRecords.externalId],
    set: {
      outcome: r.outcome, accountId: r.accountId, recordUrl: r.recordUrl, companyUrl: r.companyUrl, reason: r.reason,
      attempts: sql`${connectorRecords.attempts} + 1`, syncedAt: new Date(),
    },
  });
}

/** Counts per outcome, and the latest failures with their reasons: what the connectors page shows. */
export async function connectorSummary(db: Queryable, orgId: string, connectionId: string) {
  const counts = await db.select({ outcome: connectorRecords.outcome, n: sql<number>`count(*)::int` }).from(connectorRecords)
    .where(and(eq(connectorRecords.orgId, orgId), eq(connectorRecords.connectionId, connectionId))).groupBy(connectorRecords.outcome);
  const failures = await db.select({ externalId: connectorRecords.externalId, outcome: connectorRecords.outcome, reason: connectorRecords.reason, recordUrl: connectorRecords.recordUrl, syncedAt: connectorRecords.syncedAt })
    .from(connectorRecords)
    .where(and(eq(connectorRecords.orgId, orgId), eq(connectorRecords.connectionId, connectionId), sql`${connectorRecords.outcome} in ('failed', 'skipped')`))
    .orderBy(desc(connectorRecords.syncedAt)).limit(20);
  return { counts: Object.fromEntries(counts.map((c) => [c.outcome, Number(c.n)])) as Partial<Record<SyncOutcome, number>>, failures };
}

/** The CRM records linked to an account (its HubSpot deal and company), for the account page. */
export async function accountCrmLinks(db: Queryable, orgId: string, accountId: string) {
  return db.select({
    provider: connections.provider, externalId: connectorRecords.externalId, outcome: connectorRecords.outcome, recordUrl: connectorRecords.recordUrl,
    companyUrl: connectorRecords.companyUrl, reason: connectorRecords.reason, syncedAt: connectorRecords.syncedAt,
  }).from(connectorRecords).innerJoin(connections, eq(connections.id, connectorRecords.connectionId))
    .where(and(eq(connectorRecords.orgId, orgId), eq(connectorRecords.accountId, accountId)));
}
