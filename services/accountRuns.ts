import {
  ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure,
  WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError,
  type Client, type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { findAccountsAwaitingFirstRun, getAccount } from '../db/repositories/accounts.ts';
import { findAccountHandoff } from '../db/repositories/handoffs.ts';
import { listAccountMilestones } from '../db/repositories/milestones.ts';
import { getOrganisationSettings } from '../db/repositories/organisations.ts';
import type { OrganisationSettings } from '../db/schema/organisations.ts';
import { listAccountEmailsOfKinds } from '../db/repositories/outbox.ts';
import { countTimelineEventsSince, recordTimelineEvent, timelineEventRecorded } from '../db/repositories/timeline.ts';
import { findUserById } from '../db/repositories/users.ts';
import { isTerminal, LIFECYCLE_STATUSES } from '../domain/lifecycle.ts';
import { log } from '../platform/log.ts';
import {
  accountWorkflowId, SEARCH_ATTRIBUTES, type AccountLifecycleInput, type AccountLifecycleWorkflow, type HandoffPhase, type LifecycleState,
} from '../workflows/definitions.ts';

// An account's run can end while the account is not finished: a failure retrying cannot fix (no one
// to send the handoff link to, a missing template version), an operator terminating it, a timeout.
// Nothing then drives the account. This module finds such accounts and starts their run again,
// rebuilt from what Postgres holds. The reconciler (workflows/reconcileAccounts.ts) calls it on a
// schedule; an admin's "restart run" action can call restartAccountRun the same way.

export interface AccountRunDeps {
  db: Database;
  temporal: Client;
  /** Where restarted runs go: the workers' queue (the reconciler passes the queue it runs on). */
  taskQueue: string;
}

export interface AccountRef { orgId: string; accountId: string }

/** An account whose latest run ended before the account did. */
export interface StrandedAccount extends AccountRef { workflowId: string; runId: string }

export type RestartOutcome =
  | { outcome: 'restarted'; failedRunId: string; newRunId: string; reason: string }
  | { outcome: 'needs_person'; failedRunId: string; reason: string; restarts: number }
  | { outcome: 'skipped'; why: string };

/** How often Relay restarts one account's run before it leaves the account to a person. */
export const RESTART_LIMIT = { restarts: 3, withinMs: 24 * 60 * 60 * 1000 } as const;

/** Run statuses that end a run without finishing its account (a completed run finished it, or never stored it). */
const ENDED_EARLY = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

/** Timeline dedupe keys: one restart, or one "needs a person", per failed run. */
const restartedKey = (failedRunId: string) => `run-restarted:${failedRunId}`;
const gaveUpKey = (failedRunId: string) => `run-failed:${failedRunId}`;

/** Memo on a restarted run naming the run it replaces, so a retried restart recognises its own work. */
const RESTART_OF_MEMO = 'restartOf';

const ACCOUNT_WORKFLOW_PREFIX = accountWorkflowId('');

/**
 * The visibility query for runs that ended early while their account was still open, on one task
 * queue (the workers'; in tests each file has its own). Every organisation's, on purpose: the
 * reconciler is a system job, not a request of one organisation.
 */
export function strandedRunsQuery(taskQueue: string): string {
  const open = LIFECYCLE_STATUSES.filter((s) => !isTerminal(s)).map((s) => `'${s}'`).join(',');
  return `WorkflowType = 'accountLifecycle' AND ExecutionStatus IN ('Failed','Terminated','TimedOut','Canceled')`
    + ` AND ${SEARCH_ATTRIBUTES.status.name} IN (${open}) AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
}

type AccountRow = NonNullable<Awaited<ReturnType<typeof getAccount>>>;

type RunCheck =
  | { stranded: true; account: AccountRow; latest: WorkflowExecutionDescription }
  /** `latest` only when the account's row exists. */
  | { stranded: false; why: string; latest?: WorkflowExecutionDescription };

/** Whether the account is open in Postgres while its LATEST run (not the listed one) has ended early. */
async function checkRun(deps: AccountRunDeps, ref: AccountRef): Promise<RunCheck> {
  const account = await getAccount(deps.db, ref.orgId, ref.accountId);
  if (!account) return { stranded: false, why: 'no such account in the database' };
  if (isTerminal(account.status)) return { stranded: false, why: `the account is ${account.status}` };
  let latest: WorkflowExecutionDescription;
  try {
    latest = await deps.temporal.workflow.getHandle(account.workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { stranded: false, why: 'Temporal has no run of this account' };
    throw error;
  }
  if (!ENDED_EARLY.has(latest.status.name)) return { stranded: false, why: `its latest run is ${latest.status.name.toLowerCase()}`, latest };
  return { stranded: true, account, latest };
}

/**
 * Accounts whose latest run ended early, found through Temporal's visibility (not by describing every
 * account), each confirmed against its latest run and its row. Accounts already left to a person
 * for that run are not returned, so they never crowd out new ones.
 */
export async function findStrandedAccounts(deps: AccountRunDeps, opts: { limit: number; onProgress?: () => void }): Promise<StrandedAccount[]> {
  const found: StrandedAccount[] = [];
  const seen = new Set<string>();
  // Spans organisations on purpose (a system job); every write that follows carries the account's orgId.
  for await (const run of deps.temporal.workflow.list({ query: strandedRunsQuery(deps.taskQueue) })) {
    opts.onProgress?.();
    if (seen.has(run.workflowId) || !run.workflowId.startsWith(ACCOUNT_WORKFLOW_PREFIX)) continue;
    seen.add(run.workflowId);
    const orgId = run.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orgId);
    if (!orgId) continue;
    const ref = { orgId, accountId: run.workflowId.slice(ACCOUNT_WORKFLOW_PREFIX.length) };
    const check = await checkRun(deps, ref);
    if (!check.stranded || await timelineEventRecorded(deps.db, orgId, gaveUpKey(check.latest.runId))) continue;
    found.push({ ...ref, workflowId: run.workflowId, runId: check.latest.runId });
    if (found.length >= opts.limit) break;
  }
  return found;
}

/** Why a run ended, from its result: the failure's type and message, or how it was stopped. */
async function endingOf(deps: AccountRunDeps, run: { workflowId: string; runId: string; status: string }): Promise<string> {
  try {
    await deps.temporal.workflow.getHandle(run.workflowId, run.runId, { followRuns: false }).result();
    return run.status.toLowerCase();
  } catch (error) {
    let failure: unknown = error instanceof WorkflowFailedError ? error.cause : error;
    while (failure instanceof ActivityFailure || failure instanceof ChildWorkflowFailure) failure = failure.cause;
    let reason: string;
    if (failure instanceof ApplicationFailure) reason = `${failure.type ?? 'Error'}: ${failure.message}`;
    else if (failure instanceof TerminatedFailure) reason = `terminated${failure.message ? `: ${failure.message}` : ''}`;
    else if (failure instanceof TimeoutFailure) reason = 'timed out';
    else if (failure instanceof CancelledFailure) reason = 'cancelled';
    else reason = failure instanceof Error && failure.message ? failure.message : run.status.toLowerCase().replace('_', ' ');
    return reason.length > 300 ? `${reason.slice(0, 299)}…` : reason;
  }
}

/**
 * The run's state as Postgres has it: status, CSM, milestones and where the handoff stands. When the
 * handoff link never went out (no handoff drafted yet, or the run stopped at the send), the phase is
 * `preparing`: the new run records, copies and drafts as a new account's run does (those steps are
 * keyed by the workflow ID alone and keep what exists), then sends the link.
 */
async function stateFromDatabase(db: Database, account: AccountRow, revision: number): Promise<LifecycleState> {
  const { orgId, id: accountId } = account;
  const [handoff, milestones, csm, emails] = await Promise.all([
    findAccountHandoff(db, orgId, accountId),
    listAccountMilestones(db, orgId, accountId),
    account.csmUserId ? findUserById(db, orgId, account.csmUserId) : null,
    listAccountEmailsOfKinds(db, orgId, accountId, ['handoff_link', 'handoff_reminder', 'handoff_escalation']),
  ]);
  const links = emails.filter((e) => e.kind === 'handoff_link' && e.status !== 'failed');
  let phase: HandoffPhase;
  if (handoff?.submittedAt) phase = 'submitted';
  else if (account.status !== 'pending_handoff') phase = 'closed';
  else if (handoff && links.length) phase = 'awaiting_ae';
  else phase = 'preparing';
  return {
    status: account.status,
    csm: csm ? { userId: csm.id, email: csm.email, name: csm.name } : null,
    milestones: milestones.map((m) => ({ id: m.id, sequence: m.sequence, name: m.name, status: m.status })),
    handoff: {
      phase,
      // The token is derived from the account and this version: the AE's link keeps working.
      linkVersion: handoff?.linkVersion ?? 0,
      remindersSent: emails.filter((e) => e.kind === 'handoff_reminder').length,
      escalated: emails.some((e) => e.kind === 'handoff_escalation'),
      awaitingSince: links[0]?.createdAt.getTime() ?? null,
    },
    revision,
  };
}

/**
 * A restart that started its run and then stopped before recording it (a retried activity, a crashed
 * worker) is recorded from the new run's memo, so the timeline, and the restart count, miss nothing.
 */
async function recordRestartOf(deps: AccountRunDeps, ref: AccountRef, run: WorkflowExecutionDescription): Promise<void> {
  const failedRunId = run.memo?.[RESTART_OF_MEMO];
  if (typeof failedRunId !== 'string' || await timelineEventRecorded(deps.db, ref.orgId, restartedKey(failedRunId))) return;
  const reason = await endingOf(deps, { workflowId: run.workflowId, runId: failedRunId, status: 'FAILED' });
  await recordRestart(deps, ref, { failedRunId, newRunId: run.runId, reason, actor: 'relay' });
}

async function recordRestart(deps: AccountRunDeps, ref: AccountRef, r: { failedRunId: string; newRunId: string; reason: string; actor: string }): Promise<void> {
  await recordTimelineEvent(deps.db, {
    orgId: ref.orgId, accountId: ref.accountId, type: 'run_restarted', actor: r.actor, dedupeKey: restartedKey(r.failedRunId),
    message: `The account's run stopped (${r.reason}); Relay restarted it as run ${r.newRunId}`,
    data: { failedRunId: r.failedRunId, newRunId: r.newRunId, reason: r.reason },
  });
}

