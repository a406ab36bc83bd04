import { and, countDistinct, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { listedCrm, type AccountCrmFilter, type AccountCrmRecord, type ListedCrm } from '../../domain/crmLinks.ts';
import type { ConnectionStatus, ConnectorProvider, SyncOutcome } from '../../domain/connectors.ts';
import type { Queryable, Transaction } from '../client.ts';
import { newId } from '../ids.ts';
import { accounts, connections, connectorRecords } from '../schema/index.ts';

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


/**
 * Marks the connection as needing re-authorisation. Answers when the lapse began, only to the call
 * that changed the status (one alert per lapse); null when it was marked already.
 */
export async function markConnectionNeedsReauth(db: Queryable, orgId: string, connectionId: string, lastError: string): Promise<Date | null> {
  // Only an active connection lapses: a paused one stays paused, a disconnected one stays ended (an
  // import still running when it was disconnected meets the wiped token and must not revive it).
  const [changed] = await db.update(connections).set({ status: 'needs_reauth', lastError, updatedAt: sql`now()` })
    .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId), eq(connections.status, 'active')))
    .returning({ since: connections.updatedAt });
  if (!changed) await db.update(connections).set({ lastError }).where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId), eq(connections.status, 'needs_reauth')));
  return changed?.since ?? null;
}

// ---- lifecycle, locks, and accounts as their CRM records see them -------------------------------------

/**
 * Ends a connection: status disconnected and its sealed secrets replaced (`emptySecrets`: a sealed
 * value holding no token), so nothing left in the row opens to a credential. Its settings, cursor
 * and records stay for history, and for a reconnect to carry on from.
 */
export async function markConnectionDisconnected(db: Queryable, orgId: string, connectionId: string, emptySecrets: string): Promise<void> {
  await db.update(connections).set({ status: 'disconnected', sealedSecrets: emptySecrets, lastError: null, updatedAt: sql`now()` })
    .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)));
}

/**
 * Serialises work on one CRM record of one connection until the transaction ends: two syncs that
 * see the same Notion row at once (an overlapping run, a retried attempt whose first is still
 * going) take turns, and the second finds the first's outcome. A row without a company domain,
 * which no unique index guards, is not made into two accounts.
 */
export async function lockConnectorRecord(tx: Transaction, connectionId: string, externalId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`connector-record:${connectionId}:${externalId}`}, 0))`);
}

// Accounts as their CRM records see them: the list's filter, column and header count, and the
// account's CRM card. Every query is scoped by the organisation and reads connector_records through
// connector_records_account_idx (org_id, account_id).

const LINK_OUTCOMES = sql`('created', 'linked')`;

/**
 * The list's `crm` filter as a condition on `accounts`, an EXISTS per row (a semi-join Postgres can
 * drive from either side): `linked` when a created/linked record holds the account, `sync_error` when
 * one of its records failed or the connection it came through needs re-authorisation.
 */
export function accountCrmCondition(orgId: string, filter: AccountCrmFilter): SQL {
  const linked = sql`exists (select 1 from ${connectorRecords} where ${connectorRecords.orgId} = ${orgId}
    and ${connectorRecords.accountId} = ${accounts.id} and ${connectorRecords.outcome} in ${LINK_OUTCOMES})`;
  if (filter === 'linked') return linked;
  if (filter === 'not_linked') return sql`not ${linked}`;
  return sql`exists (select 1 from ${connectorRecords} inner join ${connections} on ${connections.id} = ${connectorRecords.connectionId}
    where ${connectorRecords.orgId} = ${orgId} and ${connectorRecords.accountId} = ${accounts.id}
    and (${connectorRecords.outcome} = 'failed' or (${connectorRecords.outcome} in ${LINK_OUTCOMES} and ${connections.status} = 'needs_reauth')))`;
}

const recordColumns = {
  accountId: connectorRecords.accountId,
  provider: connections.provider, externalId: connectorRecords.externalId, outcome: connectorRecords.outcome,
  recordUrl: connectorRecords.recordUrl, companyUrl: connectorRecords.companyUrl, reason: connectorRecords.reason, syncedAt: connectorRecords.syncedAt,
  connectionStatus: connections.status, connectionError: connections.lastError,
};

/** The CRM records of some accounts with their connection's state, for a page of list rows or one account. */
async function crmRecordsOf(db: Queryable, orgId: string, accountIds: string[]) {
  if (!accountIds.length) return [];
  return db.select(recordColumns).from(connectorRecords)
    .innerJoin(connections, and(eq(connections.id, connectorRecords.connectionId), eq(connections.orgId, orgId)))
    .where(and(eq(connectorRecords.orgId, orgId), inArray(connectorRecords.accountId, accountIds)));
}

/** One row's CRM indicator for each account of a page (one query for the page). */
export async function listedCrmByAccount(db: Queryable, orgId: string, accountIds: string[]): Promise<Map<string, ListedCrm>> {
  const byAccount = new Map<string, AccountCrmRecord[]>();
  for (const { accountId, ...record } of await crmRecordsOf(db, orgId, accountIds)) {
    if (!accountId) continue;
    byAccount.set(accountId, [...byAccount.get(accountId) ?? [], record]);
  }
  const listed = new Map<string, ListedCrm>();
  for (const [accountId, records] of byAccount) {
    const crm = listedCrm(records);
    if (crm) listed.set(accountId, crm);
  }
  return listed;
}

/** The account's CRM records (its HubSpot deal and company…), newest sync first. */
export async function accountCrmRecords(db: Queryable, orgId: string, accountId: string): Promise<AccountCrmRecord[]> {
  const rows = await crmRecordsOf(db, orgId, [accountId]);
  return rows.map(({ accountId: _, ...record }) => record).sort((a, b) => b.syncedAt.getTime() - a.syncedAt.getTime());
}

/** How many of the organisation's accounts a CRM record links (created or linked): the list's header count. */
export async function countCrmLinkedAccounts(db: Queryable, orgId: string): Promise<number> {
  const [row] = await db.select({ n: countDistinct(connectorRecords.accountId) }).from(connectorRecords)
    .where(and(eq(connectorRecords.orgId, orgId), sql`${connectorRecords.outcome} in ${LINK_OUTCOMES}`));
  return row?.n ?? 0;
}

// ---- settings and secrets changed in place ------------------------------------------------------------

/** Replaces a connection's settings (its mapping edited, say), leaving its status, secrets and cursor as they are. */
export async function setConnectionSettings(db: Queryable, orgId: string, connectionId: string, settings: Record<string, unknown>): Promise<void> {
  await db.update(connections).set({ settings, updatedAt: sql`now()` }).where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId)));
}

/**
 * Replaces a connection's sealed secrets only if they are still `expected` (a refreshed OAuth
 * token): two refreshes at once keep one answer, and a disconnect or reconnect meanwhile wins.
 * Answers whether it replaced them.
 */
export async function replaceConnectionSecrets(db: Queryable, orgId: string, connectionId: string, expected: string, sealedSecrets: string): Promise<boolean> {
  const changed = await db.update(connections).set({ sealedSecrets, updatedAt: sql`now()` })
    .where(and(eq(connections.orgId, orgId), eq(connections.id, connectionId), eq(connections.sealedSecrets, expected)))
    .returning({ id: connections.id });
  return changed.length > 0;
}
