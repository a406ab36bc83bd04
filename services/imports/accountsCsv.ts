import type { Database } from '../../db/client.ts';
import { accountsForExport } from '../../db/repositories/accountExport.ts';
import { csvLine } from './csvCells.ts';
import { IMPORT_COLUMNS } from './importColumns.ts';

const PAGE = 1_000;

/**
 * The organisation's accounts as CSV, a page at a time. The first columns are the import's own, so
 * an export can be edited and uploaded again (its domains then mark every row as a duplicate).
 */
export async function* accountsCsv(db: Database, orgId: string, only?: { accountIds: readonly string[] }): AsyncGenerator<string> {
  yield csvLine([...IMPORT_COLUMNS.map((c) => c.name), 'status', 'csm_email', 'primary_domain', 'account_id', 'created_at']);
  let afterId = '';
  for (;;) {
    const page = await accountsForExport(db, orgId, afterId, PAGE, only?.accountIds);
    for (const a of page) {
      const { createdAt, ...fields } = a;
      const byField: Record<string, string | number | null> = fields;
      yield csvLine([...IMPORT_COLUMNS.map((c) => byField[c.field] ?? null), a.status, a.csmEmail, a.primaryDomain, a.id, createdAt.toISOString()]);
    }
    if (page.length < PAGE) return;
    afterId = page.at(-1)!.id;
  }
}

export function exportFilename(now = new Date()): string {
  return `relay-accounts-${now.toISOString().slice(0, 10)}.csv`;
}
