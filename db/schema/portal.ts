import { customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { FormFieldKind } from '../../domain/templates.ts';
import { accounts } from './accounts.ts';
import { organisations } from './organisations.ts';

/** Postgres `bytea`: uploaded files live beside the answers they belong to, in the same organisation's rows. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // postgres.js answers a Buffer, PGlite a Uint8Array: the same bytes either way.
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * The customer portal's links (issue 12): one live link per account at a time, for its primary
 * contact. Only the token's SHA-256 is stored; a new link revokes the older ones (revokedAt), so a
 * replaced link reads as revoked, never as unknown.
 */
export const portalLinks = pgTable('portal_links', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  tokenHash: text('token_hash').notNull(),
  /** The address the link was emailed to (the primary contact then). */
  sentTo: text('sent_to').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  revokedBy: text('revoked_by'),
}, (t) => [
  uniqueIndex('portal_links_token_hash_key').on(t.tokenHash),
  index('portal_links_org_account_idx').on(t.orgId, t.accountId, t.createdAt),
]);

/** One answer of a submitted information request, as the customer gave it (files by their row ID). */
export interface PortalAnswer {
  key: string;
  label: string;
  kind: FormFieldKind;
  /** Text and choice answers; '' when an optional field was left empty. */
  value: string;
  /** File answers: the stored file's ID (null when an optional file was not given). */
  fileId?: string | null;
}

/** What the customer submitted for one information-request action: one row per action. */
export const portalSubmissions = pgTable('portal_submissions', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  /** The action as the account's workflow names it (`<milestoneId>:<index>`). */
  actionId: text('action_id').notNull(),
  linkId: text('link_id').notNull().references(() => portalLinks.id),
  answers: jsonb('answers').$type<PortalAnswer[]>().notNull(),
  /** The contact who submitted it, as the timeline names them. */
  submittedBy: text('submitted_by').notNull(),
  submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('portal_submissions_account_action_key').on(t.accountId, t.actionId),
  index('portal_submissions_org_account_idx').on(t.orgId, t.accountId),
]);

/**
 * Files the customer uploaded, in Postgres: tenancy by org_id like every other row, no file system
 * paths to guess or escape, and a backup covers them. The content type is the one its magic bytes
 * showed (never the browser's claim); the name is only ever shown, never used as a path.
 */
export const portalFiles = pgTable('portal_files', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  accountId: text('account_id').notNull().references(() => accounts.id),
  submissionId: text('submission_id').notNull().references(() => portalSubmissions.id, { onDelete: 'cascade' }),
  fieldKey: text('field_key').notNull(),
  fileName: text('file_name').notNull(),
  contentType: text('content_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  sha256: text('sha256').notNull(),
  content: bytea('content').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('portal_files_org_account_idx').on(t.orgId, t.accountId),
  index('portal_files_submission_idx').on(t.submissionId),
]);
