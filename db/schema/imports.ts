import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { organisations } from './organisations.ts';

export const IMPORT_STATUSES = ['previewed', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_ROW_OUTCOMES = ['pending', 'created', 'skipped', 'failed'] as const;
export type ImportRowOutcome = (typeof IMPORT_ROW_OUTCOMES)[number];

/**
 * Which CSV header fed which account field, as matched at upload (shown back on the preview):
 * [field, header] pairs in the file's order, since jsonb reorders an object's keys. Imports stored
 * before kept an object (field → header).
 */
export type ImportColumnMap = [field: string, header: string][] | Record<string, string>;

/** One uploaded CSV of accounts: previewed first, created by the bulkImport workflow on confirm. */
export const imports = pgTable('imports', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  /** Same org + same hash = the same file uploaded again; its earlier rows are never created twice. */
  fileSha256: text('file_sha256').notNull(),
  filename: text('filename').notNull(),
  status: text('status', { enum: IMPORT_STATUSES }).notNull(),
  total: integer('total').notNull(),
  valid: integer('valid').notNull(),
  created: integer('created').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  columns: jsonb('columns').$type<ImportColumnMap>().notNull(),
  ignoredColumns: jsonb('ignored_columns').$type<string[]>().notNull(),
  /** A user id from the dashboard, or `api` for an API key. */
  createdBy: text('created_by').notNull(),
  /** Why the run stopped, when status is failed. */
  error: text('error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  completedAt: timestamp('completed_at', { withTimezone: true }),
}, (t) => [
  index('imports_org_created_idx').on(t.orgId, t.createdAt),
  index('imports_org_sha_idx').on(t.orgId, t.fileSha256),
]);

export interface ImportRowError { column: string; message: string }
export interface ImportRowDuplicate { domain: string; existingAccountId?: string; duplicateOfRow?: number }

/** One data row of an import, keyed by its spreadsheet row number (the header is row 1). */
export const importRows = pgTable('import_rows', {
  importId: text('import_id').notNull().references(() => imports.id),
  orgId: text('org_id').notNull().references(() => organisations.id),
  rowNumber: integer('row_number').notNull(),
  /** The row as an account body (what createAccount receives), or null when the row could not be read. */
  input: jsonb('input').$type<Record<string, unknown>>(),
  errors: jsonb('errors').$type<ImportRowError[]>().notNull(),
  duplicate: jsonb('duplicate').$type<ImportRowDuplicate>(),
  outcome: text('outcome', { enum: IMPORT_ROW_OUTCOMES }).notNull(),
  /** No foreign key: the row is a record of what happened, and must not pin the account. */
  accountId: text('account_id'),
  message: text('message'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.importId, t.rowNumber] }),
  index('import_rows_import_outcome_idx').on(t.importId, t.outcome),
]);
