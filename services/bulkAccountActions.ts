import { z } from 'zod';
import { accountsForBulkAction } from '../db/repositories/accounts.ts';
import { findUserById } from '../db/repositories/users.ts';
import { manualTransitionError, LIFECYCLE_STATUSES, type LifecycleStatus } from '../domain/lifecycle.ts';
import { assignAccountCsm, changeAccountStatus, type AccountActionDeps } from './accountActions.ts';
import { RelayError } from './errors.ts';

// The accounts list's bulk actions (issue 14): the same change on many accounts, each through its own
// workflow exactly as the account page makes it (services/accountActions.ts), so the lifecycle's rules
// hold for every one and each refusal comes back with the workflow's own reason.

/** The most accounts one bulk action takes: four pages of the longest list page, and a bounded wait. */
export const BULK_SELECTION_LIMIT = 500;
/** Updates in flight at once: enough to be quick, few enough not to swamp a worker. */
export const BULK_CONCURRENCY = 8;

const BULK_ACTIONS = ['assign_csm', 'change_status', 'export'] as const;

const accountId = z.string().trim().min(1).max(100, 'an account ID is at most 100 characters');
const list = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * The list's bulk form as posted: ticked rows (`ids`), or "every row on this page" (`allOnPage=yes`,
 * which takes `pageIds`, the page's rows written into the form), and the chosen action with its value.
 */
export const bulkActionFormSchema = z.object({
  action: z.enum(BULK_ACTIONS, { error: 'choose what to do with the selected accounts' }),
  ids: z.preprocess(list, z.array(accountId)),
  pageIds: z.preprocess(list, z.array(accountId)),
  allOnPage: z.preprocess(blank, z.enum(['yes']).optional()),
  csmUserId: z.preprocess(blank, z.string().trim().max(100).optional()),
  status: z.preprocess(blank, z.enum(LIFECYCLE_STATUSES, { error: `choose the new status (one of ${LIFECYCLE_STATUSES.join(', ')})` }).optional()),
  /** Written into the form when the page is drawn: a second submit of the same form is the same change. */
  requestId: z.preprocess(blank, z.string().trim().regex(/^[\w-]{8,64}$/, 'requestId is not one Relay wrote').optional()),
}).superRefine((v, ctx) => {
  if (v.action === 'assign_csm' && !v.csmUserId) ctx.addIssue({ code: 'custom', path: ['csmUserId'], message: 'choose the CSM to assign' });
  if (v.action === 'change_status' && !v.status) ctx.addIssue({ code: 'custom', path: ['status'], message: 'choose the new status' });
});
export type BulkActionForm = z.infer<typeof bulkActionFormSchema>;

/** The selection a form names, in order, each ID once; refused past the cap with a message that says so. */
export function bulkSelection(form: Pick<BulkActionForm, 'ids' | 'pageIds' | 'allOnPage'>): string[] {
  const ids = [...new Set([...form.ids, ...(form.allOnPage === 'yes' ? form.pageIds : [])])];
  if (!ids.length) throw new RelayError('validation', 'Select at least one account (tick its row, or "Select all on this page").', { fields: [{ field: 'ids', message: 'select at least one account' }] });
  if (ids.length > BULK_SELECTION_LIMIT) {
    throw new RelayError('validation', `At most ${BULK_SELECTION_LIMIT} accounts at a time: ${ids.length} were selected. Narrow the list with filters and try again.`, {
      fields: [{ field: 'ids', message: `at most ${BULK_SELECTION_LIMIT} accounts at a time` }],
    });
  }
  return ids;
}

export interface BulkOutcome {
  /** Accounts changed (or accepted and still being applied). */
  moved: { id: string; name: string }[];
  /** Accounts that refused the change, with the reason in words. */
  skipped: { id: string; name: string; reason: string }[];
  /** Selected IDs that are not accounts of this organisation: ignored, never touched. */
  notFound: number;
  /** Not attempted because Relay's workers stopped answering part-way; sending the same form again finishes them. */
  notAttempted: { id: string; name: string }[];
}

/** Runs `work` over `items`, at most `limit` at once, in order of start. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * One change to each selected account through its workflow. Conflicts (a completed account, one
 * already in that status) are skipped with the workflow's reason; once the workers stop answering
 * (503) no more updates are sent, so a bulk action never waits out 500 timeouts, and what was not
 * attempted is reported. Each update's key comes from the form's requestId and the account, so the
 * same form sent twice is one change per account.
 */
