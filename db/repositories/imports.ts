import { and, asc, count, desc, eq, gt, inArray, ne, or, sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../client.ts';
import { importRows, imports, type ImportRowOutcome } from '../schema/index.ts';

export type ImportRecord = typeof imports.$inferSelect;
export type NewImport = typeof imports.$inferInsert;
export type ImportRowRecord = typeof importRows.$inferSelect;
export type NewImportRow = Omit<typeof importRows.$inferInsert, 'importId' | 'orgId'>;

/** Postgres takes at most 65,535 parameters per statement; 1,000 rows of 7 stay well under. */
const INSERT_CHUNK = 1_000;

export async function insertImport(db: Queryable, record: NewImport, rows: NewImportRow[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(imports).values(record);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx.insert(importRows).values(rows.slice(i, i + INSERT_CHUNK).map((r) => ({ ...r, importId: record.id, orgId: record.orgId })));
    }
  });
}

export async function getImport(db: Queryable, orgId: string, importId: string): Promise<ImportRecord | null> {
  const [row] = await db.select().from(imports).where(and(eq(imports.orgId, orgId), eq(imports.id, importId)));
  return row ?? null;
}

export async function listImports(db: Queryable, orgId: string, limit = 50): Promise<ImportRecord[]> {
  return db.select().from(imports).where(eq(imports.orgId, orgId)).orderBy(desc(imports.createdAt)).limit(limit);
}

/** The latest import of the same file that was confirmed (running or done), if any. */
export async function findConfirmedImportOfFile(db: Queryable, orgId: string, sha256: string, exceptImportId?: string): Promise<ImportRecord | null> {
  const filters = [eq(imports.orgId, orgId), eq(imports.fileSha256, sha256), inArray(imports.status, ['running', 'completed'])];
  if (exceptImportId) filters.push(ne(imports.id, exceptImportId));
  const [row] = await db.select().from(imports).where(and(...filters)).orderBy(desc(imports.createdAt)).limit(1);
  return row ?? null;
}

/** Rows of this file that an earlier import of it already turned into accounts, by row number. */
export async function rowsCreatedFromFile(db: Queryable, orgId: string, sha256: string, exceptImportId: string, rowNumbers?: number[]) {
  const filters = [
    eq(imports.orgId, orgId), eq(imports.fileSha256, sha256), ne(imports.id, exceptImportId),
    eq(importRows.orgId, orgId), eq(importRows.outcome, 'created'),
  ];
  if (rowNumbers) filters.push(inArray(importRows.rowNumber, rowNumbers));
  const rows = await db.select({ rowNumber: importRows.rowNumber, accountId: importRows.accountId, importId: imports.id, at: imports.createdAt })
    .from(importRows).innerJoin(imports, eq(imports.id, importRows.importId)).where(and(...filters));
  return new Map(rows.map((r) => [r.rowNumber, r]));
}

export async function listImportRows(db: Queryable, orgId: string, importId: string, opts: { offset?: number; limit: number; outcomes?: ImportRowOutcome[] }) {
  const filters = [eq(importRows.orgId, orgId), eq(importRows.importId, importId)];
  if (opts.outcomes) filters.push(inArray(importRows.outcome, opts.outcomes));
  return db.select().from(importRows).where(and(...filters)).orderBy(asc(importRows.rowNumber)).limit(opts.limit).offset(opts.offset ?? 0);
}

export async function countImportRows(db: Queryable, orgId: string, importId: string, outcomes: ImportRowOutcome[]): Promise<number> {
  const [row] = await db.select({ n: count() }).from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId), inArray(importRows.outcome, outcomes)));
  return row?.n ?? 0;
}

/** Rows with something to report on the preview: validation errors or a duplicate. */
export async function listProblemRows(db: Queryable, orgId: string, importId: string) {
  return db.select({ rowNumber: importRows.rowNumber, errors: importRows.errors, duplicate: importRows.duplicate })
    .from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId), or(sql`jsonb_array_length(${importRows.errors}) > 0`, sql`${importRows.duplicate} is not null`)))
    .orderBy(asc(importRows.rowNumber));
}

