import { sql } from 'drizzle-orm';
import { date, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { TASK_PRIORITIES } from '../../domain/taskPriority.ts';
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
  /** Whose task it is: a user of the org, by default the account's CSM when the task was made; null when the account had none. */
  assigneeUserId: text('assignee_user_id').references(() => users.id),
  priority: text('priority', { enum: TASK_PRIORITIES }).notNull().default('normal'),
}, (t) => [
  index('tasks_account_idx').on(t.orgId, t.accountId), index('tasks_org_open_due_idx').on(t.orgId, t.dueDate),
  // "My tasks": one person's open tasks across the org's accounts.
  index('tasks_org_assignee_open_idx').on(t.orgId, t.assigneeUserId, t.dueDate).where(sql`${t.completedAt} is null`),
]);

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
