// Health scoring on the real stack (issue 10): events in through the API, a scoring run on Temporal,
// the scores and their inputs in Postgres, the at-risk move and its one email, recovery, the manual
// hold, rescoring within seconds through the rescorer, and the organisation's Temporal Schedule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { addTask, completeTask } from '../db/repositories/accountWork.ts';
import { latestHealth } from '../db/repositories/health.ts';
import { accountMilestones, accounts, outboxEmails, timelineEvents } from '../db/schema/index.ts';
import { ensureHealthSchedule } from '../services/health/schedules.ts';
import { startHealthRun } from '../services/health/runs.ts';
import { healthRunIdPrefix, healthScheduleId, type HealthRescorerWorkflow, type HealthScoringWorkflow } from '../workflows/healthDefinitions.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const DAY = 86_400_000;
const ago = (days: number, hours = 0) => new Date(Date.now() - days * DAY - hours * 3_600_000).toISOString();

/** An account the AE has handed off to Casey: active, its first milestone in progress. */
const activeAccount = (org: TestOrganisation, name: string) => handedOffAccount(h, org, { companyName: name });

async function statusOf(accountId: string): Promise<string | undefined> {
  const [row] = await h.database.db.select({ status: accounts.status }).from(accounts).where(eq(accounts.id, accountId));
  return row?.status;
}

async function sendEvents(org: TestOrganisation, events: Record<string, unknown>[]) {
  for (let i = 0; i < events.length; i += 500) {
    const res = await org.api('/api/events', { body: { events: events.slice(i, i + 500) } });
    expect(res.status, await res.clone().text()).toBe(200);
  }
}

/** A customer who uses the product most days, meets the CSM, gets fast replies and quick ticket fixes. */
function healthyEvents(domain: string, tag: string) {
  const events: Record<string, unknown>[] = [];
  for (let d = 0; d < 12; d++) events.push({ type: 'report_viewed', domain, occurredAt: ago(d, 1), id: `${tag}-use-${d}` });
  // At the same instants as the views: an hour apart, the two straddled midnight UTC when the test ran
  // between 01:00 and 02:00 UTC and made 13 active days of 12 (failed a CI run at 01:55).
  for (let d = 0; d < 12; d++) events.push({ type: 'dashboard_shared', domain, occurredAt: ago(d, 1), id: `${tag}-share-${d}` });
  for (let m = 0; m < 7; m++) events.push({ type: 'meeting_held', domain, occurredAt: ago(3 + m * 20), id: `${tag}-meet-${m}` });
  for (let e = 0; e < 3; e++) {
    events.push({ type: 'email_received', domain, occurredAt: ago(2 + e * 5, 3), properties: { threadId: `${tag}-t${e}` }, id: `${tag}-in-${e}` });
    events.push({ type: 'email_replied', domain, occurredAt: ago(2 + e * 5, 1), properties: { threadId: `${tag}-t${e}` }, id: `${tag}-out-${e}` });
  }
  events.push({ type: 'ticket_opened', domain, occurredAt: ago(10, 12), properties: { ticketId: `${tag}-k1` }, id: `${tag}-k1-open` });
  events.push({ type: 'ticket_resolved', domain, occurredAt: ago(10), properties: { ticketId: `${tag}-k1` }, id: `${tag}-k1-done` });
  return events;
}

/** A customer nobody looks after: no meetings, unanswered emails, open tickets, usage gone a month ago. */
function neglectedEvents(domain: string, tag: string) {
  const events: Record<string, unknown>[] = [];
  for (let d = 35; d < 43; d++) events.push({ type: 'report_viewed', domain, occurredAt: ago(d), id: `${tag}-use-${d}` });
  for (let e = 0; e < 3; e++) events.push({ type: 'email_received', domain, occurredAt: ago(36 + e * 2), properties: { threadId: `${tag}-t${e}` }, id: `${tag}-in-${e}` });
  for (let k = 0; k < 7; k++) events.push({ type: 'ticket_opened', domain, occurredAt: ago(20 - k), properties: { ticketId: `${tag}-k${k}` }, id: `${tag}-k${k}-open` });
  return events;
}

