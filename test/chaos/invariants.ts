import { eq } from 'drizzle-orm';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DatabaseHandle } from '../../db/client.ts';
import { accountMilestones, accounts, handoffs, outboxEmails, timelineEvents } from '../../db/schema/index.ts';
import { isTerminal } from '../../domain/lifecycle.ts';
import { SEARCH_ATTRIBUTES, stateQuery, type AccountLifecycleResult, type LifecycleState } from '../../workflows/definitions.ts';
import { updateDeadlines, type UpdateTimeouts } from '../../services/workflowUpdates.ts';
import type { ResendFake } from '../fakes/resendFake.ts';
import type { AccountOutcome, RequestRecord } from './driver.ts';
import type { FaultKind, FaultRecord } from './faults.ts';

/** One invariant's verdict, with the figures behind it and the first violations (account, evidence). */
export interface InvariantResult { name: string; held: boolean; counts: string; violations: string[] }

interface Row {
  id: string; status: string; csmUserId: string | null; milestonesCompleted: number; milestonesTotal: number; workflowId: string;
}

/** Postgres' side: every row of the chaos organisation. */
interface DatabaseFacts {
  rows: Map<string, Row>;
  milestones: Map<string, { id: string; sequence: number; status: string }[]>;
  events: Map<string, { type: string; data: Record<string, unknown>; dedupeKey: string; message: string; occurredAt: Date }[]>;
  outbox: { accountId: string | null; kind: string; idempotencyKey: string; status: string }[];
  handoffs: Map<string, { qa: { key: string; answer: string }[]; submittedCsmUserId: string | null }>;
}

/** Temporal's side: every account run of the organisation (listed by its search attribute), described. */
interface RunFacts {
  described: Map<string, {
    status: string; result?: AccountLifecycleResult; state?: LifecycleState; stateError?: string;
    relayStatus: string | undefined; relayCsmEmail: string | undefined;
  } | null>;
}

const group = <T, K>(items: T[], key: (item: T) => K): Map<K, T[]> => {
  const map = new Map<K, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
};

async function readDatabase(database: DatabaseHandle, orgId: string): Promise<DatabaseFacts> {
  const { db } = database;
  const rows = await db.select({
    id: accounts.id, status: accounts.status, csmUserId: accounts.csmUserId, milestonesCompleted: accounts.milestonesCompleted,
    milestonesTotal: accounts.milestonesTotal, workflowId: accounts.workflowId,
  }).from(accounts).where(eq(accounts.orgId, orgId));
  const milestones = await db.select({ id: accountMilestones.id, accountId: accountMilestones.accountId, sequence: accountMilestones.sequence, status: accountMilestones.status })
    .from(accountMilestones).where(eq(accountMilestones.orgId, orgId));
  const events = await db.select({
    accountId: timelineEvents.accountId, type: timelineEvents.type, data: timelineEvents.data, dedupeKey: timelineEvents.dedupeKey,
    message: timelineEvents.message, occurredAt: timelineEvents.occurredAt,
  }).from(timelineEvents).where(eq(timelineEvents.orgId, orgId));
  const outbox = await db.select({ accountId: outboxEmails.accountId, kind: outboxEmails.kind, idempotencyKey: outboxEmails.idempotencyKey, status: outboxEmails.status })
    .from(outboxEmails).where(eq(outboxEmails.orgId, orgId));
  const handoffRows = await db.select({ accountId: handoffs.accountId, qa: handoffs.qa, submittedCsmUserId: handoffs.submittedCsmUserId })
    .from(handoffs).where(eq(handoffs.orgId, orgId));
  return {
    rows: new Map(rows.map((r) => [r.id, r])),
    milestones: new Map([...group(milestones, (m) => m.accountId)].map(([k, v]) => [k, v.sort((a, b) => a.sequence - b.sequence)])),
    events: group(events, (e) => e.accountId),
    outbox,
    handoffs: new Map(handoffRows.map((h) => [h.accountId, h])),
  };
}

/**
 * Every account run of the organisation, by workflow ID: the open one's status if there is one (the
 * reconciler may have started a run again under the same ID), else the last closed one's.
 */