/**
 * Starts the account's run again when its latest run ended early: same workflow ID, the state
 * rebuilt from Postgres, timing from the organisation's current settings. At most `limit.restarts`
 * restarts within `limit.withinMs` (counted on the timeline); past that the account gets one "needs a
 * person" entry per failed run and is left alone, so a failure that repeats is not restarted forever
 * (`limit: null`: no limit, for a person's own restart). Idempotent: a second call for the same failed run finds the new run running and changes nothing.
 */
export async function restartAccountRun(
  deps: AccountRunDeps, ref: AccountRef,
  opts: { actor: string; limit?: { restarts: number; withinMs: number } | null },
): Promise<RestartOutcome> {
  const check = await checkRun(deps, ref);
  if (check.latest) await recordRestartOf(deps, ref, check.latest);
  if (!check.stranded) return { outcome: 'skipped', why: check.why };
  const { latest } = check;
  const failed = { workflowId: latest.workflowId, runId: latest.runId, status: latest.status.name };
  const fields = { orgId: ref.orgId, accountId: ref.accountId, workflowId: latest.workflowId, failedRunId: latest.runId };
  const limit = opts.limit === undefined ? RESTART_LIMIT : opts.limit;

  if (limit) {
    const restarts = await countTimelineEventsSince(deps.db, ref.orgId, ref.accountId, 'run_restarted', new Date(Date.now() - limit.withinMs));
    if (restarts >= limit.restarts) {
      const reason = await endingOf(deps, failed);
      const hours = Math.round(limit.withinMs / 3_600_000);
      await recordTimelineEvent(deps.db, {
        orgId: ref.orgId, accountId: ref.accountId, type: 'run_failed', actor: opts.actor, dedupeKey: gaveUpKey(latest.runId),
        message: `The account's run stopped (${reason}); needs a person: it stopped again after ${restarts} restarts in ${hours} h, so Relay leaves it stopped`,
        data: { failedRunId: latest.runId, reason, restarts },
      });
      log.warn('account run needs a person', { ...fields, reason, restarts });
      return { outcome: 'needs_person', failedRunId: latest.runId, reason, restarts };
    }
  }

  const reason = await endingOf(deps, failed);
  // Keys of emails and timeline events are `${workflowId}:${revision}:${step}`: the new run must never
  // reuse a revision the stopped run used. Revisions grow by one per change, and each change takes an
  // activity round trip, so the stopped run (started at 0, or at an earlier restart's clock) is far
  // below the clock now. Hence a carried state even when the run starts over from `preparing`: a
  // run started without one would count from 0 again, through keys the stopped run may have used.
  const state = await stateFromDatabase(deps.db, check.account, Date.now());
  const settings = await getOrganisationSettings(deps.db, ref.orgId);
  let newRunId: string;
  try {
    const handle = await deps.temporal.workflow.start<AccountLifecycleWorkflow>('accountLifecycle', {
      workflowId: latest.workflowId,
      taskQueue: deps.taskQueue,
      // A new run only after one that failed, was terminated, cancelled or timed out; never beside a running one.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      workflowIdConflictPolicy: 'FAIL',
      args: [{
        orgId: ref.orgId, accountId: ref.accountId,
        timing: runTiming(settings),
        carriedState: state,
      }],
      memo: { [RESTART_OF_MEMO]: latest.runId },
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.orgId, value: ref.orgId },
        { key: SEARCH_ATTRIBUTES.status, value: check.account.status },
        { key: SEARCH_ATTRIBUTES.company, value: check.account.companyName },
        ...(state.csm ? [{ key: SEARCH_ATTRIBUTES.csmEmail, value: state.csm.email }] : []),
      ],
    });
    newRunId = handle.firstExecutionRunId;
  } catch (error) {
    // Someone else (another reconciler, a person) started it meanwhile.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'skipped', why: 'a new run was started meanwhile' };
    throw error;
  }
  await recordRestart(deps, ref, { failedRunId: latest.runId, newRunId, reason, actor: opts.actor });
  log.info('account run restarted', { ...fields, newRunId, reason, handoffPhase: state.handoff.phase });
  return { outcome: 'restarted', failedRunId: latest.runId, newRunId, reason };
}

