import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';

export const EMAIL_STATUSES = ['held', 'sending', 'sent', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** Every outbound email. Without a provider key the outbox is the delivery: the dev outbox page reads it. */
export const outboxEmails = pgTable('outbox_emails', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').references(() => accounts.id),
  idempotencyKey: text('idempotency_key').notNull(),
  kind: text('kind').notNull(),
  toAddresses: jsonb('to_addresses').$type<string[]>().notNull(),
  subject: text('subject').notNull(),
  html: text('html').notNull(),
  text: text('text').notNull(),
  links: jsonb('links').$type<string[]>().notNull(),
  status: text('status', { enum: EMAIL_STATUSES }).notNull(),
  provider: text('provider').notNull(),
  providerMessageId: text('provider_message_id'),
  error: text('error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('outbox_emails_idempotency_key').on(t.idempotencyKey),
  index('outbox_emails_org_account_idx').on(t.orgId, t.accountId, t.createdAt),
]);