async function listRuns(temporal: Client, orgId: string, executions: { workflowId: string; runId: string; status: string }[] = []): Promise<Map<string, string>> {
  const listed = new Map<string, string>();
  for await (const run of temporal.workflow.list({ query: `WorkflowType = 'accountLifecycle' AND RelayOrgId = '${orgId}'` })) {
    executions.push({ workflowId: run.workflowId, runId: run.runId, status: run.status.name });
    if (listed.get(run.workflowId) !== 'RUNNING') listed.set(run.workflowId, run.status.name);
  }
  return listed;
}

const ENDED_BADLY = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function describeRuns(temporal: Client, workflowIds: string[]): Promise<RunFacts['described']> {
  const described: RunFacts['described'] = new Map();
  await inPool(workflowIds, 8, async (workflowId) => {
    const handle = temporal.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) { described.set(workflowId, null); return; }
      throw error;
    }
    const status = description.status.name;
    const fact: NonNullable<ReturnType<RunFacts['described']['get']>> = {
      status,
      relayStatus: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status),
      relayCsmEmail: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.csmEmail),
    };
    if (status === 'COMPLETED') fact.result = await handle.result() as AccountLifecycleResult;
    if (status === 'RUNNING' || status === 'COMPLETED') {
      try {
        fact.state = await handle.query(stateQuery);
      } catch (error) {
        fact.stateError = error instanceof Error ? error.message : String(error);
      }
    }
    described.set(workflowId, fact);
  });
  return described;
}

/** What an account's milestones must look like: the first `completed` done, the next one started, the rest pending. */
function expectedMilestoneStatuses(outcome: AccountOutcome): string[] {
  const done = outcome.expected.completedMilestoneIds.length;
  return outcome.expected.milestoneIds.map((_, i) => (i < done ? 'completed' : i === done ? 'in_progress' : 'pending'));
}

/**
 * Waits until the driven accounts have come to rest: every confirmed change visible in Postgres, no
 * email still being sent, every run that must end ended, no run waiting for a row. Resolves with how
 * long it took, or with what was still moving when the time ran out (the checks then say what is wrong).
 */