/** The next rows after a cursor, for the workflow's batches. */
export async function importRowsAfter(db: Queryable, orgId: string, importId: string, afterRow: number, limit: number) {
  return db.select().from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId), gt(importRows.rowNumber, afterRow)))
    .orderBy(asc(importRows.rowNumber)).limit(limit);
}

/** A failed import may be confirmed again: its finished rows keep their outcome, the rest are retried. */
export async function markImportRunning(db: Queryable, orgId: string, importId: string): Promise<void> {
  await db.update(imports).set({ status: 'running', startedAt: new Date(), updatedAt: new Date(), completedAt: null, error: null })
    .where(and(eq(imports.orgId, orgId), eq(imports.id, importId), inArray(imports.status, ['previewed', 'failed'])));
}

/**
 * Counters from the rows themselves, not increments: a retried batch recounts to the same numbers.
 * Invalid and duplicate rows already carry their outcome from the preview, so they count at once.
 */
export async function recountImport(db: Queryable, orgId: string, importId: string, finish?: 'completed' | 'failed', error?: string) {
  const counted = await db.select({ outcome: importRows.outcome, n: count() }).from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId))).groupBy(importRows.outcome);
  const of = (outcome: ImportRowOutcome) => counted.find((c) => c.outcome === outcome)?.n ?? 0;
  const [updated] = await db.update(imports).set({
    created: of('created'), skipped: of('skipped'), failed: of('failed'), updatedAt: new Date(),
    ...(finish ? { status: finish, completedAt: new Date(), error: error ?? null } : {}),
  }).where(and(eq(imports.orgId, orgId), eq(imports.id, importId))).returning();
  return updated ?? null;
}

// ---- a batch of rows at once (issue 13: bulk work for the bulk path) -------------------------------------

/**
 * Locks these rows of an import that are still pending, until the transaction ends, and returns them as
 * they are now. In row order, so two runs of one batch take the locks in the same order; a run that waited
 * for another finds the rows it finished no longer pending, and leaves them.
 */
export async function lockPendingImportRows(tx: Transaction, orgId: string, importId: string, rowNumbers: number[]) {
  if (!rowNumbers.length) return [];
  return tx.select().from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId), inArray(importRows.rowNumber, rowNumbers), eq(importRows.outcome, 'pending')))
    .orderBy(asc(importRows.rowNumber)).for('update');
}

/**
 * Serialises the same rows of the same file across two imports of it (until the transaction ends), so
 * a row without a domain, which no unique index guards, is not created twice either. One statement for
 * the lot, the locks taken in row order, so two imports of the file never deadlock.
 */
export async function lockFileRowsAcrossImports(tx: Transaction, orgId: string, fileSha256: string, rowNumbers: number[]): Promise<void> {
  if (!rowNumbers.length) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(hashtextextended(${`import-row:${orgId}:${fileSha256}:`}::text || n, 0))
    from (select n from jsonb_array_elements_text(${JSON.stringify(rowNumbers)}::jsonb) as r(n) order by n::int) as ordered`);
}

export interface ImportRowOutcomeUpdate { rowNumber: number; outcome: ImportRowOutcome; accountId: string | null; message: string | null }

/** Rows' outcomes (and the account each created or met, and why), in one statement. */
export async function setImportRowOutcomes(db: Queryable, orgId: string, importId: string, updates: ImportRowOutcomeUpdate[]): Promise<void> {
  if (!updates.length) return;
  const input = JSON.stringify(updates.map((u) => ({ row_number: u.rowNumber, outcome: u.outcome, account_id: u.accountId, message: u.message })));
  await db.execute(sql`
    update ${importRows} set outcome = r.outcome, account_id = r.account_id, message = r.message, updated_at = now()
    from jsonb_to_recordset(${input}::jsonb) as r(row_number integer, outcome text, account_id text, message text)
    where ${importRows.orgId} = ${orgId} and ${importRows.importId} = ${importId} and ${importRows.rowNumber} = r.row_number`);
}
