import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organisations } from './organisations.ts';
import { users } from './users.ts';

/**
 * Saved views of the accounts list (SPEC §7's Segments): a name for a query string. A view with an
 * owner is that person's own; one without (ownerUserId null) is shared with the whole organisation.
 * The query is stored canonical (blank and default parameters left out, in the list's order), so two
 * ways of writing the same filters are one view.
 */
export const savedViews = pgTable('saved_views', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  ownerUserId: text('owner_user_id').references(() => users.id),
  name: text('name').notNull(),
  query: text('query').notNull(),
  /** Who saved it (a shared view has no owner, but someone made it). */
  createdBy: text('created_by').notNull().references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // One view per name among a person's own, and among the shared ones: a double submit is one view.
  uniqueIndex('saved_views_org_owner_name_key').on(t.orgId, sql`coalesce(${t.ownerUserId}, '')`, sql`lower(${t.name})`),
]);
