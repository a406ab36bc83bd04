import { ServiceError, type Client } from '@temporalio/client';
import type { Database } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { newId } from '../../db/ids.ts';
import { accountsAwaitingFirstRunAmong, findAccountsByDomains, insertAccountsWithDomains, type NewAccount } from '../../db/repositories/accounts.ts';
import {
  getImport, importRowsAfter, lockFileRowsAcrossImports, lockPendingImportRows, recountImport, rowsCreatedFromFile, setImportRowOutcomes,
  type ImportRecord, type ImportRowOutcomeUpdate, type ImportRowRecord,
} from '../../db/repositories/imports.ts';
import { getOrganisationSettings } from '../../db/repositories/organisations.ts';
import { findCurrentTemplateVersion } from '../../db/repositories/templates.ts';
import type { AccountInput } from '../../domain/accountInput.ts';
import { companyDomains } from '../../domain/companyDomains.ts';
import { log } from '../../platform/log.ts';
import { domainConflict, newAccountRow, startNewAccountRun, validateAccountBody, type TemplateVersionLookup } from '../createAccount.ts';
import { RelayError } from '../errors.ts';
import { matchEventsToNewAccounts } from '../events/matchEvents.ts';

export interface ImportBatchDeps {
  db: Database;
  temporal: Client;
  /** Where account workflows run (the worker's own queue). */
  taskQueue: string;
  /** Called as a batch goes (after its transaction, after each run started), so a long batch keeps its activity alive. */
  heartbeat?: () => void;
}

export interface ImportBatchResult {
  /** The last row number looked at, or null when no rows were left after the cursor. */
  lastRow: number | null;
  counts: { created: number; skipped: number; failed: number; total: number };
}

/**
 * Account runs started at once after a batch commits. The starts are Temporal round trips (a few ms
 * each when idle, hundreds while the worker onboards the accounts already started). On this 2-core
 * machine 32 beat 16 (2,000 rows: 87 against 63 accounts/s) and more gained nothing (5,000 rows: 95,
 * 86 and 87 accounts/s at 32, 64 and 128; bench/csvImport.bench.ts), so the frontend keeps room for
 * live requests.
 */
const START_CONCURRENCY = 32;

/**
 * How long one start may take before the batch counts Temporal unreachable. Longer than a request's
 * 1.5 s: nobody waits on the answer, and a loaded dev server (the worker onboarding the accounts
 * already started) takes over a second per start at times; a start cut short would fail the batch.
 */
const START_WITHIN_MS = 10_000;

/** A batch whose insert met a domain another create claimed meanwhile is re-run this often (it re-reads the holders). */
const UNIQUE_RACE_ATTEMPTS = 5;

/** A row checked before the batch's transaction: what createAccount's validation answers, and the domains it claims. */
type CheckedRow =
  | { rowNumber: number; valid: true; input: AccountInput; templateVersionId: string; domains: string[] }
  | { rowNumber: number; valid: false; message: string };

/** An account the batch stores, and what its start and event matching need once committed. */
interface NewImportedAccount { id: string; companyName: string; domains: string[] }

/** The message a row refused by createAccount's validation carries (unchanged from the one-by-one path). */
function validationMessage(error: RelayError): string {
  const fields = error.details.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
  return fields || error.message;
}

/** Each pending row checked as createAccount checks a body; templates are looked up once per batch. */
async function checkRows(db: Database, orgId: string, rows: ImportRowRecord[]): Promise<Map<number, CheckedRow>> {
  const versions = new Map<string, ReturnType<TemplateVersionLookup>>();
  const findTemplate: TemplateVersionLookup = (ref) => {
    const key = JSON.stringify([ref.templateId ?? null, ref.templateName ?? null]);
    let found = versions.get(key);
    if (!found) versions.set(key, found = findCurrentTemplateVersion(db, orgId, ref));
    return found;
  };
  const checked = new Map<number, CheckedRow>();
  for (const row of rows) {
    try {
      const { input, templateVersionId } = await validateAccountBody(db, orgId, row.input, findTemplate);
      checked.set(row.rowNumber, { rowNumber: row.rowNumber, valid: true, input, templateVersionId, domains: companyDomains(input) });
    } catch (error) {
      // Valid at preview, refused now: the template was renamed or removed in between.
      if (!(error instanceof RelayError) || error.code !== 'validation') throw error;
      checked.set(row.rowNumber, { rowNumber: row.rowNumber, valid: false, message: validationMessage(error) });
    }
  }
  return checked;
}

