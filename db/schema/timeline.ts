import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { TIMELINE_EVENT_TYPES } from '../../domain/timeline.ts';
import { organisations } from './organisations.ts';

export type { TimelineEventType } from '../../domain/timeline.ts';

export const timelineEvents = pgTable('timeline_events', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  type: text('type', { enum: TIMELINE_EVENT_TYPES }).notNull(),
  /** Who did it: a user's email, "ae:<email>", or "relay" for the system. */
  actor: text('actor').notNull(),
  message: text('message').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  /** Derived from workflow ID + step, so a retried activity records its event once. */
  dedupeKey: text('dedupe_key').notNull(),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('timeline_events_dedupe_key').on(t.dedupeKey),
  index('timeline_events_account_idx').on(t.orgId, t.accountId, t.occurredAt),
]);
