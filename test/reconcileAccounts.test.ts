// The reconciler: account runs that ended while their account was still open are found through
// Temporal's visibility and started again from Postgres, a bounded number of times.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, timelineEvents, users } from '../db/schema/index.ts';
import { ensureReconcileSchedule } from '../platform/temporalClient.ts';
import { insertAccountWithDomains } from '../db/repositories/accounts.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import { FIRST_RUN_GRACE_MS, restartAccountRun, strandedRunsQuery } from '../services/accountRuns.ts';
import {
  accountWorkflowId, RECONCILE_SCHEDULE_ID, SEARCH_ATTRIBUTES, stateQuery,
  type AccountLifecycleWorkflow, type ReconcileAccountsResult, type ReconcileAccountsWorkflow,
} from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
// A run whose account was never stored ends a second after its first read instead of a minute.
beforeAll(async () => { h = await createHarness({ activityDeps: { accountCommitGraceMs: 1_000 } }); });
afterAll(async () => { await h?.close(); });

const temporal = () => h.deps.temporal;

async function createAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}) {
  const res = await org.api('/api/accounts', { body: accountBody({ templateName: 'Quick Start', ...overrides }) });
  expect(res.status).toBe(201);
  return res.json() as Promise<{ id: string; workflowId: string }>;
}