/**
 * The batch's accounts in one transaction: its pending rows locked (a second run of the batch waits,
 * then finds them done), the same file's rows locked across imports of it (a domain-less row has no
 * unique index to guard it), rows an earlier import of the file created skipped, domains checked
 * against the organisation and the rows before them in one query, then the accounts, their domains and
 * every row's outcome written with multi-row statements. An account and its row's `created` commit
 * together, so a retried batch never creates a row twice. Answers the accounts stored.
 */
async function storeBatch(db: Database, record: ImportRecord, checked: Map<number, CheckedRow>): Promise<NewImportedAccount[]> {
  const { orgId, id: importId } = record;
  return db.transaction(async (tx) => {
    const locked = await lockPendingImportRows(tx, orgId, importId, [...checked.keys()]);
    if (!locked.length) return [];
    const rowNumbers = locked.map((r) => r.rowNumber);
    await lockFileRowsAcrossImports(tx, orgId, record.fileSha256, rowNumbers);
    const earlier = await rowsCreatedFromFile(tx, orgId, record.fileSha256, importId, rowNumbers);
    const rows = rowNumbers.map((n) => checked.get(n)!);
    const holders = new Map<string, string[]>();
    const domains = [...new Set(rows.flatMap((r) => (r.valid ? r.domains : [])))];
    for (const hit of await findAccountsByDomains(tx, orgId, domains)) holders.set(hit.domain, [...(holders.get(hit.domain) ?? []), hit.accountId]);

    const outcomes: ImportRowOutcomeUpdate[] = [];
    const created: { id: string; account: NewAccount; domains: string[] }[] = [];
    for (const row of rows) {
      const before = earlier.get(row.rowNumber);
      if (before) {
        outcomes.push({ rowNumber: row.rowNumber, outcome: 'skipped', accountId: before.accountId, message: `already imported from this file on ${before.at.toISOString().slice(0, 10)}` });
        continue;
      }
      if (!row.valid) {
        outcomes.push({ rowNumber: row.rowNumber, outcome: 'failed', accountId: null, message: row.message });
        continue;
      }
      // The organisation's holders and this batch's earlier rows alike: the second row of a domain is skipped.
      const conflict = domainConflict(row.domains.flatMap((d) => holders.get(d) ?? []));
      if (conflict) {
        const existing = conflict.details.existingAccountId ?? null;
        outcomes.push({
          rowNumber: row.rowNumber, outcome: 'skipped', accountId: existing,
          message: existing ? 'an account with this domain already exists' : `${conflict.message} (candidates: ${conflict.details.candidates?.join(', ')})`,
        });
        continue;
      }
      const id = newId();
      for (const d of row.domains) holders.set(d, [id]);
      created.push({ id, account: newAccountRow(orgId, id, row.input, row.templateVersionId, row.domains), domains: row.domains });
      outcomes.push({ rowNumber: row.rowNumber, outcome: 'created', accountId: id, message: null });
    }
    await insertAccountsWithDomains(tx, created);
    await setImportRowOutcomes(tx, orgId, importId, outcomes);
    return created.map(({ id, account, domains: claimed }) => ({ id, companyName: account.companyName, domains: claimed }));
  });
}

