import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { actionTaskId, completeTask } from '../db/repositories/accountWork.ts';
import { getAccountAction, listAccountActions } from '../db/repositories/actions.ts';
import type { Database } from '../db/client.ts';
import { accountExists } from '../db/repositories/accounts.ts';
import { milestoneBelongsToAccount } from '../db/repositories/milestones.ts';
import type { CsmAssignment, StatusChange } from '../domain/accountChanges.ts';
import { fieldErrors } from '../domain/accountInput.ts';
import { ACTION_COMMANDS, isActionDone, TASK_LIST_KINDS, type ActionCommand } from '../domain/actions.ts';
import {
  accountWorkflowId, actionCommandUpdate, assignCsmUpdate, completeMilestoneUpdate, resendHandoffLinkUpdate, setStatusUpdate, type LifecycleState,
} from '../workflows/definitions.ts';
import { RelayError } from './errors.ts';
import { updateAccountWorkflow, type UpdateTimeouts } from './workflowUpdates.ts';

// What a person (dashboard) or an integration (JSON API) can do to one account. The workflow owns
// lifecycle state, so each action is an update to the account's run, whose ID follows from the
// account's; refusals come back as RelayErrors (conflict / validation) whatever the caller, and
// another org's account is not_found.

export interface AccountActionDeps {
  db: Database;
  temporal: Client;
  /** How long to wait for a worker to take up and finish a change (tests shorten them). */
  updateTimeouts?: UpdateTimeouts | undefined;
}

/**
 * The caller's name for this request (the API's Idempotency-Key header): the same key again, after a
 * lost answer or a 503, is the same change, answered with its outcome, never applied twice.
 */
export interface ActionRequest { requestKey?: string | undefined }

/**
 * `state` is the account's state after the change; null when a worker accepted the change but it is
 * still being applied (its projection waits for the database, say): it will apply, just not yet.
 */
export interface AccountActionResult { id: string; state: LifecycleState | null }

async function requireAccount(db: Database, orgId: string, accountId: string): Promise<void> {
  if (!await accountExists(db, orgId, accountId)) throw new RelayError('not_found', 'no such account');
}

export async function changeAccountStatus(
  deps: AccountActionDeps, orgId: string, accountId: string, change: StatusChange, actor: string, request: ActionRequest = {},
): Promise<AccountActionResult> {
  await requireAccount(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, accountWorkflowId(accountId), setStatusUpdate, {
    status: change.status, actor, ...(change.note ? { note: change.note } : {}),
  }, { timeouts: deps.updateTimeouts, requestKey: request.requestKey });
  return { id: accountId, state };
}

export async function assignAccountCsm(
  deps: AccountActionDeps, orgId: string, accountId: string, assignment: CsmAssignment, actor: string, request: ActionRequest = {},
): Promise<AccountActionResult> {
  await requireAccount(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, accountWorkflowId(accountId), assignCsmUpdate, {
    csmEmail: assignment.csmEmail, actor,
    ...(assignment.note ? { note: assignment.note } : {}),
    ...(assignment.notifyCsm === undefined ? {} : { notifyCsm: assignment.notifyCsm }),
    ...(assignment.notifyContact === undefined ? {} : { notifyContact: assignment.notifyContact }),
  }, { timeouts: deps.updateTimeouts, requestKey: request.requestKey });
  return { id: accountId, state };
}

export interface MilestoneCompletion extends AccountActionResult {
  /** Null while the change is still being applied. */
  progress: { completed: number; total: number } | null;
  /** SPEC §2: finishing the last milestone offers completion; it does not impose it. */
  readyToComplete: boolean;
}

export async function completeAccountMilestone(
  deps: AccountActionDeps, orgId: string, accountId: string, milestoneId: string, actor: string, request: ActionRequest = {},
): Promise<MilestoneCompletion> {
  if (!await milestoneBelongsToAccount(deps.db, orgId, accountId, milestoneId)) {
    await requireAccount(deps.db, orgId, accountId);
    throw new RelayError('not_found', 'no such milestone on this account');
  }
  const state = await updateAccountWorkflow(deps.temporal, accountWorkflowId(accountId), completeMilestoneUpdate, { milestoneId, actor }, { timeouts: deps.updateTimeouts, requestKey: request.requestKey });
  if (!state) return { id: accountId, state, progress: null, readyToComplete: false };
  const completed = state.milestones.filter((m) => m.status === 'completed').length;
  return { id: accountId, state, progress: { completed, total: state.milestones.length }, readyToComplete: completed === state.milestones.length };
}