async function outbox(org: TestOrganisation, accountId: string) {
  const res = await org.api(`/api/outbox?accountId=${accountId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { kind: string; links: string[] }[] }).items;
}

/** The newest handoff link emailed for the account (its path), once `count` links went out. */
async function handoffLink(org: TestOrganisation, accountId: string, count = 1): Promise<string> {
  const links = await eventually(async () => {
    const found = (await outbox(org, accountId)).filter((e) => e.kind === 'handoff_link');
    return found.length >= count ? found : undefined;
  }, { what: `${count} handoff link(s)` });
  return new URL(links[0]!.links[0]!).pathname;
}

/**
 * One reconcile run, started directly on this file's queue (the schedule would start it every 10
 * minutes), its first-run search kept to the test's organisation: the database is shared with other
 * test files, whose seeded accounts are not this file's to start.
 */
function reconcile(org: TestOrganisation): Promise<ReconcileAccountsResult> {
  return temporal().workflow.execute<ReconcileAccountsWorkflow>('reconcileAccounts', {
    taskQueue: h.taskQueue, workflowId: `reconcile-test-${randomUUID()}`, args: [{ orgId: org.orgId }],
  });
}

const outcomeOf = (result: ReconcileAccountsResult, accountId: string) => result.accounts.find((a) => a.accountId === accountId)?.outcome;

/** Waits until visibility lists this ended run among the stranded ones (it is eventually consistent). */
async function visiblyStranded(workflowId: string, runId: string): Promise<void> {
  await eventually(async () => {
    for await (const run of temporal().workflow.list({ query: `${strandedRunsQuery(h.taskQueue)} AND WorkflowId = '${workflowId}'` })) {
      if (run.runId === runId) return true;
    }
    return undefined;
  }, { what: `run ${runId} listed as stranded` });
}

/** The latest run once it has ended (and is not `previousRunId`). */
async function ended(workflowId: string, previousRunId?: string) {
  return eventually(async () => {
    const latest = await temporal().workflow.getHandle(workflowId).describe();
    return latest.status.name !== 'RUNNING' && latest.runId !== previousRunId ? latest : undefined;
  }, { what: `${workflowId} to end` });
}

async function runEvents(accountId: string) {
  return h.database.db.select({ type: timelineEvents.type, message: timelineEvents.message, data: timelineEvents.data }).from(timelineEvents)
    .where(and(eq(timelineEvents.accountId, accountId), inArray(timelineEvents.type, ['run_restarted', 'run_failed'])));
}

const TIMING = { tokenTtlSeconds: 3600, reminderDelaysSeconds: [172_800], escalationDelaySeconds: 604_800 };

/** A run started the way createAccount starts one, for an account that was never stored. */
async function startRunWithoutRow(orgId: string) {
  const accountId = randomUUID();
  return temporal().workflow.start<AccountLifecycleWorkflow>('accountLifecycle', {
    workflowId: accountWorkflowId(accountId), taskQueue: h.taskQueue, args: [{ orgId, accountId, timing: TIMING }],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.orgId, value: orgId }, { key: SEARCH_ATTRIBUTES.status, value: 'pending_handoff' },
      { key: SEARCH_ATTRIBUTES.company, value: 'Never Stored' },
    ],
  });
}

describe('the reconciler', () => {
  it('restarts a run terminated while awaiting the AE; the AE submits through the same link, and nothing is re-sent', async () => {
    const org = await h.newOrganisation();
    const { id, workflowId } = await createAccount(org);
    await handoffLink(org, id);
    expect((await org.api(`/api/accounts/${id}/handoff/resend`, { body: {} })).status).toBe(200);
    const link = await handoffLink(org, id, 2);
    const handle = temporal().workflow.getHandle(workflowId);
    const failedRunId = (await handle.describe()).runId;
    await handle.terminate('terminated by an operator');
    await visiblyStranded(workflowId, failedRunId);

    const result = await reconcile(org);
    expect(outcomeOf(result, id)).toBe('restarted');
    const restarted = await handle.describe();
    expect(restarted.runId).not.toBe(failedRunId);
    expect(restarted.status.name).toBe('RUNNING');
    expect(restarted.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status)).toBe('pending_handoff');
    expect(restarted.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orgId)).toBe(org.orgId);
    const state = await handle.query(stateQuery);
    expect(state.handoff).toMatchObject({ phase: 'awaiting_ae', linkVersion: 1, remindersSent: 0, escalated: false });
    expect(state.milestones.map((m) => m.status)).toEqual(['pending', 'pending']);
    // Keys of the new run's steps never repeat the old run's.
    expect(state.revision).toBeGreaterThan(Date.now() - 120_000);

    // The next reconcile finds the account running and leaves it.
    expect(outcomeOf(await reconcile(org), id)).toBeUndefined();
    expect((await handle.describe()).runId).toBe(restarted.runId);

    const casey = org.csms[0]!;
    const submitted = await h.app.request(link, { method: 'POST', body: new URLSearchParams({ csmUserId: casey.id, answer_goals: 'Go live in March' }) });
    expect(submitted.status).toBe(200);
    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string; csm: { email: string } | null };
    expect(view.status).toBe('active');
    expect(view.csm?.email).toBe(casey.email);
    expect((await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.csmEmail)).toBe(casey.email);

    // The restart sent nothing: the link and its resend are the only handoff emails.
    const kinds = (await outbox(org, id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'handoff_link')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'handoff_reminder' || k === 'handoff_escalation')).toEqual([]);

    const events = await runEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'run_restarted', data: { failedRunId, newRunId: restarted.runId } });
    expect(events[0]!.message).toContain('terminated: terminated by an operator');
    expect(events[0]!.message).toContain(restarted.runId);

    // A restart that started the run but stopped before recording it: the next attempt records it
    // from the new run's memo, and starts nothing.
    await h.database.db.delete(timelineEvents).where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'run_restarted')));
    const retried = await restartAccountRun({ db: h.database.db, temporal: temporal(), taskQueue: h.taskQueue }, { orgId: org.orgId, accountId: id }, { actor: 'relay' });
    expect(retried).toMatchObject({ outcome: 'skipped' });
    expect((await handle.describe()).runId).toBe(restarted.runId);
    expect(await runEvents(id)).toMatchObject([{ type: 'run_restarted', data: { failedRunId, newRunId: restarted.runId } }]);
  });

  it('starts over a run that stopped before its first step: the new run drafts the handoff and sends the link once', async () => {
    const org = await h.newOrganisation();
    // No worker: the run is started but takes no step before it is terminated.
    for (const running of h.running()) await running.stop();
    let account: { id: string; workflowId: string };
    try {
      account = await createAccount(org);
      await temporal().workflow.getHandle(account.workflowId).terminate('stopped before it began');
    } finally {
      await h.startWorker();
    }
    const { id, workflowId } = account;
    const failed = await ended(workflowId);
    await visiblyStranded(workflowId, failed.runId);
    expect(outcomeOf(await reconcile(org), id)).toBe('restarted');
    await handoffLink(org, id);
    const state = await eventually(async () => {
      const s = await temporal().workflow.getHandle(workflowId).query(stateQuery);
      return s.handoff.phase === 'awaiting_ae' ? s : undefined;
    }, { what: 'the restarted run to await the AE' });
    expect(state.milestones).toHaveLength(2);
    expect((await outbox(org, id)).filter((e) => e.kind === 'handoff_link')).toHaveLength(1);
    const types = (await h.database.db.select({ type: timelineEvents.type }).from(timelineEvents).where(eq(timelineEvents.accountId, id))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['account_created', 'milestones_instantiated', 'handoff_drafted', 'run_restarted']));
  });

  it('starts the first run of an account stored while Temporal was away, once, after its grace period', async () => {
    const org = await h.newOrganisation();
    // What a create leaves when its start fails and taking the account back fails too: the row, no run.
    const version = await findCurrentTemplateVersion(h.database.db, org.orgId, { templateName: 'Quick Start' });
    const id = randomUUID();
    const domain = `first-run-${id.slice(0, 8)}.example`;
    await insertAccountWithDomains(h.database.db, {
      id, orgId: org.orgId, companyName: 'Never Started Ltd', arr: 12_000, closeDate: '2026-11-01',
      primaryContactName: 'Nora Start', primaryContactEmail: `nora@${domain}`, aeEmail: 'ae-first-run@relay.test',
      primaryDomain: domain, status: 'pending_handoff', templateVersionId: version!.id, workflowId: accountWorkflowId(id),
      createdAt: new Date(Date.now() - FIRST_RUN_GRACE_MS - 60_000),
    }, [domain]);
    // A younger one is still within its grace period: its run may only be queued.
    const young = await createAccount(org);

    const first = await reconcile(org);
    expect(outcomeOf(first, id)).toBe('started');
    expect(outcomeOf(first, young.id)).toBeUndefined();
    await handoffLink(org, id);
    const state = await eventually(async () => {
      const s = await temporal().workflow.getHandle(accountWorkflowId(id)).query(stateQuery);
      return s.handoff.phase === 'awaiting_ae' ? s : undefined;
    }, { what: 'the started run to await the AE' });
    expect(state.milestones).toHaveLength(2);

    // Again: the account has its run now; nothing is started or sent twice.
    expect(outcomeOf(await reconcile(org), id)).not.toBe('started');
    expect((await outbox(org, id)).filter((e) => e.kind === 'handoff_link')).toHaveLength(1);
    const entries = await h.database.db.select({ type: timelineEvents.type, message: timelineEvents.message }).from(timelineEvents)
      .where(and(eq(timelineEvents.orgId, org.orgId), eq(timelineEvents.accountId, id)));
    expect(entries.filter((e) => e.message.includes('could not start when the account was created; Relay started it'))).toHaveLength(1);
    expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['account_created', 'milestones_instantiated', 'handoff_drafted', 'email_sent']));
  });

  it('restarts a run that keeps failing at most 3 times in a day, then leaves it to a person', async () => {
    const org = await h.newOrganisation();
    // No AE email and no admin: nobody to send the handoff link to, a failure retrying cannot fix.
    await h.database.db.update(users).set({ role: 'csm' }).where(eq(users.id, org.adminId));
    const { id, workflowId } = await createAccount(org, { aeEmail: undefined });
    let failed = await ended(workflowId);
    expect(failed.status.name).toBe('FAILED');
    const runIds = [failed.runId];
    for (let restart = 1; restart <= 3; restart += 1) {
      await visiblyStranded(workflowId, failed.runId);
      expect(outcomeOf(await reconcile(org), id)).toBe('restarted');
      failed = await ended(workflowId, failed.runId);
      expect(failed.status.name).toBe('FAILED');
      expect(failed.memo).toEqual({ restartOf: runIds.at(-1) });
      runIds.push(failed.runId);
    }
    await visiblyStranded(workflowId, failed.runId);
    expect(outcomeOf(await reconcile(org), id)).toBe('needs_person');
    // From now on the account is left alone: no restart and no second entry.
    expect(outcomeOf(await reconcile(org), id)).toBeUndefined();
    expect((await temporal().workflow.getHandle(workflowId).describe()).runId).toBe(failed.runId);

    const events = await runEvents(id);
    const restarts = events.filter((e) => e.type === 'run_restarted');
    expect(restarts.map((e) => e.data.failedRunId).sort()).toEqual(runIds.slice(0, 3).sort());
    for (const event of restarts) expect(event.message).toContain('NoHandoffRecipient');
    const gaveUp = events.filter((e) => e.type === 'run_failed');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.message).toContain('needs a person');
    expect(gaveUp[0]!.message).toContain('NoHandoffRecipient');
    expect(gaveUp[0]!.data.failedRunId).toBe(failed.runId);
    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string };
    expect(view.status).toBe('pending_handoff');
  });

  it('leaves finished accounts, runs that never stored their account, and runs without an open account alone', async () => {
    const org = await h.newOrganisation();
    const churned = await createAccount(org);
    await handoffLink(org, churned.id);
    expect((await org.api(`/api/accounts/${churned.id}/status`, { body: { status: 'churned', note: 'Deal lost' } })).status).toBe(200);
    expect(await temporal().workflow.getHandle(churned.workflowId).result()).toEqual({ status: 'churned' });

    const completed = await createAccount(org);
    const link = await handoffLink(org, completed.id);
    expect((await h.app.request(link, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[1]!.id }) })).status).toBe(200);
    expect((await org.api(`/api/accounts/${completed.id}/status`, { body: { status: 'completed' } })).status).toBe(200);
    expect(await temporal().workflow.getHandle(completed.workflowId).result()).toEqual({ status: 'completed' });

    const neverStored = await startRunWithoutRow(org.orgId);
    expect(await neverStored.result()).toEqual({ status: 'pending_handoff', stored: false });

    // Ended early, but there is no row to restart it for.
    const orphan = await startRunWithoutRow(org.orgId);
    await orphan.terminate('no account behind it');
    // Ended early, but the row says the account is finished.
    const closed = await createAccount(org);
    await handoffLink(org, closed.id);
    const closedHandle = temporal().workflow.getHandle(closed.workflowId);
    await closedHandle.terminate('stopped by hand');
    await h.database.db.update(accounts).set({ status: 'churned' }).where(eq(accounts.id, closed.id));
    await visiblyStranded(orphan.workflowId, orphan.firstExecutionRunId);
    await visiblyStranded(closed.workflowId, (await closedHandle.describe()).runId);

    const workflowIds = [churned.workflowId, completed.workflowId, neverStored.workflowId, orphan.workflowId, closed.workflowId];
    const before = await Promise.all(workflowIds.map(async (w) => (await temporal().workflow.getHandle(w).describe()).runId));
    const result = await reconcile(org);
    const accountIds = [churned.id, completed.id, closed.id, neverStored.workflowId.slice('account-'.length), orphan.workflowId.slice('account-'.length)];
    for (const accountId of accountIds) expect(outcomeOf(result, accountId)).toBeUndefined();
    const after = await Promise.all(workflowIds.map(async (w) => (await temporal().workflow.getHandle(w).describe()).runId));
    expect(after).toEqual(before);
    for (const accountId of [churned.id, completed.id, closed.id]) expect(await runEvents(accountId)).toEqual([]);
  });

  it('has one schedule, however often it is set up, and keeps a pause ops set', async () => {
    const client = temporal();
    // No worker polls this queue: a start the schedule makes during the test just waits.
    const taskQueue = `reconcile-schedule-${randomUUID()}`;
    const schedule = client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
    try {
      expect(['created', 'updated']).toContain(await ensureReconcileSchedule(client, { taskQueue: `${taskQueue}-old` }));
      await schedule.pause('paused by ops');
      expect(await ensureReconcileSchedule(client, { taskQueue })).toBe('updated');
      const described = await schedule.describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileAccounts', workflowId: RECONCILE_SCHEDULE_ID, taskQueue });
      expect(described.spec.intervals).toMatchObject([{ every: 600_000 }]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.state.paused).toBe(true);
    } finally {
      await schedule.delete();
    }
  });
});
