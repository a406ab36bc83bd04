import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database, Queryable } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { findAccountsByDomains, readEditableAccount, updateEditedAccount } from '../db/repositories/accounts.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import {
  accountChangeInWords, accountChanges, accountEditSchema, accountEditVersion, applyAccountEdit, domainsOf, editableAccountOf,
  type AccountFieldChange, type EditableAccount,
} from '../domain/accountEdits.ts';
import { fieldErrors } from '../domain/accountInput.ts';
import { log } from '../platform/log.ts';
import { accountRenamedSignal, accountWorkflowId } from '../workflows/definitions.ts';
import { RelayError, workflowEngineUnavailable } from './errors.ts';
import { matchEventsToAccount } from './events/matchEvents.ts';

// Editing an account's record (issue 14): company, ARR, close date, contact, notes, domains.
//
// Who writes these fields: this service, not the account's workflow. The workflow owns the lifecycle
// (status, CSM, milestones, handoff, playbook) and keeps none of these fields in its state: its
// activities read them from Postgres when they need them (an email's greeting, a draft), so an edit
// is seen by the next step without telling the run. Writing them here also lets a person fix a typo
// on a completed or churned account, whose run has ended. The write is single and race-free: one
// transaction that locks the account's row, checks the version the editor saw, checks the domains
// against the organisation's other accounts (the unique index settles a concurrent claim), writes
// the fields and domains, and records the change on the timeline, or does none of it. The one thing
// of the run's an edit touches is its RelayCompany search attribute (what ops search runs by), which
// follows a new company name through a signal (renameRun).

export interface AccountEditDeps { db: Database; temporal: Client }

/** How long a rename waits for Temporal to take the run's new search attribute before answering 503. */
const SIGNAL_WITHIN_MS = 1_500;

/**
 * Tells the account's run its new company name (its RelayCompany search attribute), inside the
 * edit's transaction and under the row's lock: renames reach the run in the order they commit, and
 * with Temporal out of reach the edit rolls back (503, nothing changed) rather than leave the run
 * named after the old company. A run that has ended (or not started yet) has nothing to update; a
 * run started later (the reconciler's) is named from the record.
 */
async function renameRun(temporal: Client, accountId: string, companyName: string): Promise<void> {
  try {
    await temporal.withDeadline(Date.now() + SIGNAL_WITHIN_MS, () =>
      temporal.workflow.getHandle(accountWorkflowId(accountId)).signal(accountRenamedSignal, { companyName }));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    if (error instanceof ServiceError) throw workflowEngineUnavailable(error);
    throw error;
  }
}

export interface AccountEditOptions {
  /**
   * The account's edit version the editor saw (the form's hidden field, the API's If-Match): the
   * edit is refused with a 409 when someone changed the account since. Absent: applied to the
   * account as it stands (the API's partial edit touches only the fields it names).
   */
  expectedVersion?: string | undefined;
}

export interface AccountEditResult {
  id: string;
  /** The version after the edit: the next edit's If-Match. */
  version: string;
  /** What changed, field by field; empty when the account already read so (a retry, say). */
  changes: AccountFieldChange[];
}

/** The edit came on a stale view: someone changed the account since; `currentVersion` is what it is now. */
export class AccountEditConflict extends RelayError {
  override name = 'AccountEditConflict';
  constructor(readonly currentVersion: string) {
    super('conflict', 'this account was changed by someone else since you loaded it; nothing was saved. Load it again, and apply your change to what it says now');
  }
}

const editableOf = ({ domains, ...fields }: NonNullable<Awaited<ReturnType<typeof readEditableAccount>>>): EditableAccount => editableAccountOf(fields, domains);

/** The account's editable fields as they stand and their version: what the edit form starts from. */
export async function loadAccountForEdit(deps: Pick<AccountEditDeps, 'db'>, orgId: string, accountId: string): Promise<{ account: EditableAccount; version: string } | null> {
  const row = await readEditableAccount(deps.db, orgId, accountId, { lock: false });
  if (!row) return null;
  const account = editableOf(row);
  return { account, version: accountEditVersion(account) };
}

