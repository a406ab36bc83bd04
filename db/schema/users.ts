import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { USER_ROLES } from '../../domain/users.ts';
import { organisations } from './organisations.ts';

export type { UserRole } from '../../domain/users.ts';

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  email: text('email').notNull(),
  name: text('name').notNull(),
  role: text('role', { enum: USER_ROLES }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('users_org_email_key').on(t.orgId, t.email),
  index('users_org_role_idx').on(t.orgId, t.role),
]);
