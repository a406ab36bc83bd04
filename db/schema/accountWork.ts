import { date, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';
import { users } from './users.ts';

export const tasks = pgTable('tasks', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  title: text('title').notNull(),
  dueDate: date('due_date', { mode: 'string' }),
  createdByUserId: text('created_by_user_id').references(() => users.id),
  completedAt: timestamp('completed_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('tasks_account_idx').on(t.orgId, t.accountId), index('tasks_org_open_due_idx').on(t.orgId, t.dueDate)]);

export const contacts = pgTable('contacts', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  name: text('name').notNull(),
  email: text('email').notNull(),
  role: text('role'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('contacts_account_idx').on(t.orgId, t.accountId)]);

export const notes = pgTable('notes', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  authorUserId: text('author_user_id').notNull().references(() => users.id),
  /** Markdown as typed; rendered with raw HTML disabled. */
  body: text('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('notes_account_idx').on(t.orgId, t.accountId, t.createdAt)]);
