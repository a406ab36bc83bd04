import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ConnectionStatus, ConnectorProvider, SyncOutcome } from '../../domain/connectors.ts';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';

/**
 * An organisation's connection to a CRM: one per provider. Settings in the clear (portal, stages,
 * templates, mapping), secrets sealed (platform/secretBox.ts: never returned, never logged).
 */
export const connections = pgTable('connections', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  provider: text('provider').$type<ConnectorProvider>().notNull(),
  status: text('status').$type<ConnectionStatus>().notNull(),
  /** HubSpot's portal ID, Notion's database ID: what a webhook names to find its connection. */
  externalAccountId: text('external_account_id').notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  sealedSecrets: text('sealed_secrets').notNull(),
  /** The polling search's high-water mark (HubSpot: hs_lastmodifieddate in ms; Notion: last_edited_time). */
  cursor: text('cursor'),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  /** The last problem, in words (a revoked token, a rate limit that outlasted the retries…). */
  lastError: text('last_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('connections_org_provider_key').on(t.orgId, t.provider),
  index('connections_provider_external_idx').on(t.provider, t.externalAccountId),
]);

/**
 * Each CRM record a connection has seen (a deal, a Notion row) and what became of it: the account it
 * created or linked to, or why it was skipped or failed. Keyed by the record, so a record seen again
 * (a redelivered webhook, an overlapping sync) updates its row instead of adding one.
 */
export const connectorRecords = pgTable('connector_records', {
  connectionId: text('connection_id').notNull().references(() => connections.id),
  externalId: text('external_id').notNull(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  outcome: text('outcome').$type<SyncOutcome>().notNull(),
  accountId: text('account_id').references(() => accounts.id),
  /** Links for people: the deal (and its company) in HubSpot, the row in Notion. */
  recordUrl: text('record_url'),
  companyUrl: text('company_url'),
  /** Why it was skipped or failed, naming the field ("the company has no domain"). */
  reason: text('reason'),
  attempts: integer('attempts').notNull().default(1),
  syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.connectionId, t.externalId] }),
  index('connector_records_account_idx').on(t.orgId, t.accountId),
  index('connector_records_recent_idx').on(t.connectionId, t.syncedAt),
]);