/** A domain the edit would claim that another account of the organisation holds: the 409 that names it. */
async function refuseHeldDomains(db: Queryable, orgId: string, accountId: string, domains: string[]): Promise<void> {
  const held = (await findAccountsByDomains(db, orgId, domains)).filter((h) => h.accountId !== accountId);
  const holders = [...new Set(held.map((h) => h.accountId))];
  if (holders.length === 1) {
    throw new RelayError('conflict', `${held.map((h) => h.domain).join(', ')} already identif${held.length === 1 ? 'ies' : 'y'} another account of this organisation`, { existingAccountId: holders[0] });
  }
  if (holders.length > 1) {
    throw new RelayError('conflict', `${held.map((h) => h.domain).join(', ')} already identify other accounts of this organisation`, { candidates: holders });
  }
}

/**
 * Applies a partial edit (the API's PATCH body, or the form's fields) as `actor`: validated (every
 * bad field named at once), checked against the version the editor saw and against the domains of
 * the organisation's other accounts, written with its timeline entry in one transaction. Another
 * organisation's account is not_found. An edit that changes nothing writes nothing.
 */
export async function editAccount(deps: AccountEditDeps, orgId: string, accountId: string, body: unknown, actor: string, opts: AccountEditOptions = {}): Promise<AccountEditResult> {
  const parsed = accountEditSchema.safeParse(body);
  if (!parsed.success) throw new RelayError('validation', 'the edit has invalid fields', { fields: fieldErrors(parsed.error) });
  const edit = parsed.data;

  let added: string[] = [];
  let result: AccountEditResult;
  try {
    result = await deps.db.transaction(async (tx) => {
      const row = await readEditableAccount(tx, orgId, accountId, { lock: true });
      if (!row) throw new RelayError('not_found', 'no such account');
      const before = editableOf(row);
      const version = accountEditVersion(before);
      const applied = applyAccountEdit(before, edit);
      if (!applied.ok) throw new RelayError('validation', 'the edit has invalid fields', { fields: applied.fields });
      const after = applied.account;
      const changes = accountChanges(before, after);
      // Already so (a retried request whose first try saved): nothing to write, and nothing overwritten.
      if (!changes.length) return { id: accountId, version, changes };
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== version) throw new AccountEditConflict(version);

      const domainsBefore = domainsOf(before);
      const domainsAfter = domainsOf(after);
      added = domainsAfter.filter((d) => !domainsBefore.includes(d));
      await refuseHeldDomains(tx, orgId, accountId, added);
      const domainsChanged = changes.some((c) => c.field === 'primaryDomain' || c.field === 'secondaryDomains');
      const { primaryDomain: _p, secondaryDomains: _s, ...fields } = after;
      await updateEditedAccount(tx, orgId, accountId, fields, domainsAfter, domainsChanged);
      await recordTimelineEvent(tx, {
        orgId, accountId, type: 'account_edited', actor,
        message: changes.map(accountChangeInWords).join('; '),
        data: { changes },
        // A new key per edit: the transaction records it exactly once, and the same values set again later is a new change.
        dedupeKey: `account-edit:${accountId}:${newId()}`,
      });
      // Last, so nothing after it in the transaction can fail for a reason of ours.
      if (after.companyName !== before.companyName) await renameRun(deps.temporal, accountId, after.companyName);
      return { id: accountId, version: accountEditVersion(after), changes };
    });
  } catch (error) {
    // Another account claimed one of the domains between the check and the write: the index refused it.
    if (isUniqueViolation(error)) await refuseHeldDomains(deps.db, orgId, accountId, added);
    throw error;
  }
  if (added.length) {
    // Product events that came in unmatched under a domain the account now has are its now; never fails the edit.
    try {
      const matched = await matchEventsToAccount(deps.db, orgId, accountId, added);
      if (matched) log.info('earlier events matched to an account\'s new domains', { orgId, accountId, matched });
    } catch (error) {
      log.warn('matching earlier events to an account\'s new domains failed; they stay unmatched', { orgId, accountId, error: (error as Error).message });
    }
  }
  return result;
}