/** What a CSM does to bring a neglected account back: answers, fixes, meets, and the customer uses it again. */
function recoveryEvents(domain: string, tag: string) {
  const events: Record<string, unknown>[] = healthyEvents(domain, `${tag}-again`);
  for (let e = 0; e < 3; e++) events.push({ type: 'email_replied', domain, occurredAt: ago(0, 1), properties: { threadId: `${tag}-t${e}` }, id: `${tag}-reply-${e}` });
  for (let k = 0; k < 7; k++) events.push({ type: 'ticket_resolved', domain, occurredAt: ago(0, 1), properties: { ticketId: `${tag}-k${k}` }, id: `${tag}-k${k}-done` });
  return events;
}

/** Time passing for the onboarding plan: the current milestone started `days` ago. */
async function milestoneStartedDaysAgo(accountId: string, days: number) {
  await h.database.db.update(accountMilestones).set({ startedAt: new Date(Date.now() - days * DAY) })
    .where(and(eq(accountMilestones.accountId, accountId), eq(accountMilestones.status, 'in_progress')));
}

async function overdueTasks(org: TestOrganisation, accountId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = await addTask(h.database.db, org.orgId, accountId, { title: `Follow up ${i + 1}`, dueDate: ago(5 + i).slice(0, 10) }, { userId: org.adminId, email: org.adminEmail });
    ids.push(task.id);
  }
  return ids;
}

async function runScoring(orgId: string) {
  const { id } = await startHealthRun(h.deps, orgId);
  expect(id.startsWith(healthRunIdPrefix(orgId))).toBe(true);
  return h.deps.temporal.workflow.getHandle<HealthScoringWorkflow>(id).result();
}

async function healthOf(orgId: string, accountId: string) {
  const health = (await latestHealth(h.database.db, orgId, [accountId])).get(accountId);
  expect(health, 'a score').toBeDefined();
  return health!;
}

async function emailsOf(accountId: string, kind: string) {
  return h.database.db.select({ to: outboxEmails.toAddresses, subject: outboxEmails.subject }).from(outboxEmails)
    .where(and(eq(outboxEmails.accountId, accountId), eq(outboxEmails.kind, kind)));
}

async function timelineOf(accountId: string) {
  return h.database.db.select({ type: timelineEvents.type, actor: timelineEvents.actor, message: timelineEvents.message })
    .from(timelineEvents).where(eq(timelineEvents.accountId, accountId)).orderBy(timelineEvents.occurredAt);
}

