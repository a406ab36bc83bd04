import type { Client } from '@temporalio/client';
import { updateAccountWorkflow } from './workflowUpdates.ts';
import type { Database } from '../db/client.ts';
import { getAccountDetail } from '../db/repositories/accounts.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import {
  assignCsmUpdate, completeMilestoneUpdate, resendHandoffLinkUpdate, setStatusUpdate, type LifecycleState,
} from '../workflows/definitions.ts';
import { RelayError } from './errors.ts';

// What a person (dashboard) or an integration (JSON API) can do to one account. The workflow owns
// lifecycle state, so each action is an update to the account's run; refusals come back as
// RelayErrors (conflict / validation) whatever the caller, and another org's account is not_found.

export interface AccountActionDeps { db: Database; temporal: Client }

export type AccountDetail = NonNullable<Awaited<ReturnType<typeof getAccountDetail>>>;

export async function requireAccountDetail(db: Database, orgId: string, accountId: string): Promise<AccountDetail> {
  const detail = await getAccountDetail(db, orgId, accountId);
  if (!detail) throw new RelayError('not_found', 'no such account');
  return detail;
}

export async function changeAccountStatus(
  deps: AccountActionDeps, orgId: string, accountId: string,
  change: { status: LifecycleStatus; note?: string | undefined }, actor: string,
): Promise<{ account: AccountDetail['account']; state: LifecycleState }> {
  const { account } = await requireAccountDetail(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, account.workflowId, setStatusUpdate, {
    status: change.status, actor, ...(change.note ? { note: change.note } : {}),
  });
  return { account, state };
}

export interface CsmAssignment {
  csmEmail: string;
  note?: string | undefined;
  notifyCsm?: boolean | undefined;
  notifyContact?: boolean | undefined;
}

export async function assignAccountCsm(
  deps: AccountActionDeps, orgId: string, accountId: string, assignment: CsmAssignment, actor: string,
): Promise<{ account: AccountDetail['account']; state: LifecycleState }> {
  const { account } = await requireAccountDetail(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, account.workflowId, assignCsmUpdate, {
    csmEmail: assignment.csmEmail, actor,
    ...(assignment.note ? { note: assignment.note } : {}),
    ...(assignment.notifyCsm === undefined ? {} : { notifyCsm: assignment.notifyCsm }),
    ...(assignment.notifyContact === undefined ? {} : { notifyContact: assignment.notifyContact }),
  });
  return { account, state };
}

export interface MilestoneCompletion {
  account: AccountDetail['account'];
  state: LifecycleState;
  progress: { completed: number; total: number };
  /** SPEC §2: finishing the last milestone offers completion; it does not impose it. */
  readyToComplete: boolean;
}

export async function completeAccountMilestone(
  deps: AccountActionDeps, orgId: string, accountId: string, milestoneId: string, actor: string,
): Promise<MilestoneCompletion> {
  const { account, milestones } = await requireAccountDetail(deps.db, orgId, accountId);
  if (!milestones.some((m) => m.id === milestoneId)) throw new RelayError('not_found', 'no such milestone on this account');
  const state = await updateAccountWorkflow(deps.temporal, account.workflowId, completeMilestoneUpdate, { milestoneId, actor });
  const completed = state.milestones.filter((m) => m.status === 'completed').length;
  return { account, state, progress: { completed, total: state.milestones.length }, readyToComplete: completed === state.milestones.length };
}

export async function resendAccountHandoffLink(
  deps: AccountActionDeps, orgId: string, accountId: string, actor: string,
): Promise<{ account: AccountDetail['account']; state: LifecycleState }> {
  const { account } = await requireAccountDetail(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, account.workflowId, resendHandoffLinkUpdate, { actor });
  return { account, state };
}
