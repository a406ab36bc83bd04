import type { Database } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { findAccountsByDomains } from '../../db/repositories/accounts.ts';
import {
  countImportRows, findConfirmedImportOfFile, getImport, insertImport, listProblemRows, rowsCreatedFromFile,
  type ImportRecord, type NewImportRow,
} from '../../db/repositories/imports.ts';
import { listTemplates } from '../../db/repositories/templates.ts';
import type { ImportColumnMap, ImportRowDuplicate } from '../../db/schema/imports.ts';
import { companyDomains } from '../../domain/companyDomains.ts';
import { toAccountRows } from './accountRows.ts';
import { IMPORT_COLUMNS, matchHeaders } from './importColumns.ts';
import { importFileError, readCsvFile } from './readCsvFile.ts';

export interface ImportPreview {
  id: string;
  status: ImportRecord['status'];
  filename: string;
  total: number;
  valid: number;
  /** Valid rows that are neither duplicates nor already imported: what confirming would create. */
  toCreate: number;
  errors: { row: number; column: string; message: string }[];
  duplicates: ({ row: number } & ImportRowDuplicate)[];
  /** Set when this very file (same bytes) was imported before. */
  alreadyImported: { importId: string; importedAt: string; message: string } | null;
  /** Field → the file's header, in the file's column order. */
  columns: Record<string, string>;
  ignoredColumns: string[];
  createdAt: string;
}

const DOMAIN_LOOKUP_CHUNK = 5_000;

async function existingDomainHolders(db: Database, orgId: string, domains: string[]): Promise<Map<string, string>> {
  const holders = new Map<string, string>();
  for (let i = 0; i < domains.length; i += DOMAIN_LOOKUP_CHUNK) {
    for (const hit of await findAccountsByDomains(db, orgId, domains.slice(i, i + DOMAIN_LOOKUP_CHUNK))) holders.set(hit.domain, hit.accountId);
  }
  return holders;
}

function cleanFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return base || 'upload.csv';
}

/**
 * Reads, validates and stores an upload without creating anything: every row gets the API's checks
 * (schema, template, domain dedupe against the file and the organisation) and a planned outcome.
 * Rows that cannot become accounts are marked failed (invalid) or skipped (duplicate) right here.
 */
export async function previewImport(db: Database, orgId: string, upload: { bytes: Uint8Array; filename?: string | undefined; createdBy: string }): Promise<ImportPreview> {
  const file = await readCsvFile(upload.bytes);
  const match = matchHeaders(file.headers);
  if (match.problems.length) throw importFileError('invalid', match.problems.join('; '));

  const templates = await listTemplates(db, orgId);
  const rows = toAccountRows(match, file.headers.length, file.records, templates.map((t) => t.name));
  const importId = newId();

  const domainsByRow = new Map<number, string[]>();
  for (const r of rows) if (r.account) domainsByRow.set(r.row, companyDomains(r.account));
  const holders = await existingDomainHolders(db, orgId, [...new Set([...domainsByRow.values()].flat())]);
  const earlier = await findConfirmedImportOfFile(db, orgId, file.sha256);
  const alreadyCreated = earlier ? await rowsCreatedFromFile(db, orgId, file.sha256, importId) : new Map();

  const firstRowOfDomain = new Map<string, number>();
  const stored = rows.map((r): NewImportRow => {
    const base = { rowNumber: r.row, input: r.input, errors: r.errors, duplicate: null, accountId: null };
    if (!r.account) return { ...base, outcome: 'failed', message: r.errors.map((e) => `${e.column}: ${e.message}`).join('; ') };
    const previous = alreadyCreated.get(r.row);
    if (previous) return { ...base, outcome: 'skipped', accountId: previous.accountId, message: `already imported from this file on ${previous.at.toISOString().slice(0, 10)}` };
    let duplicate: ImportRowDuplicate | null = null;
    for (const domain of domainsByRow.get(r.row) ?? []) {
      const existingAccountId = holders.get(domain);
      const duplicateOfRow = firstRowOfDomain.get(domain);
      if (existingAccountId) duplicate = { domain, existingAccountId };
      else if (duplicateOfRow !== undefined) duplicate = { domain, duplicateOfRow };
      if (duplicate) break;
    }
    if (duplicate) {
      const message = duplicate.existingAccountId ? `${duplicate.domain} belongs to an existing account` : `${duplicate.domain} is also in row ${duplicate.duplicateOfRow}`;
      return { ...base, duplicate, outcome: 'skipped', accountId: duplicate.existingAccountId ?? null, message };
    }
    for (const domain of domainsByRow.get(r.row) ?? []) firstRowOfDomain.set(domain, r.row);
    return { ...base, outcome: 'pending', message: null };
  });

  await insertImport(db, {
    id: importId, orgId, fileSha256: file.sha256, filename: cleanFilename(upload.filename), status: 'previewed',
    total: rows.length, valid: rows.filter((r) => r.account).length,
    columns: [...match.headerByField], ignoredColumns: match.ignored, createdBy: upload.createdBy,
  }, stored);
  const preview = await loadImportPreview(db, orgId, importId);
  if (!preview) throw new Error(`import ${importId} vanished after it was stored`);
  return preview;
}

/** The matched columns as the file has them; an import stored as an object reads in the template's column order. */
function columnsInFileOrder(stored: ImportColumnMap): Record<string, string> {
  if (Array.isArray(stored)) return Object.fromEntries(stored);
  const rank = (field: string) => { const i = IMPORT_COLUMNS.findIndex((c) => c.field === field); return i === -1 ? IMPORT_COLUMNS.length : i; };
  return Object.fromEntries(Object.entries(stored).sort(([a], [b]) => rank(a) - rank(b)));
}

/** The preview of a stored import, rebuilt from its rows (the dashboard's preview page uses it too). */
export async function loadImportPreview(db: Database, orgId: string, importId: string): Promise<ImportPreview | null> {
  const record = await getImport(db, orgId, importId);
  if (!record) return null;
  const problems = await listProblemRows(db, orgId, importId);
  const earlier = await findConfirmedImportOfFile(db, orgId, record.fileSha256, importId);
  const toCreate = record.status === 'previewed' ? await countImportRows(db, orgId, importId, ['pending']) : 0;
  return {
    id: record.id, status: record.status, filename: record.filename, total: record.total, valid: record.valid, toCreate,
    errors: problems.flatMap((p) => p.errors.map((e) => ({ row: p.rowNumber, ...e }))),
    duplicates: problems.filter((p) => p.duplicate).map((p) => ({ row: p.rowNumber, ...p.duplicate! })),
    alreadyImported: earlier && earlier.createdAt < record.createdAt ? {
      importId: earlier.id, importedAt: earlier.createdAt.toISOString(),
      message: `This file was already imported on ${earlier.createdAt.toISOString().slice(0, 10)}${toCreate ? `; ${toCreate} row${toCreate === 1 ? '' : 's'} would still be created` : ', nothing new to create'}.`,
    } : null,
    columns: columnsInFileOrder(record.columns), ignoredColumns: record.ignoredColumns, createdAt: record.createdAt.toISOString(),
  };
}