describe('health scoring', () => {
  let org: TestOrganisation;
  let healthy: { id: string; domain: string };
  let neglected: { id: string; domain: string };
  let held: { id: string; domain: string };
  let heldTasks: string[];
  let neglectedTasks: string[];

  beforeAll(async () => {
    org = await h.newOrganisation();
    [healthy, neglected, held] = [
      await activeAccount(org, 'Healthy Co'), await activeAccount(org, 'Neglected Co'), await activeAccount(org, 'Held Co'),
    ];
    await sendEvents(org, [...healthyEvents(healthy.domain, 'h'), ...neglectedEvents(neglected.domain, 'n'), ...neglectedEvents(held.domain, 'm')]);
    neglectedTasks = await overdueTasks(org, neglected.id, 4);
    heldTasks = await overdueTasks(org, held.id, 4);
    await milestoneStartedDaysAgo(neglected.id, 40);
    await milestoneStartedDaysAgo(held.id, 40);
  });

  it('scores a healthy and a neglected account as a CSM would expect, with the inputs shown', async () => {
    const run = await runScoring(org.orgId);
    expect(run).toMatchObject({ status: 'completed', scored: 3, total: 3, wentAtRisk: 2 });

    const good = await healthOf(org.orgId, healthy.id);
    expect(good.tier).toBe('healthy');
    expect(good.score).toBeGreaterThanOrEqual(85);
    expect(good.factors.map((f) => f.key)).toEqual(['recent_activity', 'email_responsiveness', 'support_load', 'meetings', 'milestone_progress', 'product_usage']);
    expect(good.factors.find((f) => f.key === 'email_responsiveness')!.inputs).toMatchObject({ medianReplyHours: 2, unansweredOver72h: 0 });
    expect(good.factors.find((f) => f.key === 'meetings')!.inputs).toMatchObject({ held180d: 7 });
    expect(good.factors.find((f) => f.key === 'product_usage')!.inputs).toMatchObject({ activeDays14: 12 });
    // No tasks and no pulse: left out with a reason, their weight shared out, never scored 0.
    expect(good.excluded.map((e) => e.key)).toEqual(['overdue_tasks', 'csm_pulse']);
    expect(good.factors.reduce((sum, f) => sum + f.weight, 0)).toBeCloseTo(100, 0);

    const bad = await healthOf(org.orgId, neglected.id);
    expect(bad.tier).toBe('critical');
    expect(bad.score).toBeLessThan(25);
    const factor = (key: string) => bad.factors.find((f) => f.key === key)!;
    expect(factor('recent_activity').inputs).toMatchObject({ daysSinceLastTouch: 35 });
    expect(factor('email_responsiveness').inputs).toMatchObject({ unansweredOver72h: 3 });
    expect(factor('support_load').inputs).toMatchObject({ openTickets: 7 });
    expect(factor('meetings')).toMatchObject({ score: 0, inputs: { held180d: 0 } });
    expect(factor('milestone_progress').inputs).toMatchObject({ daysPastPlannedEnd: expect.any(Number) });
    expect(factor('overdue_tasks')).toMatchObject({ score: 10, inputs: { overdue: 4 } });
    expect(factor('product_usage')).toMatchObject({ score: 0, inputs: { activeDays14: 0 } });
    for (const f of bad.factors) expect(f.explanation.length).toBeGreaterThan(10);
  });

  it('moves an active account that fell into a bad tier to at_risk, with the reasons, and emails its CSM once', async () => {
    expect(await statusOf(healthy.id)).toBe('active');
    await eventually(async () => (await statusOf(neglected.id)) === 'at_risk', { what: 'the neglected account at risk' });
    const moved = (await timelineOf(neglected.id)).find((e) => e.type === 'status_changed' && e.actor === 'health');
    expect(moved?.message).toMatch(/Health fell to \d+ \(Critical\)/);
    expect(moved?.message).toMatch(/Product usage|Meetings|Support load/);
    const alerts = await eventually(async () => { const a = await emailsOf(neglected.id, 'health_alert'); return a.length ? a : undefined; }, { what: 'the alert' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.to).toEqual([org.csms.find((c) => c.name === 'Casey CSM')!.email]);
    expect(alerts[0]!.subject).toMatch(/at risk: health \d+ \(Critical\)/);

    // Scored again, still Critical: no second move, no second email.
    const again = await runScoring(org.orgId);
    expect(again.wentAtRisk).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await emailsOf(neglected.id, 'health_alert')).toHaveLength(1);
    expect((await timelineOf(neglected.id)).filter((e) => e.type === 'status_changed' && e.actor === 'health')).toHaveLength(1);
  });

  it('rescores changed accounts within seconds, moves a recovered one back to active, and leaves a person\'s at-risk call alone', async () => {
    // A person takes over the held account: back to active, then at risk for a reason of their own.
    await eventually(async () => (await statusOf(held.id)) === 'at_risk', { what: 'the held account at risk' });
    expect((await org.api(`/api/accounts/${held.id}/status`, { body: { status: 'active' } })).status).toBe(200);
    expect((await org.api(`/api/accounts/${held.id}/status`, { body: { status: 'at_risk', note: 'Their sponsor left' } })).status).toBe(200);

    const rescorer = await h.deps.temporal.workflow.start<HealthRescorerWorkflow>('healthRescorer', {
      workflowId: `test-health-rescorer-${org.orgId}`, taskQueue: h.taskQueue, args: [{ orgIds: [org.orgId], settleMs: 500, idleMs: 500 }],
    });
    try {
      const before = (await healthOf(org.orgId, neglected.id)).computedAt;
      const sentAt = Date.now();
      await sendEvents(org, [...recoveryEvents(neglected.domain, 'n'), ...recoveryEvents(held.domain, 'm')]);
      for (const id of neglectedTasks) await completeTask(h.database.db, org.orgId, neglected.id, id, { userId: org.adminId, email: org.adminEmail });
      for (const id of heldTasks) await completeTask(h.database.db, org.orgId, held.id, id, { userId: org.adminId, email: org.adminEmail });
      await milestoneStartedDaysAgo(neglected.id, 0);
      await milestoneStartedDaysAgo(held.id, 0);
      // Moving the plan's dates by hand (time passing, for the test) is no change Relay hears of:
      // queue the accounts again, as a milestone completed now would.
      await h.database.db.execute(sql`insert into health_rescore_queue (account_id, org_id) values (${neglected.id}, ${org.orgId}), (${held.id}, ${org.orgId}) on conflict do nothing`);

      const rescored = await eventually(async () => {
        const now = await healthOf(org.orgId, neglected.id);
        return now.computedAt > before && now.tier === 'healthy' ? now : undefined;
      }, { what: 'the neglected account rescored as healthy', timeoutMs: 60_000 });
      expect(rescored.computedAt.getTime() - sentAt).toBeLessThan(60_000);

      await eventually(async () => (await statusOf(neglected.id)) === 'active', { what: 'the recovered account active again' });
      const back = (await timelineOf(neglected.id)).filter((e) => e.type === 'status_changed' && e.actor === 'health').at(-1);
      expect(back?.message).toMatch(/Health recovered to \d+ \(Healthy\)/);

      await eventually(async () => (await timelineOf(held.id)).find((e) => e.type === 'health_changed' && /stays at risk until a person moves it/.test(e.message)),
        { what: 'the held account\'s note' });
      expect(await statusOf(held.id)).toBe('at_risk');
    } finally {
      await rescorer.terminate('test over');
    }
  });

  it('keeps a Temporal Schedule per organisation at its hour and timezone, whose run scores every account but the churned', async () => {
    const churned = await activeAccount(org, 'Gone Co');
    expect((await org.api(`/api/accounts/${churned.id}/status`, { body: { status: 'churned' } })).status).toBe(200);
    const handle = h.deps.temporal.schedule.getHandle(healthScheduleId(org.orgId));
    try {
      expect(await ensureHealthSchedule(h.deps.temporal, { orgId: org.orgId, schedule: { hour: 2, timezone: 'Europe/Paris' }, taskQueue: h.taskQueue })).toBe('created');
      expect(await ensureHealthSchedule(h.deps.temporal, { orgId: org.orgId, schedule: { hour: 3, timezone: 'Europe/Paris' }, taskQueue: h.taskQueue })).toBe('updated');
      const described = await handle.describe();
      expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
      expect(described.spec.timezone).toBe('Europe/Paris');
      expect(described.policies.overlap).toBe('SKIP');
      await handle.trigger();
      const runId = await eventually(async () => (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId, { what: 'the triggered run' });
      expect(runId.startsWith(healthRunIdPrefix(org.orgId))).toBe(true);
      const result = await h.deps.temporal.workflow.getHandle<HealthScoringWorkflow>(runId).result();
      expect(result).toMatchObject({ status: 'completed', scored: 3, total: 3 });
      expect((await latestHealth(h.database.db, org.orgId, [churned.id])).has(churned.id)).toBe(false);
    } finally {
      await handle.delete().catch(() => undefined);
    }
  });
});
