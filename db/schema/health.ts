import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import type { FactorResult, HealthConfig, HealthFactorKey, HealthTier } from '../../domain/health.ts';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';
import { users } from './users.ts';

/**
 * An organisation's health configuration, one row per saved version (SPEC §7: each save is a
 * version). The highest version is the one in force; scores record the version they were made with.
 * An organisation without a row scores with the defaults, as version 0.
 */
export const healthConfigs = pgTable('health_configs', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  version: integer('version').notNull(),
  config: jsonb('config').$type<HealthConfig>().notNull(),
  createdByUserId: text('created_by_user_id').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.orgId, t.version] })]);

/** What one score left out, and why (no data, weight 0, pulse expired). */
export interface ExcludedFactor { key: HealthFactorKey; label: string; reason: string }

/**
 * Each account's latest score, with its full breakdown: what the list filters and sorts by and the
 * account page explains. One row per account, rewritten by each scoring.
 */
export const accountHealth = pgTable('account_health', {
  accountId: text('account_id').primaryKey().references(() => accounts.id),
  orgId: text('org_id').notNull().references(() => organisations.id),
  /** Null: nothing to go on yet (no factor had data); never scored as 0. */
  score: smallint('score'),
  tier: text('tier').$type<HealthTier>(),
  factors: jsonb('factors').$type<FactorResult[]>().notNull(),
  excluded: jsonb('excluded').$type<ExcludedFactor[]>().notNull(),
  configVersion: integer('config_version').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  /** The tier before this one, and since when the account has been in its tier: the trend the list shows. */
  previousTier: text('previous_tier').$type<HealthTier>(),
  tierSince: timestamp('tier_since', { withTimezone: true }).notNull(),
}, (t) => [
  index('account_health_org_score_idx').on(t.orgId, t.score, t.accountId),
  index('account_health_org_tier_idx').on(t.orgId, t.tier),
]);

/**
 * One score per account per day (the organisation's day): the sparkline, the history chart and the
 * trend arrow. The factor scores are kept compactly by key; the full breakdown is only the latest's.
 */
export const accountHealthDays = pgTable('account_health_days', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  day: date('day', { mode: 'string' }).notNull(),
  score: smallint('score').notNull(),
  factorScores: jsonb('factor_scores').$type<Partial<Record<HealthFactorKey, number>>>().notNull(),
  configVersion: integer('config_version').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
}, (t) => [primaryKey({ columns: [t.accountId, t.day] }), index('account_health_days_org_day_idx').on(t.orgId, t.day)]);

/** CSM Pulse: a person's 1–10 read of the account, with a note. The latest fresh one counts. */
export const accountPulses = pgTable('account_pulses', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  score: smallint('score').notNull(),
  note: text('note').notNull(),
  setByUserId: text('set_by_user_id').references(() => users.id),
  /** Who, in words: the user's email, or `api`. */
  setBy: text('set_by').notNull(),
  setAt: timestamp('set_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('account_pulses_account_idx').on(t.orgId, t.accountId, t.setAt)]);

export const THREAD_KINDS = ['email', 'ticket'] as const;
export type ThreadKind = (typeof THREAD_KINDS)[number];

/**
 * Engagement threads, kept from engagement events as they arrive: a customer email waiting for our
 * reply (email_received opens, email_replied closes), a support ticket (ticket_opened,
 * ticket_resolved). Scoring reads response and resolution times from here, never from raw events.
 */
export const accountThreads = pgTable('account_threads', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  kind: text('kind', { enum: THREAD_KINDS }).notNull(),
  /** The thread or ticket ID the events carry, or the opening event's message key. */
  threadKey: text('thread_key').notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
  closedAt: timestamp('closed_at', { withTimezone: true }),
}, (t) => [
  primaryKey({ columns: [t.accountId, t.kind, t.threadKey] }),
  index('account_threads_open_idx').on(t.accountId, t.kind, t.openedAt).where(sql`${t.closedAt} is null`),
]);

/** The event types an organisation has sent: a factor whose source never reported is left out, not scored 0. */
export const orgEventTypes = pgTable('org_event_types', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  eventType: text('event_type').notNull(),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.orgId, t.eventType] })]);

/**
 * Accounts whose inputs changed (events, a pulse, a task, a milestone) since their last score: the
 * rescorer (workflows/healthRescorer.ts) takes them in batches a few seconds later, so a burst of
 * events costs one rescoring, and no Temporal signal per event.
 */
export const healthRescoreQueue = pgTable('health_rescore_queue', {
  // No foreign keys (migration 0011): every ingestion batch writes here, and its writers put only IDs they have just read.
  accountId: text('account_id').primaryKey(),
  orgId: text('org_id').notNull(),
  since: timestamp('since', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('health_rescore_queue_since_idx').on(t.since)]);
