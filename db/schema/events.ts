import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { EVENT_SOURCES, type UnmatchedKind } from '../../domain/events.ts';
import { organisations } from './organisations.ts';

/**
 * Raw events, append-only: one row per event Relay stored, whatever sent it. In Postgres it is
 * partitioned by month of `occurred_at` (db/migrations/0005_events.sql; Drizzle cannot declare that,
 * so this file describes the columns for queries and the migration owns the table). No foreign keys:
 * it is the high-volume table, written only by services/events/ingestEvents.ts. The one change a
 * row ever sees is `account_id` going from null to an account when that account appears later.
 */
export const events = pgTable('events', {
  orgId: text('org_id').notNull(),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  /** `segment:<messageId>`, `posthog:<uuid>`, `api:<id>`, or `<source>#<content sha256>`. */
  messageKey: text('message_key').notNull(),
  source: text('source', { enum: EVENT_SOURCES }).notNull(),
  type: text('type').notNull(),
  accountId: text('account_id'),
  /** The company domain the event was matched (or not) by; never a public mail domain. */
  groupDomain: text('group_domain'),
  /** The contact's email domain, public ones included (they are counted, never matched). */
  emailDomain: text('email_domain'),
  userId: text('user_id'),
  properties: jsonb('properties').$type<Record<string, unknown>>().notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // An account's events, newest first (account IDs are unique across organisations; queries still filter on org_id).
  index('events_account_occurred_idx').on(t.accountId, t.occurredAt).where(sql`${t.accountId} is not null`),
  // Only the unmatched rows: what an account appearing later looks up by its domains.
  index('events_unmatched_group_domain_idx').on(t.orgId, t.groupDomain).where(sql`${t.accountId} is null and ${t.groupDomain} is not null`),
  index('events_unmatched_email_domain_idx').on(t.orgId, t.emailDomain).where(sql`${t.accountId} is null and ${t.emailDomain} is not null`),
]);

/**
 * The dedupe table: one row per event ever stored, keyed by (org, message key). A unique index on
 * the partitioned `events` would have to include `occurred_at`, so it could not refuse the same
 * message sent again with another timestamp; this table can.
 */
export const eventMessageKeys = pgTable('event_message_keys', {
  orgId: text('org_id').notNull(),
  messageKey: text('message_key').notNull(),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
}, (t) => [primaryKey({ columns: [t.orgId, t.messageKey] })]);

/**
 * Events per account, UTC day and event type, kept in the transaction that stores them: what scoring
 * reads. No foreign keys (migration 0011): their checks were half the cost of an ingestion batch's
 * rollups; the writers put only IDs they have just read, and accounts are never deleted.
 */
export const accountEventDays = pgTable('account_event_days', {
  orgId: text('org_id').notNull(),
  accountId: text('account_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  eventType: text('event_type').notNull(),
  count: integer('count').notNull(),
}, (t) => [primaryKey({ columns: [t.orgId, t.accountId, t.day, t.eventType] })]);

/**
 * Rollup increments not yet added to `account_event_days`: what an ingestion batch writes instead of
 * upserting the rollups itself. Plain inserts, no key and no index, so concurrent batches never wait
 * for each other on an account's rollup row, and a busy account's events of one day fold into one
 * update. Scoring folds an organisation's deltas into the rollups before it reads them
 * (services/health/scoring.ts), so a score never misses an event stored before it began.
 */
export const accountEventDayDeltas = pgTable('account_event_day_deltas', {
  orgId: text('org_id').notNull(),
  accountId: text('account_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  eventType: text('event_type').notNull(),
  count: integer('count').notNull(),
});

/** Unmatched events counted by the domain they would match on: what admins see, and what an account appearing later clears. */
export const unmatchedEventDomains = pgTable('unmatched_event_domains', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  kind: text('kind').$type<UnmatchedKind>().notNull(),
  /** '' for kind `none`. */
  domain: text('domain').notNull(),
  events: integer('events').notNull(),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.orgId, t.kind, t.domain] }), index('unmatched_event_domains_org_last_seen_idx').on(t.orgId, t.lastSeenAt)]);

/**
 * What earlier events taught about an SDK's users and groups (a Segment identify's email, a group
 * call's website, a PostHog $groupidentify): later events that carry only a user or group ID are
 * matched through them.
 */
export const eventIdentities = pgTable('event_identities', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  source: text('source', { enum: EVENT_SOURCES }).notNull(),
  kind: text('kind', { enum: ['user', 'group'] }).notNull(),
  externalId: text('external_id').notNull(),
  /** A group's company domain, a user's email domain. */
  domain: text('domain'),
  /** A user's group. */
  groupId: text('group_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.orgId, t.source, t.kind, t.externalId] })]);
