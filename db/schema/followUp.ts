import { date, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { organisations } from './organisations.ts';
import { users } from './users.ts';

/**
 * What a person did with a Daily Follow-Up item (issue 14): dismissed it (hidden until its cause
 * changes, which gives the item a new key) or snoozed it until a day. Per person: a CSM's dismissal
 * never hides an item from an admin looking at the same account.
 */
export const followUpStates = pgTable('follow_up_states', {
  orgId: text('org_id').notNull().references(() => organisations.id),
  userId: text('user_id').notNull().references(() => users.id),
  /** The item's cause, as domain/followUp.ts names it (`task:<id>:<due>`, `milestone:<id>:overdue`, …). */
  itemKey: text('item_key').notNull(),
  dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
  /** The organisation's day the item shows again. */
  snoozedUntil: date('snoozed_until', { mode: 'string' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // A person's states are read by (org, user): the key's prefix.
  primaryKey({ columns: [t.orgId, t.userId, t.itemKey] }),
]);