async function eachAccount(
  deps: AccountActionDeps, orgId: string, ids: string[], requestId: string | undefined,
  precheck: (account: { status: LifecycleStatus; csmUserId: string | null }) => string | null,
  change: (accountId: string, requestKey: string | undefined) => Promise<unknown>,
): Promise<BulkOutcome> {
  const found = await accountsForBulkAction(deps.db, orgId, ids);
  const byId = new Map(found.map((a) => [a.id, a]));
  const selected = ids.flatMap((id) => { const a = byId.get(id); return a ? [a] : []; });
  const outcome: BulkOutcome = { moved: [], skipped: [], notFound: ids.length - selected.length, notAttempted: [] };
  let unavailable = false;
  await inBatches(selected, BULK_CONCURRENCY, async (account) => {
    const named = { id: account.id, name: account.companyName };
    if (unavailable) { outcome.notAttempted.push(named); return; }
    // What the database already says the workflow would refuse is skipped without asking it.
    const refusal = precheck(account);
    if (refusal) { outcome.skipped.push({ ...named, reason: refusal }); return; }
    try {
      await change(account.id, requestId ? `bulk:${requestId}:${account.id}` : undefined);
      outcome.moved.push(named);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      if (error.code === 'unavailable') { unavailable = true; outcome.notAttempted.push(named); return; }
      outcome.skipped.push({ ...named, reason: error.message });
    }
  });
  return outcome;
}

export async function bulkChangeStatus(
  deps: AccountActionDeps, orgId: string, ids: string[], status: LifecycleStatus, actor: string, requestId?: string,
): Promise<BulkOutcome> {
  return eachAccount(deps, orgId, ids, requestId,
    (a) => manualTransitionError(a.status, status),
    (id, requestKey) => changeAccountStatus(deps, orgId, id, { status, note: 'Changed with others from the accounts list' }, actor, { requestKey }));
}

/**
 * Assigns one CSM to each selected account, without emailing them per account (a bulk change would
 * send hundreds): the CSM sees them under "My accounts". The user must be a CSM of this organisation.
 */
export async function bulkAssignCsm(
  deps: AccountActionDeps, orgId: string, ids: string[], csmUserId: string, actor: string, requestId?: string,
): Promise<BulkOutcome & { csmName: string }> {
  const csm = await findUserById(deps.db, orgId, csmUserId);
  if (!csm || csm.role !== 'csm') {
    throw new RelayError('validation', 'Choose a CSM of this organisation.', { fields: [{ field: 'csmUserId', message: 'not a CSM of this organisation' }] });
  }
  const outcome = await eachAccount(deps, orgId, ids, requestId,
    (a) => (a.status === 'completed' || a.status === 'churned' ? `the account is ${a.status}; its lifecycle has ended` : null),
    (id, requestKey) => assignAccountCsm(deps, orgId, id, { csmEmail: csm.email, note: 'Assigned with others from the accounts list', notifyCsm: false, notifyContact: false }, actor, { requestKey }));
  return { ...outcome, csmName: csm.name };
}

const NAMES_SHOWN = 5;

/** "12 moved, 2 skipped: Hooli (the account is completed; its lifecycle has ended), …": the flash after a bulk action. */
export function describeBulkOutcome(outcome: BulkOutcome, done: string): string {
  const parts = [`${outcome.moved.length} ${done}`];
  if (outcome.skipped.length) {
    const shown = outcome.skipped.slice(0, NAMES_SHOWN).map((s) => `${s.name} (${s.reason})`).join('; ');
    const more = outcome.skipped.length > NAMES_SHOWN ? `; and ${outcome.skipped.length - NAMES_SHOWN} more` : '';
    parts.push(`${outcome.skipped.length} skipped: ${shown}${more}`);
  }
  if (outcome.notAttempted.length) {
    parts.push(`${outcome.notAttempted.length} not attempted: Relay's workers stopped answering; send the same selection again in a moment to finish them`);
  }
  if (outcome.notFound) parts.push(`${outcome.notFound} not found in this organisation and ignored`);
  return `${parts.join(', ')}.`;
}