export async function resendAccountHandoffLink(
  deps: AccountActionDeps, orgId: string, accountId: string, actor: string, request: ActionRequest = {},
): Promise<AccountActionResult> {
  await requireAccount(deps.db, orgId, accountId);
  const state = await updateAccountWorkflow(deps.temporal, accountWorkflowId(accountId), resendHandoffLinkUpdate, { actor }, { timeouts: deps.updateTimeouts, requestKey: request.requestKey });
  return { id: accountId, state };
}

// ---- the playbook's actions (issue 12) -------------------------------------------------------------

const actionBodies = {
  approve: z.strictObject({
    subject: z.string().trim().min(1, 'subject must not be empty').max(300).optional(),
    body: z.string().trim().min(1, 'body must not be empty').max(20_000).optional(),
  }).refine((b) => (b.subject === undefined) === (b.body === undefined), { message: 'send both subject and body to edit the draft, or neither', path: ['body'] }),
  skip: z.strictObject({ reason: z.string({ error: 'reason is required: say why' }).trim().min(1, 'reason is required: say why').max(1000) }),
  reschedule: z.strictObject({ dueAt: z.iso.datetime({ offset: true, error: 'dueAt must be an ISO 8601 date-time with a time zone' }) }),
  complete: z.strictObject({}),
  run: z.strictObject({}),
} satisfies Record<ActionCommand, z.ZodType>;

/** One command on one of the account's playbook actions, through its workflow (the API's and the page's). */
export async function commandAccountAction(
  deps: AccountActionDeps, orgId: string, accountId: string, actionId: string, command: string, body: unknown, actor: string, request: ActionRequest = {},
): Promise<AccountActionResult> {
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new RelayError('not_found', `no such action command (${ACTION_COMMANDS.join(', ')})`);
  }
  const which = command as ActionCommand;
  const parsed = actionBodies[which].safeParse(body ?? {});
  if (!parsed.success) throw new RelayError('validation', 'the request has invalid fields', { fields: fieldErrors(parsed.error) });
  if (!await getAccountAction(deps.db, orgId, accountId, actionId)) {
    await requireAccount(deps.db, orgId, accountId);
    throw new RelayError('not_found', 'no such action on this account');
  }
  const data = parsed.data as { subject?: string; body?: string; reason?: string; dueAt?: string };
  const state = await updateAccountWorkflow(deps.temporal, accountWorkflowId(accountId), actionCommandUpdate, {
    actionId, command: which, actor,
    ...(data.reason ? { reason: data.reason } : {}),
    ...(data.dueAt ? { dueAt: Date.parse(data.dueAt) } : {}),
    ...(data.subject && data.body ? { edits: { subject: data.subject, body: data.body } } : {}),
  }, { timeouts: deps.updateTimeouts, requestKey: request.requestKey });
  return { id: accountId, state };
}

/**
 * Completes a task on the account's list. A task a playbook action put there completes its action
 * too, through the account's workflow (which closes the task as it records the change), so the
 * playbook and the list never disagree; a refusal (the action was done or skipped meanwhile) leaves
 * the task to be completed here. The update's key is the task's, so a double click is one change.
 */
export async function completeAccountTask(
  deps: AccountActionDeps, orgId: string, accountId: string, taskId: string, actor: { userId: string | null; email: string },
): Promise<'completed' | 'already_completed' | 'not_found'> {
  const action = (await listAccountActions(deps.db, orgId, accountId))
    .find((a) => TASK_LIST_KINDS.includes(a.kind) && !isActionDone(a.status) && actionTaskId(accountId, a.actionId) === taskId);
  let completedAction = false;
  if (action) {
    try {
      await commandAccountAction(deps, orgId, accountId, action.actionId, 'complete', {}, actor.email, { requestKey: `task-complete:${taskId}` });
      completedAction = true;
    } catch (error) {
      if (!(error instanceof RelayError) || error.code !== 'conflict') throw error;
    }
  }
  const result = await completeTask(deps.db, orgId, accountId, taskId, actor);
  return completedAction && result === 'already_completed' ? 'completed' : result;
}