/** The run's timing, from the organisation's settings as they are now. */
function runTiming(settings: OrganisationSettings): AccountLifecycleInput['timing'] {
  return {
    tokenTtlSeconds: settings.handoffTokenTtlSeconds,
    reminderDelaysSeconds: settings.handoffReminderDelaysSeconds,
    escalationDelaySeconds: settings.handoffEscalationDelaySeconds,
    ...(settings.actionHourSeconds ? { actionHourSeconds: settings.actionHourSeconds } : {}),
  };
}

/**
 * Starts a new account's first run (the account is committed already). The ID is the account's, so a
 * second start of the same account, from a retried request or the reconciler, finds the first run.
 */
export async function startFirstRun(
  temporal: Client, taskQueue: string,
  account: { orgId: string; accountId: string; companyName: string; settings: OrganisationSettings; historyLimit?: number | undefined },
): Promise<void> {
  await temporal.workflow.start<AccountLifecycleWorkflow>('accountLifecycle', {
    workflowId: accountWorkflowId(account.accountId),
    taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{
      orgId: account.orgId, accountId: account.accountId, timing: runTiming(account.settings),
      ...(account.historyLimit ? { historyLimit: account.historyLimit } : {}),
    }],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.orgId, value: account.orgId },
      { key: SEARCH_ATTRIBUTES.status, value: 'pending_handoff' },
      { key: SEARCH_ATTRIBUTES.company, value: account.companyName },
    ],
  });
}

