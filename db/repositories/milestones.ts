import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { planMilestones } from '../../domain/milestonePlan.ts';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { accountMilestones, type TemplateMilestone } from '../schema/index.ts';

/** The home of `account_milestones`: each account's snapshot of its template's milestones. */

export async function listAccountMilestones(db: Queryable, orgId: string, accountId: string) {
  return db.select().from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId)))
    .orderBy(asc(accountMilestones.sequence));
}

/** Copies a template version's milestones onto an account; a second copy of the same sequence is ignored. */
export async function copyTemplateMilestones(
  db: Queryable, ref: { orgId: string; accountId: string; templateVersionId: string }, milestones: TemplateMilestone[],
): Promise<void> {
  if (!milestones.length) return;
  await db.insert(accountMilestones).values(milestones.map((m) => ({
    id: newId(), orgId: ref.orgId, accountId: ref.accountId, templateVersionId: ref.templateVersionId,
    sequence: m.sequence, name: m.name, durationDays: m.durationDays, actions: m.actions, status: 'pending' as const,
  }))).onConflictDoNothing({ target: [accountMilestones.accountId, accountMilestones.sequence] });
}

/** Moves one milestone to `status`; null when the account has no such milestone. */
export async function setMilestoneStatus(
  db: Queryable, ref: { orgId: string; accountId: string; milestoneId: string }, status: 'in_progress' | 'completed',
): Promise<{ name: string } | null> {
  const [milestone] = await db.update(accountMilestones)
    .set(status === 'completed' ? { status, completedAt: new Date() } : { status, startedAt: new Date() })
    .where(and(eq(accountMilestones.orgId, ref.orgId), eq(accountMilestones.accountId, ref.accountId), eq(accountMilestones.id, ref.milestoneId)))
    .returning({ name: accountMilestones.name });
  return milestone ?? null;
}

export async function milestoneBelongsToAccount(db: Queryable, orgId: string, accountId: string, milestoneId: string): Promise<boolean> {
  const [row] = await db.select({ id: accountMilestones.id }).from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId), eq(accountMilestones.id, milestoneId)));
  return Boolean(row);
}

/** Each account's milestone in progress (the lowest in sequence), with when it started: what health scoring compares with plan. */
export async function currentMilestones(db: Queryable, orgId: string, accountIds: string[]): Promise<Map<string, { name: string; startedAt: Date | null; durationDays: number }>> {
  if (!accountIds.length) return new Map();
  const rows = await db.selectDistinctOn([accountMilestones.accountId], {
    accountId: accountMilestones.accountId, name: accountMilestones.name, startedAt: accountMilestones.startedAt, durationDays: accountMilestones.durationDays,
  }).from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), inArray(accountMilestones.accountId, accountIds), eq(accountMilestones.status, 'in_progress')))
    .orderBy(accountMilestones.accountId, accountMilestones.sequence);
  return new Map(rows.map((r) => [r.accountId, r]));
}

/** The playbook actions a milestone was copied with (what its actions engine runs when it starts). */
export async function milestoneActions(db: Queryable, orgId: string, accountId: string, milestoneId: string) {
  const [row] = await db.select({ actions: accountMilestones.actions }).from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId), eq(accountMilestones.id, milestoneId)));
  return row?.actions ?? null;
}

/**
 * Recomputes the account's milestone due days from its plan (domain/milestonePlan.ts) and stores
 * them, so the list's "behind plan" filter reads an indexed column. Run in the transaction that
 * starts or completes a milestone: the plan starts with onboarding (the earliest milestone start)
 * and shifts when a milestone finishes late. Recomputed whole, so a retry writes the same days.
 */
export async function refreshMilestoneDueDates(db: Queryable, orgId: string, accountId: string): Promise<void> {
  const rows = await db.select({
    id: accountMilestones.id, sequence: accountMilestones.sequence, durationDays: accountMilestones.durationDays,
    startedAt: accountMilestones.startedAt, completedAt: accountMilestones.completedAt, dueOn: accountMilestones.dueOn,
  }).from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId)));
  const planStart = rows.reduce<Date | null>((min, r) => (r.startedAt && (!min || r.startedAt < min) ? r.startedAt : min), null);
  const planned = planMilestones(planStart, rows.map((r) => ({ id: r.id, position: r.sequence, durationDays: r.durationDays, completedAt: r.completedAt })), new Date());
  const stored = new Map(rows.map((r) => [r.id, r.dueOn]));
  for (const p of planned) {
    if (stored.get(p.id) === p.dueOn) continue;
    await db.update(accountMilestones).set({ dueOn: p.dueOn })
      .where(and(eq(accountMilestones.orgId, orgId), eq(accountMilestones.accountId, accountId), eq(accountMilestones.id, p.id)));
  }
}

/**
 * "Behind plan": the account is onboarding (active or at risk) and one of its open milestones is past
 * its due day (before `today`, YYYY-MM-DD). An EXISTS served by account_milestones_org_open_due_idx.
 */
export function behindPlanCondition(orgId: string, account: { id: AnyPgColumn; status: AnyPgColumn }, today: string): SQL {
  return sql`(${account.status} in ('active', 'at_risk') and exists (select 1 from ${accountMilestones}
    where ${accountMilestones.orgId} = ${orgId} and ${accountMilestones.accountId} = ${account.id}
      and ${accountMilestones.completedAt} is null and ${accountMilestones.dueOn} < ${today}::date))`;
}

/** Per account, its open milestones past due on `today` and the oldest due day among them; accounts on plan are absent. */
export async function overdueMilestonesByAccount(db: Queryable, orgId: string, accountIds: string[], today: string): Promise<Map<string, { overdue: number; oldestDueOn: string }>> {
  if (!accountIds.length) return new Map();
  const rows = await db.select({
    accountId: accountMilestones.accountId, overdue: sql<number>`count(*)::int`, oldestDueOn: sql<string>`min(${accountMilestones.dueOn})::text`,
  }).from(accountMilestones)
    .where(and(eq(accountMilestones.orgId, orgId), inArray(accountMilestones.accountId, accountIds), isNull(accountMilestones.completedAt), sql`${accountMilestones.dueOn} < ${today}::date`))
    .groupBy(accountMilestones.accountId);
  return new Map(rows.map((r) => [r.accountId, { overdue: Number(r.overdue), oldestDueOn: r.oldestDueOn }]));
}