/** storeBatch, again when a concurrent create (the API, another import) claimed one of its domains between its check and its insert. */
async function storeBatchSettlingRaces(db: Database, record: ImportRecord, checked: Map<number, CheckedRow>): Promise<NewImportedAccount[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storeBatch(db, record, checked);
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= UNIQUE_RACE_ATTEMPTS) throw error;
      log.info('an import batch met a domain claimed meanwhile; checking the batch again', { orgId: record.orgId, importId: record.id, attempt });
    }
  }
}

/**
 * Starts the accounts' first runs (createAccount's start: same ID, arguments and search attributes, so
 * nothing tells them from one-by-one runs; a run already there is found, not doubled), START_CONCURRENCY at a
 * time. Once a start fails because Temporal
 * cannot be reached, no more are tried and the batch fails: its retry starts them (they stay waiting
 * for their first run), and if the import gives up, the reconciler does (findUnstartedAccounts).
 */
async function startRuns(deps: ImportBatchDeps, orgId: string, accounts: NewImportedAccount[]): Promise<void> {
  if (!accounts.length) return;
  const settings = await getOrganisationSettings(deps.db, orgId);
  let next = 0;
  const notStarted: NewImportedAccount[] = [];
  const stop: { unreachable?: ServiceError; error?: unknown } = {};
  const lanes = Array.from({ length: Math.min(START_CONCURRENCY, accounts.length) }, async () => {
    while (!stop.unreachable && !stop.error && next < accounts.length) {
      const account = accounts[next++]!;
      try {
        await startNewAccountRun(deps, { orgId, accountId: account.id, companyName: account.companyName, settings }, START_WITHIN_MS);
      } catch (error) {
        notStarted.push(account);
        if (error instanceof ServiceError) stop.unreachable ??= error;
        else stop.error ??= error;
        continue;
      }
      deps.heartbeat?.();
    }
  });
  await Promise.all(lanes);
  if (stop.error) throw stop.error;
  if (stop.unreachable) {
    const count = notStarted.length + accounts.length - next;
    log.warn('an import batch could not start every run; its accounts wait for the batch\'s retry or the reconciler', {
      orgId, notStarted: count, error: stop.unreachable.message,
    });
    throw new Error(`Temporal could not start ${count} of the batch's ${accounts.length} account runs: ${stop.unreachable.message}`, { cause: stop.unreachable });
  }
}

/**
 * Creates the pending rows after `afterRow` (up to `limit` rows looked at) in bulk, starts their runs,
 * and stores the progress. Runs again safely: rows done stay done, and the runs of accounts this import
 * created in the range that never began (an earlier attempt committed, then could not start them) are
 * started too.
 */
export async function importAccountsBatch(deps: ImportBatchDeps, orgId: string, importId: string, afterRow: number, limit: number): Promise<ImportBatchResult | null> {
  const record = await getImport(deps.db, orgId, importId);
  if (!record) return null;
  const rows: ImportRowRecord[] = await importRowsAfter(deps.db, orgId, importId, afterRow, limit);
  const pending = rows.filter((r) => r.outcome === 'pending');
  const stored = pending.length ? await storeBatchSettlingRaces(deps.db, record, await checkRows(deps.db, orgId, pending)) : [];
  deps.heartbeat?.();
  const createdBefore = rows.filter((r) => r.outcome === 'created' && r.accountId).map((r) => r.accountId!);
  const waiting = await accountsAwaitingFirstRunAmong(deps.db, orgId, createdBefore);
  const accounts = [...waiting, ...stored];
  // Events that arrived before the accounts did are theirs now (never fails the batch); before the
  // starts, so accounts a failed start leaves for the retry are matched either way.
  await matchEventsToNewAccounts(deps.db, orgId, accounts);
  await startRuns(deps, orgId, accounts);
  const counted = await recountImport(deps.db, orgId, importId);
  return {
    lastRow: rows.at(-1)?.rowNumber ?? null,
    counts: { created: counted?.created ?? 0, skipped: counted?.skipped ?? 0, failed: counted?.failed ?? 0, total: record.total },
  };
}
