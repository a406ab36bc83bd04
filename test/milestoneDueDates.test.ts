import { readFileSync } from 'node:fs';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshMilestoneDueDates } from '../db/repositories/milestones.ts';
import { accountMilestones } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, handedOffAccount, skipOpenBlockers, type Harness, type TestOrganisation } from './harness.ts';

// Milestone due dates (issue 14). The Standard SaaS Onboarding template plans Kickoff 7 days,
// Configuration 14, Training 14, Launch 10. Late scenarios move the plan's start into the past in
// the database (what a real account would have after weeks), then recompute the stored due days the
// way the milestone projection does.

const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

interface ApiMilestone { id: string; sequence: number; name: string; status: string; dueOn: string | null; overdue: boolean; daysLate: number }

let h: Harness;
let org: TestOrganisation;
let other: TestOrganisation;
let client: DashboardClient;

beforeAll(async () => {
  h = await createHarness();
  [org, other] = await Promise.all([h.newOrganisation(), h.newOrganisation()]);
  client = await signIn(h, org.adminEmail);
});
afterAll(async () => { await h?.close(); });

async function milestonesOf(o: TestOrganisation, id: string): Promise<ApiMilestone[]> {
  const res = await o.api(`/api/accounts/${id}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { milestones: ApiMilestone[] }).milestones;
}

/** Starts the account's plan `days` ago (its first milestone's start), then stores the due days again. */
async function startPlanDaysAgo(o: TestOrganisation, id: string, days: number): Promise<void> {
  await h.database.db.update(accountMilestones).set({ startedAt: new Date(Date.now() - days * DAY) })
    .where(and(eq(accountMilestones.accountId, id), eq(accountMilestones.sequence, 1)));
  await refreshMilestoneDueDates(h.database.db, o.orgId, id);
}

async function behindPlanIds(o: TestOrganisation): Promise<string[]> {
  const res = await o.api('/api/accounts?behindPlan=true&pageSize=100');
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
}

describe('milestone due dates', () => {
  it('has no due dates before the handoff, and chains them from the day onboarding starts', async () => {
    const created = await org.api('/api/accounts', { body: accountBody() });
    const { id: pendingId } = await created.json() as { id: string };
    const pending = await eventually(async () => { const m = await milestonesOf(org, pendingId); return m.length ? m : undefined; }, { what: 'milestones' });
    expect(pending.map((m) => m.dueOn)).toEqual([null, null, null, null]);

    const { id } = await handedOffAccount(h, org);
    const planned = await eventually(async () => { const m = await milestonesOf(org, id); return m[0]?.dueOn ? m : undefined; }, { what: 'due dates' });
    expect(planned.map((m) => [m.name, m.dueOn, m.overdue])).toEqual([
      ['Kickoff', day(7), false], ['Configuration', day(21), false], ['Training', day(35), false], ['Launch', day(45), false],
    ]);
    const html = await (await client.get(`/accounts/${id}`)).text();
    expect(html).toContain(`due ${day(7)}`);
    expect(html).not.toContain('data-milestone-late');
    expect(await behindPlanIds(org)).not.toContain(id);
  });

  it('flags a late milestone on the page, the list and the API, and shifts the plan when it finishes late', async () => {
    const { id } = await handedOffAccount(h, org, { companyName: 'Latecomer Ltd' });
    await eventually(async () => (await milestonesOf(org, id))[0]?.dueOn, { what: 'due dates' });
    // Kickoff started 20 days ago: due 13 days ago.
    await startPlanDaysAgo(org, id, 20);
    const late = await milestonesOf(org, id);
    expect(late[0]).toMatchObject({ name: 'Kickoff', dueOn: day(-13), overdue: true, daysLate: 13 });
    expect(late[1]).toMatchObject({ name: 'Configuration', dueOn: day(1), overdue: false, daysLate: 0 });

    const page = await (await client.get(`/accounts/${id}`)).text();
    expect(page).toMatch(/Kickoff<\/strong>[^<]*<span class="status status-milestone-in_progress">In progress<\/span>\s*<span class="status status-overdue" data-milestone-late="true">13 days late<\/span>/);
    expect(page).toContain(`due ${day(-13)}`);

    expect(await behindPlanIds(org)).toContain(id);
    const listed = ((await (await org.api('/api/accounts?pageSize=100')).json()) as { items: { id: string; behindPlan: unknown }[] }).items.find((i) => i.id === id);
    expect(listed?.behindPlan).toEqual({ overdueMilestones: 1, daysLate: 13 });
    const list = await (await client.get('/accounts?behindPlan=true')).text();
    expect(list).toContain('Latecomer Ltd');
    expect(list).toMatch(/data-behind-plan[^>]*>13 days late/);
    expect(list).toMatch(/<option value="true" selected="">Behind plan<\/option>/);

    // Finishing Kickoff today (13 days late) pushes Configuration to 14 days from today: back on plan.
    await skipOpenBlockers(org, id, late[0]!.id);
    const done = await org.api(`/api/accounts/${id}/milestones/${late[0]!.id}/complete`, { body: {} });
    expect(done.status).toBe(200);
    const shifted = await eventually(async () => { const m = await milestonesOf(org, id); return m[1]?.dueOn === day(14) ? m : undefined; }, { what: 'the shifted plan' });
    expect(shifted.map((m) => [m.dueOn, m.overdue, m.daysLate])).toEqual([[day(-13), false, 13], [day(14), false, 0], [day(28), false, 0], [day(38), false, 0]]);
    expect(await behindPlanIds(org)).not.toContain(id);
    expect(await (await client.get(`/accounts/${id}`)).text()).toContain('(13 days late)');

    // The migration's backfill of existing accounts follows the same rule (checked, then rolled back).
    const backfill = readFileSync(new URL('../db/migrations/0012_due_dates_tasks.sql', import.meta.url), 'utf8')
      .split('--> statement-breakpoint').find((statement) => statement.includes('WITH RECURSIVE'))!;
    const rollback = new Error('rollback');
    await expect(h.database.db.transaction(async (tx) => {
      await tx.update(accountMilestones).set({ dueOn: null }).where(eq(accountMilestones.accountId, id));
      await tx.execute(sql.raw(backfill));
      const rows = await tx.select({ dueOn: accountMilestones.dueOn }).from(accountMilestones).where(eq(accountMilestones.accountId, id)).orderBy(accountMilestones.sequence);
      expect(rows.map((r) => r.dueOn)).toEqual([day(-13), day(14), day(28), day(38)]);
      throw rollback;
    })).rejects.toBe(rollback);
  });

  it('never counts an account whose onboarding has ended as behind plan', async () => {
    const { id } = await handedOffAccount(h, org);
    await eventually(async () => (await milestonesOf(org, id))[0]?.dueOn, { what: 'due dates' });
    await startPlanDaysAgo(org, id, 30);
    expect(await behindPlanIds(org)).toContain(id);
    const churned = await org.api(`/api/accounts/${id}/status`, { body: { status: 'churned', note: 'Lost the budget' } });
    expect(churned.status).toBe(200);
    await eventually(async () => !(await behindPlanIds(org)).includes(id), { what: 'the churned account to leave the filter' });
    expect((await milestonesOf(org, id)).some((m) => m.overdue)).toBe(false);
  });

  it('keeps each organisation to its own accounts behind plan', async () => {
    const { id: mine } = await handedOffAccount(h, org);
    const { id: theirs } = await handedOffAccount(h, other);
    for (const [o, id] of [[org, mine], [other, theirs]] as const) {
      await eventually(async () => (await milestonesOf(o, id))[0]?.dueOn, { what: 'due dates' });
      await startPlanDaysAgo(o, id, 25);
    }
    const ours = await behindPlanIds(org);
    expect(ours).toContain(mine);
    expect(ours).not.toContain(theirs);
    expect(await behindPlanIds(other)).toEqual([theirs]);
    expect((await other.api(`/api/accounts/${mine}`)).status).toBe(404);
  });

  it('refuses a behindPlan value it cannot read, naming the parameter', async () => {
    const res = await org.api('/api/accounts?behindPlan=maybe');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('behindPlan must be true or false');
    const page = await client.get('/accounts?behindPlan=maybe');
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('behindPlan');
  });
});