/** How long a new account may wait for its run to begin before the reconciler starts it. */
export const FIRST_RUN_GRACE_MS = 2 * 60 * 1000;
/** How far back the reconciler looks for accounts that never started. */
const FIRST_RUN_LOOKBACK_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Accounts stored whose run never began: the start after the commit failed and the account could not
 * be taken back either (the database went away too). Older than the grace period, so a run that is
 * merely queued is left alone.
 */
export async function findUnstartedAccounts(deps: Pick<AccountRunDeps, 'db'>, opts: { limit: number; orgId?: string; now?: Date }): Promise<(AccountRef & { workflowId: string })[]> {
  const now = (opts.now ?? new Date()).getTime();
  return findAccountsAwaitingFirstRun(deps.db, {
    createdAfter: new Date(now - FIRST_RUN_LOOKBACK_MS), createdBefore: new Date(now - FIRST_RUN_GRACE_MS), limit: opts.limit,
    ...(opts.orgId ? { orgId: opts.orgId } : {}),
  });
}

export type FirstRunOutcome = { outcome: 'started' } | { outcome: 'skipped'; why: string };

/** Starts the first run of an account that never had one; an account with any run is left to that run (or to the restart path). */
export async function startUnstartedAccount(deps: AccountRunDeps, ref: AccountRef): Promise<FirstRunOutcome> {
  const account = await getAccount(deps.db, ref.orgId, ref.accountId);
  if (!account) return { outcome: 'skipped', why: 'no such account in the database' };
  if (account.status !== 'pending_handoff') return { outcome: 'skipped', why: `the account is ${account.status}` };
  try {
    await deps.temporal.workflow.getHandle(account.workflowId).describe();
    return { outcome: 'skipped', why: 'the account has a run' };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const settings = await getOrganisationSettings(deps.db, ref.orgId);
  await startFirstRun(deps.temporal, deps.taskQueue, { orgId: ref.orgId, accountId: ref.accountId, companyName: account.companyName, settings });
  await recordTimelineEvent(deps.db, {
    orgId: ref.orgId, accountId: ref.accountId, type: 'run_restarted', actor: 'relay', dedupeKey: `run-first-start:${account.workflowId}`,
    message: 'The account\'s run could not start when the account was created; Relay started it',
    data: { reason: 'not started at creation' },
  });
  log.info('account run started by the reconciler', { orgId: ref.orgId, accountId: ref.accountId, workflowId: account.workflowId });
  return { outcome: 'started' };
}