export async function settle(opts: {
  database: DatabaseHandle; temporal: Client; orgId: string; outcomes: AccountOutcome[]; csmEmailById: Map<string, string>; timeoutMs: number;
  /** Give up early when the same things stayed unsettled this long (a run waiting out its row's grace does not count). */
  quietMs: number;
}): Promise<{ ms: number; stillMoving: string | null }> {
  const began = Date.now();
  let stillMoving: string | null = 'not checked';
  let lastSeen = '';
  let unchangedSince = Date.now();
  while (Date.now() - began < opts.timeoutMs) {
    try {
      const db = await readDatabase(opts.database, opts.orgId);
      const runs = await listRuns(opts.temporal, opts.orgId);
      const moving: string[] = [];
      let waitingForRows = 0;
      for (const o of opts.outcomes) {
        if (!o.id) continue;
        const row = db.rows.get(o.id);
        if (!row || row.status !== o.expected.status || (row.csmUserId ? opts.csmEmailById.get(row.csmUserId) : null) !== o.expected.csmEmail
          || row.milestonesCompleted !== o.expected.completedMilestoneIds.length) moving.push(`account ${o.id} not yet as driven`);
        else if (isTerminal(o.expected.status) && runs.get(o.workflowId!) === 'RUNNING') moving.push(`run ${o.workflowId} not yet ended`);
      }
      const sending = db.outbox.filter((e) => e.status === 'sending' || e.status === 'failed');
      if (sending.length) moving.push(`${sending.length} emails still being sent`);
      for (const [workflowId, status] of runs) {
        if (status === 'RUNNING' && !db.rows.has(workflowId.replace(/^account-/, ''))) { moving.push(`run ${workflowId} waiting for its row`); waitingForRows++; }
      }
      stillMoving = moving.length ? `${moving.length} things still moving, e.g. ${moving.slice(0, 3).join('; ')}` : null;
      if (!stillMoving) return { ms: Date.now() - began, stillMoving };
      const seen = moving.join('|');
      if (seen !== lastSeen) { lastSeen = seen; unchangedSince = Date.now(); }
      if (!waitingForRows && Date.now() - unchangedSince > opts.quietMs) return { ms: Date.now() - began, stillMoving: `${stillMoving} (unchanged for ${opts.quietMs / 1000} s)` };
    } catch (error) {
      stillMoving = `checks could not read yet: ${error instanceof Error ? error.message : String(error)}`;
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  return { ms: Date.now() - began, stillMoving };
}

export async function checkInvariants(opts: {
  database: DatabaseHandle; temporal: Client; orgId: string; outcomes: AccountOutcome[]; requests: RequestRecord[];
  csmEmailById: Map<string, string>; inbox: ResendFake; resendConflicts: number; requestBoundMs: number;
  workerCrashes: { name: string; code: number | null; signal: string | null; atMs: number }[];
  faults: FaultRecord[];
  /** The driving clock's zero (epoch ms): request times are relative to it. */
  startedAt: number;
  /** The API's update timeouts: when it stops waiting for an update to be accepted, and answers 503. */
  updateTimeouts: UpdateTimeouts;
}): Promise<{ results: InvariantResult[]; evidence: AccountEvidence[] }> {
  const { outcomes } = opts;
  const db = await readDatabase(opts.database, opts.orgId);
  const executions: { workflowId: string; runId: string; status: string }[] = [];
  const listed = await listRuns(opts.temporal, opts.orgId, executions);
  const workflowIds = new Set<string>([...listed.keys(), ...[...db.rows.values()].map((r) => r.workflowId), ...outcomes.flatMap((o) => (o.workflowId ? [o.workflowId] : []))]);
  const runs = await describeRuns(opts.temporal, [...workflowIds]);
  const created = outcomes.filter((o) => o.id);
  const results: InvariantResult[] = [];
  const check = (name: string, counts: string, violations: string[]) => results.push({ name, held: violations.length === 0, counts, violations });
  /** Accounts not in the state they were driven to: their story goes into the report. */
  const astray = new Set<string>();
  const csmEmail = (userId: string | null | undefined) => (userId ? opts.csmEmailById.get(userId) ?? `user ${userId}` : null);

  // 1. No account lost.
  {
    const violations: string[] = [];
    let running = 0; let completed = 0;
    for (const o of created) {
      const row = db.rows.get(o.id!);
      const run = runs.get(o.workflowId!);
      if (!row) violations.push(`account ${o.id} (${o.created}) has no row`);
      if (!run) { violations.push(`account ${o.id} (${o.created}) has no run`); continue; }
      if (run.status === 'RUNNING') running++;
      else if (run.status === 'COMPLETED' && run.result?.stored !== false && run.result && isTerminal(run.result.status)) completed++;
      else violations.push(`account ${o.id}: run ${run.status} with ${JSON.stringify(run.result ?? null)}`);
    }
    const adopted = created.filter((o) => o.created === 'adopted-after-409').length;
    check('no account lost (every 201 has its row and a live or finished run)',
      `${created.length} accounts (${created.length - adopted} × 201, ${adopted} adopted after 409): ${created.filter((o) => db.rows.has(o.id!)).length} rows, ${running} running + ${completed} ended runs`, violations);
  }

  // 2. Rows and runs in pairs.
  {
    const violations: string[] = [];
    for (const row of db.rows.values()) {
      const run = runs.get(row.workflowId);
      if (!run) violations.push(`row ${row.id} has no run`);
      else if (run.status !== 'RUNNING' && run.status !== 'COMPLETED') violations.push(`row ${row.id}: run ${run.status}`);
      else if (run.result?.stored === false) violations.push(`row ${row.id}: its run ended as never stored`);
    }
    let notStored = 0;
    for (const workflowId of listed.keys()) {
      const run = runs.get(workflowId);
      if (db.rows.has(workflowId.replace(/^account-/, ''))) continue;
      if (run?.status === 'COMPLETED' && run.result?.stored === false) { notStored++; continue; }
      violations.push(`run ${workflowId} (${run?.status ?? 'missing'}) has no row`);
    }
    check('no row without a run, no run without a row',
      `${db.rows.size} rows, ${listed.size} runs; ${notStored} runs ended { stored: false } (creates answered 503 at the cut)`, violations);
  }

  // 2b. No run ended badly (the reconciler would restart it; none should need it), the reconciler included.
  {
    const violations = executions.filter((e) => ENDED_BADLY.has(e.status)).map((e) => `${e.workflowId} run ${e.runId} ${e.status}`);
    const reconciler: string[] = [];
    for await (const run of opts.temporal.workflow.list({ query: `WorkflowType = 'reconcileAccounts'` })) reconciler.push(run.status.name);
    for (const status of reconciler) if (ENDED_BADLY.has(status)) violations.push(`a reconcileAccounts run ${status}`);
    check('no run failed, was terminated or timed out', `${executions.length} account runs (${executions.length - listed.size} restarted); ` +
      `${reconciler.length} reconciler runs (${reconciler.filter((s) => s === 'COMPLETED').length} completed)`, violations);
  }

  // 3. No email sent twice.
  {
    const violations: string[] = [];
    const byKey = group(opts.inbox.sent, (e) => e.idempotencyKey ?? '(none)');
    for (const [key, sent] of byKey) if (sent.length > 1 || key === '(none)') violations.push(`${sent.length} emails delivered under key ${key}`);
    if (opts.resendConflicts) violations.push(`${opts.resendConflicts} sends refused 409: a key reused with a different body`);
    const outboxByKey = group(db.outbox, (e) => e.idempotencyKey);
    for (const [key, rows] of outboxByKey) {
      if (rows.length > 1) violations.push(`${rows.length} outbox rows for key ${key}`);
      const delivered = byKey.get(key)?.length ?? 0;
      if (delivered !== 1 || rows[0]?.status !== 'sent') violations.push(`outbox ${rows[0]?.kind} ${key}: ${rows[0]?.status}, delivered ${delivered} times`);
    }
    for (const key of byKey.keys()) if (!outboxByKey.has(key)) violations.push(`delivered under key ${key}, which has no outbox row`);
    for (const o of created) {
      const toAe = opts.inbox.sent.filter((e) => e.to.includes(o.plan.aeEmail)).length;
      if (toAe !== 1) violations.push(`account ${o.id}: ${toAe} handoff emails reached the AE`);
      const mails = (db.outbox.filter((e) => e.accountId === o.id && e.kind === 'csm_assigned')).length;
      const assignments = (db.events.get(o.id!) ?? []).filter((e) => e.type === 'csm_assigned').length;
      if (mails !== assignments) violations.push(`account ${o.id}: ${mails} CSM emails for ${assignments} assignments`);
    }
    const maxPerKey = Math.max(0, ...[...byKey.values()].map((v) => v.length));
    check('no email sent twice (deliveries per idempotency key, outbox rows)',
      `${opts.inbox.sent.length} delivered at the Resend fake, at most ${maxPerKey} per key; ${db.outbox.length} outbox rows, ${db.outbox.filter((e) => e.status === 'sent').length} sent`, violations);
  }

  // 4. No milestone completed twice; counters agree with the rows.
  {
    const violations: string[] = [];
    let completedEvents = 0;
    for (const [accountId, events] of db.events) {
      for (const type of ['milestone_completed', 'milestone_started']) {
        const perMilestone = group(events.filter((e) => e.type === type), (e) => String(e.data.milestoneId));
        for (const [milestoneId, list] of perMilestone) {
          if (type === 'milestone_completed') completedEvents += list.length;
          if (list.length > 1) violations.push(`account ${accountId}: milestone ${milestoneId} has ${list.length} ${type} events`);
        }
      }
      const completedRows = new Set((db.milestones.get(accountId) ?? []).filter((m) => m.status === 'completed').map((m) => m.id));
      const completedInTimeline = new Set(events.filter((e) => e.type === 'milestone_completed').map((e) => String(e.data.milestoneId)));
      if ([...completedRows].some((id) => !completedInTimeline.has(id)) || [...completedInTimeline].some((id) => !completedRows.has(id))) {
        violations.push(`account ${accountId}: completed milestones ${[...completedRows].length} in rows, ${completedInTimeline.size} in the timeline`);
      }
    }
    check('no milestone completed twice (timeline events per milestone)', `${completedEvents} milestone_completed events`, violations);

    const counterViolations: string[] = [];
    for (const row of db.rows.values()) {
      const ms = db.milestones.get(row.id) ?? [];
      const done = ms.filter((m) => m.status === 'completed').length;
      if (row.milestonesCompleted !== done || row.milestonesTotal !== ms.length) {
        counterViolations.push(`account ${row.id}: counters ${row.milestonesCompleted}/${row.milestonesTotal}, rows ${done}/${ms.length}`);
      }
    }
    check('milestone counters agree with the milestone rows', `${db.rows.size} accounts, ${[...db.milestones.values()].reduce((n, m) => n + m.length, 0)} milestone rows`, counterViolations);
  }

  // 5. Every account as its inputs demand: Postgres, the workflow's state, the search attributes.
  {
    const pg: string[] = []; const wf: string[] = []; const sa: string[] = [];
    for (const o of created) {
      const id = o.id!;
      const want = { status: o.expected.status, csm: o.expected.csmEmail, milestones: expectedMilestoneStatuses(o) };
      const row = db.rows.get(id);
      if (row) {
        const got = { status: row.status, csm: csmEmail(row.csmUserId), milestones: (db.milestones.get(id) ?? []).map((m) => m.status) };
        if (got.status !== want.status || got.csm !== want.csm || (o.done && JSON.stringify(got.milestones) !== JSON.stringify(want.milestones))) {
          pg.push(`account ${id}: Postgres ${JSON.stringify(got)}, driven to ${JSON.stringify(want)}`);
        }
        const events = db.events.get(id) ?? [];
        const count = (type: string) => events.filter((e) => e.type === type).length;
        if (o.expected.goalsAnswer !== null) {
          const handoff = db.handoffs.get(id);
          if (handoff?.qa.find((q) => q.key === 'goals')?.answer !== o.expected.goalsAnswer) pg.push(`account ${id}: the AE's goals answer was not stored`);
          if (csmEmail(handoff?.submittedCsmUserId) !== o.plan.handoffCsmEmail) pg.push(`account ${id}: the handoff records ${csmEmail(handoff?.submittedCsmUserId)} as the AE's pick, not ${o.plan.handoffCsmEmail}`);
          if (count('handoff_submitted') !== 1) pg.push(`account ${id}: ${count('handoff_submitted')} handoff_submitted events`);
        }
        const assignments = o.expected.assignments;
        if (count('csm_assigned') < assignments || count('csm_assigned') > assignments + o.reassignmentsMaybeApplied) {
          pg.push(`account ${id}: ${count('csm_assigned')} csm_assigned events for ${assignments} assignments`);
        }
        if (count('account_created') !== 1) pg.push(`account ${id}: ${count('account_created')} account_created events`);
      }
      const run = runs.get(o.workflowId!);
      if (run?.state) {
        const got = { status: run.state.status, csm: run.state.csm?.email ?? null, milestones: run.state.milestones.map((m) => m.status) };
        if (got.status !== want.status || got.csm !== want.csm || (o.done && JSON.stringify(got.milestones) !== JSON.stringify(want.milestones))) {
          wf.push(`${o.workflowId}: workflow state ${JSON.stringify(got)}, driven to ${JSON.stringify(want)}`);
        }
      } else if (run) {
        wf.push(`${o.workflowId}: state query failed: ${run.stateError ?? 'no state'}`);
      }
      if (run && (run.relayStatus !== want.status || (run.relayCsmEmail ?? null) !== want.csm)) {
        sa.push(`${o.workflowId}: RelayStatus=${run.relayStatus} RelayCsmEmail=${run.relayCsmEmail}, driven to ${want.status} / ${want.csm}`);
      }
    }
    for (const line of [...pg, ...wf, ...sa]) {
      const id = /account[- ]([0-9a-f-]{36})/.exec(line)?.[1];
      if (id) astray.add(id);
    }
    const byStatus = [...group(created, (o) => o.expected.status)].map(([s, l]) => `${l.length} ${s}`).join(', ');
    check('every account as driven: Postgres (status, CSM, milestones, handoff answers)', byStatus, pg);
    check('every account as driven: workflow state (stateQuery)', `${[...runs.values()].filter((r) => r?.state).length} runs queried`, wf);
    check('every account as driven: search attributes (RelayStatus, RelayCsmEmail)', `${created.length} runs described`, sa);
  }

  // 6. The client's side: answers and their timing.
  {
    const errors = opts.requests.filter((r) => typeof r.status === 'number' && r.status >= 500 && r.status !== 503);
    check('no 500 answered', `${opts.requests.length} requests, ${errors.length} answered 5xx other than 503`,
      errors.map((r) => `${r.op} (account #${r.account}) answered ${r.status} at ${(r.atMs / 1000).toFixed(1)} s`));
    const slow = opts.requests.filter((r) => r.status === 'timeout' || r.ms > opts.requestBoundMs);
    const slowest = Math.max(0, ...opts.requests.map((r) => r.ms));
    // Which fault each slow request overlapped, or followed within 30 s (recorded at its end; it began `ms` earlier).
    const priority: FaultKind[] = ['postgres-outage', 'temporal-restart', 'worker-kill', 'provider-storm'];
    const during = (r: RequestRecord): FaultKind | 'no fault' => priority.find((kind) => opts.faults.some((f) => f.kind === kind
      && r.atMs - r.ms <= f.atMs + f.durationMs + 30_000 && r.atMs >= f.atMs)) ?? 'no fault';
    const slowBy = [...group(slow, during)].map(([kind, list]) => `${list.length} during or ≤ 30 s after ${kind}`).join(', ');
    const unavailable = opts.requests.filter((r) => r.status === 503).map((r) => r.ms);
    check(`no request hung past ${opts.requestBoundMs / 1000} s`,
      `slowest ${(slowest / 1000).toFixed(1)} s, p99 ${(percentile(opts.requests.map((r) => r.ms), 0.99) / 1000).toFixed(1)} s, slowest 503 ${(Math.max(0, ...unavailable) / 1000).toFixed(1)} s; ` +
      `${slow.length} past the bound${slow.length ? ` (${slowBy}; ${slow.filter((r) => r.status === 'timeout').length} given up by the client at ${(2 * opts.requestBoundMs) / 1000} s)` : ''}`,
      slow.map((r) => `${r.op} (account #${r.account}) took ${(r.ms / 1000).toFixed(1)} s (${r.status}), ended at ${(r.atMs / 1000).toFixed(1)} s`));
    const dishonest = outcomes.flatMap((o) => o.appliedDespite503.map((d) => `account ${o.id}: ${d}`));
    check('a 503 changed nothing (no retry found the change applied)', `${opts.requests.filter((r) => r.status === 503).length} answers were 503`, dishonest);
    const unfinished = outcomes.filter((o) => !o.done);
    check('every account driven to its end within the retry budget', `${outcomes.length - unfinished.length}/${outcomes.length} finished`,
      unfinished.map((o) => `account #${o.plan.index} ${o.id ?? '(not created)'} stuck after "${o.reached}": ${o.failure}`));
    check('workers stayed up (no exit but the suite\'s SIGKILLs)', `${opts.workerCrashes.length} unexpected exits`,
      opts.workerCrashes.map((c) => `${c.name} exited (${c.code ?? c.signal}) at ${(c.atMs / 1000).toFixed(1)} s`));
  }
  // 7. From the runs' histories: no update accepted after the moment its caller was told "nothing was changed".
  const timings = new Map<string, UpdateTiming[]>();
  await inPool([...new Set([...db.rows.values()].map((r) => r.workflowId))], 8, async (workflowId) => {
    timings.set(workflowId, await updateTimings(opts.temporal, workflowId));
  });
  {
    // The API stops waiting (and answers 503) at lastLookBy, a fixed offset after the respondBy the
    // request carries; a workflow task that began before respondBy may accept the update after it.
    const offsets = updateDeadlines(0, opts.updateTimeouts);
    const answeredAfter = offsets.lastLookBy - offsets.respondBy;
    const all = [...timings.values()].flat().filter((u) => u.respondBy !== null);
    const afterRespondBy = all.filter((u) => u.acceptedAt > u.respondBy!);
    const late = all.filter((u) => u.acceptedAt > u.respondBy! + answeredAfter);
    // A late acceptance is honest only if the caller, told 503, sent the same request again (same key)
    // and heard the outcome: the 503 says "send it again", and the retry attaches to the same update.
    const answeredOnRetry = (u: UpdateTiming) => {
      const key = u.updateId?.slice(u.updateId.indexOf(':') + 1);
      return Boolean(key) && opts.requests.some((r) => r.key === key && (r.status === 200 || r.status === 202));
    };
    const hidden = late.filter((u) => !answeredOnRetry(u));
    for (const u of hidden) astray.add(u.workflowId.replace(/^account-/, ''));
    const worst = Math.max(0, ...afterRespondBy.map((u) => u.acceptedAt - u.respondBy!));
    check('no change applied behind a 503 (accepted after the API stopped waiting, and not answered on the retry with its key)',
      `${all.length} updates accepted, a median ${(percentile(all.map((u) => u.respondBy! - u.acceptedAt), 0.5) / 1000).toFixed(1)} s before respondBy; ` +
      `${afterRespondBy.length} in a workflow task begun before respondBy and accepted after it (up to ${(worst / 1000).toFixed(1)} s; the API waits ${(answeredAfter / 1000).toFixed(1)} s past it); ` +
      `${late.length} accepted after the API answered 503, ${late.length - hidden.length} of them answered with their outcome on the retry; ` +
      `${afterRespondBy.filter((u) => u.taskStartedAt !== null && u.taskStartedAt > u.respondBy!).length} in a task that started after respondBy`,
      hidden.map((u) => `${u.workflowId}: ${u.name} accepted ${((u.acceptedAt - u.respondBy!) / 1000).toFixed(1)} s after its respondBy ` +
        `(workflow task started ${u.taskStartedAt === null ? '?' : `${((u.taskStartedAt - u.respondBy!) / 1000).toFixed(1)} s`} after it)`));
  }
  for (const o of outcomes) if (o.id && o.appliedDespite503.length) astray.add(o.id);

  const evidence: AccountEvidence[] = [];
  for (const id of [...astray].slice(0, 30)) {
    const outcome = outcomes.find((o) => o.id === id);
    const iso = (ms: number | null) => (ms === null ? '?' : new Date(ms).toISOString());
    evidence.push({
      accountId: id, index: outcome?.plan.index ?? null, expected: outcome?.expected ?? null,
      requests: outcome ? opts.requests.filter((r) => r.account === outcome.plan.index)
        .map((r) => `${iso(r.atMs - r.ms + opts.startedAt)} → ${iso(r.atMs + opts.startedAt)} ${r.op} ${r.status}`) : [],
      timeline: (db.events.get(id) ?? []).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
        .map((e) => `${e.occurredAt.toISOString()} ${e.type}: ${e.message}`),
      updates: (timings.get(`account-${id}`) ?? []).map((u) => `task started ${iso(u.taskStartedAt)}, accepted ${iso(u.acceptedAt)}: ` +
        `${u.name} ${u.args} (respondBy ${iso(u.respondBy)})`),
    });
  }
  return { results, evidence };
}

/** An account that did not end as driven, or heard a 503 for a change that applied: its requests, timeline and accepted updates. */
export interface AccountEvidence {
  accountId: string;
  index: number | null;
  expected: AccountOutcome['expected'] | null;
  requests: string[];
  timeline: string[];
  updates: string[];
}

interface UpdateTiming {
  workflowId: string;
  name: string;
  args: string;
  /** What the API put on the request: the caller stops waiting for acceptance then (epoch ms). */
  respondBy: number | null;
  /** `<update name>:<request key>`, as the API set it. */
  updateId: string | null;
  /** When the run accepted it (the UpdateAccepted event), and when the workflow task that did started. */
  acceptedAt: number;
  taskStartedAt: number | null;
}

const eventMs = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  (time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : 0);

/** Every update the run accepted, with the respondBy it carried and when it was accepted. */
async function updateTimings(temporal: Client, workflowId: string): Promise<UpdateTiming[]> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const timings: UpdateTiming[] = [];
  let taskStartedAt: number | null = null;
  for (const event of history.events ?? []) {
    if (event.workflowTaskStartedEventAttributes) taskStartedAt = eventMs(event.eventTime);
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    if (!accepted) continue;
    const payloads = (accepted.args?.payloads ?? []).map((p) => (p.data ? Buffer.from(p.data).toString('utf8') : ''));
    const args = payloads.join(', ');
    let respondBy: number | null = null;
    try {
      const first = JSON.parse(payloads[0] ?? '{}') as { respondBy?: unknown };
      respondBy = typeof first.respondBy === 'number' ? first.respondBy : null;
    } catch { /* not JSON: no deadline to check */ }
    const updateId = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId ?? null;
    timings.push({ workflowId, name: accepted.name ?? '?', args, updateId, respondBy, acceptedAt: eventMs(event.eventTime), taskStartedAt });
  }
  return timings;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
