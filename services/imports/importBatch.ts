import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import {
  getImport, importRowsAfter, lockFileRowAcrossImports, lockImportRow, recountImport, rowsCreatedFromFile, setImportRowOutcome,
  type ImportRecord, type ImportRowRecord,
} from '../../db/repositories/imports.ts';
import { createAccount } from '../createAccount.ts';
import { RelayError } from '../errors.ts';

export interface ImportBatchDeps {
  db: Database;
  temporal: Client;
  /** Where account workflows run (the worker's own queue). */
  taskQueue: string;
  /** Called after each row, so a long batch keeps its activity alive. */
  heartbeat?: () => void;
}

export interface ImportBatchResult {
  /** The last row number looked at, or null when no rows were left after the cursor. */
  lastRow: number | null;
  counts: { created: number; skipped: number; failed: number; total: number };
}

/** Rows created at once; the database pool and the Temporal frontend are shared with live accounts. */
const ROW_CONCURRENCY = 4;

/**
 * One row → at most one account, however often this runs. The row is locked and re-read inside a
 * transaction that also holds the account insert (createAccount's own transaction becomes a
 * savepoint in it), so the account and the row's `created` outcome commit together; a retried batch
 * sees `created` and moves on. The advisory lock serialises the same row of the same file across
 * two imports of it, so a domain-less row is not created twice either.
 */
async function importRow(deps: ImportBatchDeps, record: ImportRecord, rowNumber: number): Promise<void> {
  const { orgId, id: importId } = record;
  await deps.db.transaction(async (tx) => {
    const row = await lockImportRow(tx, orgId, importId, rowNumber);
    if (!row || row.outcome !== 'pending') return;
    await lockFileRowAcrossImports(tx, orgId, record.fileSha256, rowNumber);
    const earlier = (await rowsCreatedFromFile(tx, orgId, record.fileSha256, importId, [rowNumber])).get(rowNumber);
    if (earlier) {
      await setImportRowOutcome(tx, orgId, importId, rowNumber, 'skipped', { accountId: earlier.accountId, message: `already imported from this file on ${earlier.at.toISOString().slice(0, 10)}` });
      return;
    }
    try {
      const created = await createAccount({ db: tx, temporal: deps.temporal, taskQueue: deps.taskQueue }, orgId, row.input);
      await setImportRowOutcome(tx, orgId, importId, rowNumber, 'created', { accountId: created.id });
    } catch (error) {
      if (!(error instanceof RelayError) || (error.code !== 'conflict' && error.code !== 'validation')) throw error;
      if (error.code === 'conflict') {
        const existing = error.details.existingAccountId ?? null;
        await setImportRowOutcome(tx, orgId, importId, rowNumber, 'skipped', {
          accountId: existing, message: existing ? 'an account with this domain already exists' : `${error.message} (candidates: ${error.details.candidates?.join(', ')})`,
        });
      } else {
        // Valid at preview, refused now: the template was renamed or removed in between.
        const fields = error.details.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
        await setImportRowOutcome(tx, orgId, importId, rowNumber, 'failed', { message: fields || error.message });
      }
    }
  });
}

async function eachWithConcurrency<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Creates the pending rows after `afterRow` (up to `limit` rows looked at) and stores the progress. */
export async function importAccountsBatch(deps: ImportBatchDeps, orgId: string, importId: string, afterRow: number, limit: number): Promise<ImportBatchResult | null> {
  const record = await getImport(deps.db, orgId, importId);
  if (!record) return null;
  const rows: ImportRowRecord[] = await importRowsAfter(deps.db, orgId, importId, afterRow, limit);
  await eachWithConcurrency(rows.filter((r) => r.outcome === 'pending'), ROW_CONCURRENCY, async (r) => {
    await importRow(deps, record, r.rowNumber);
    deps.heartbeat?.();
  });
  const counted = await recountImport(deps.db, orgId, importId);
  return {
    lastRow: rows.at(-1)?.rowNumber ?? null,
    counts: { created: counted?.created ?? 0, skipped: counted?.skipped ?? 0, failed: counted?.failed ?? 0, total: record.total },
  };
}
