import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { HandoffQuestion } from '../../domain/handoffQuestions.ts';

/** Per-organisation knobs the account workflow reads when it starts (durations in seconds). */
export interface OrganisationSettings {
  handoffTokenTtlSeconds: number;
  handoffReminderDelaysSeconds: number[];
  handoffEscalationDelaySeconds: number;
  /** The questions new handoffs ask; absent means DEFAULT_HANDOFF_QUESTIONS (domain/handoffQuestions.ts). */
  handoffQuestions?: HandoffQuestion[];
  /** How long an action's "hour" of delay is, in seconds (3,600; tests shorten it). */
  actionHourSeconds?: number;
}

export const DEFAULT_ORGANISATION_SETTINGS: OrganisationSettings = {
  handoffTokenTtlSeconds: 14 * 24 * 3600,
  handoffReminderDelaysSeconds: [2 * 24 * 3600, 5 * 24 * 3600],
  handoffEscalationDelaySeconds: 7 * 24 * 3600,
};

export const organisations = pgTable('organisations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull(),
  settings: jsonb('settings').$type<OrganisationSettings>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('organisations_slug_key').on(t.slug)]);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  name: text('name').notNull(),
  /** sha256 of the key; the key itself is shown once and never stored. */
  keyHash: text('key_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  usageCount: integer('usage_count').notNull().default(0),
}, (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash)]);

/**
 * Write keys: what the ingestion endpoints (Segment's Basic-auth username, PostHog's `api_key`)
 * authenticate with. Only its hash is stored; the key is shown once, when it is made.
 */
export const writeKeys = pgTable('write_keys', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  name: text('name').notNull(),
  /** sha256 of the key. */
  keyHash: text('key_hash').notNull(),
  /** The key's first characters, to tell keys apart in a list (not enough to use one). */
  prefix: text('prefix').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [uniqueIndex('write_keys_key_hash_key').on(t.keyHash), index('write_keys_org_idx').on(t.orgId, t.createdAt)]);
