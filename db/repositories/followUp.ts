import { and, eq, gt, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { FollowUpAccount, FollowUpFacts, FollowUpMilestone, FollowUpState } from '../../domain/followUp.ts';
import type { HealthTier } from '../../domain/health.ts';
import type { Queryable } from '../client.ts';
import {
  accountActions, accountHealth, accountMilestones, accounts, accountThreads, followUpStates, handoffs, portalSubmissions, tasks, timelineEvents, users,
} from '../schema/index.ts';

/**
 * The home of `follow_up_states`, and the Daily Follow-Up's reads: a fixed number of queries for a
 * whole book of accounts (never one per account), each scoped by organisation and by the same set of
 * accounts (the CSM's, or the organisation's).
 */

/** Whose accounts: one CSM's, or everyone's (admins). */
export interface FollowUpScope { orgId: string; csmUserId: string | null; since: Date; today: string }

const asDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

/**
 * The accounts a follow-up looks at: not churned, and completed ones only while their news is fresh
 * (a status change bumps updated_at), so years of launched accounts are never read.
 */
function scopeCondition(scope: FollowUpScope): SQL {
  return and(
    eq(accounts.orgId, scope.orgId),
    ne(accounts.status, 'churned'),
    or(ne(accounts.status, 'completed'), gt(accounts.updatedAt, scope.since)),
    scope.csmUserId ? eq(accounts.csmUserId, scope.csmUserId) : undefined,
  )!;
}

/** The scope's account IDs as a subquery, for the per-item reads. */
const scopedIds = (db: Queryable, scope: FollowUpScope) => db.select({ id: accounts.id }).from(accounts).where(scopeCondition(scope));

export async function followUpAccounts(db: Queryable, scope: FollowUpScope): Promise<FollowUpAccount[]> {
  const rows = await db.select({
    id: accounts.id, name: accounts.companyName, arr: accounts.arr, status: accounts.status, csmName: users.name,
    primaryContactName: accounts.primaryContactName, createdAt: accounts.createdAt,
    handoffCreatedAt: handoffs.createdAt, handoffSubmittedAt: handoffs.submittedAt,
    score: accountHealth.score, tier: accountHealth.tier, previousTier: accountHealth.previousTier, tierSince: accountHealth.tierSince,
    // Both read the account's own timeline off timeline_events_account_idx, only for accounts being onboarded.
    atRiskSince: sql<Date | string | null>`case when ${accounts.status} = 'at_risk' then (
      select max(te.occurred_at) from ${timelineEvents} te
      where te.org_id = ${accounts.orgId} and te.account_id = ${accounts.id} and te.type = 'status_changed' and te.data->>'to' = 'at_risk') end`,
    // A touch is a timeline entry made by a person of the organisation (their email is the actor).
    lastTouchAt: sql<Date | string | null>`case when ${accounts.status} in ('active', 'at_risk') then (
      select max(te.occurred_at) from ${timelineEvents} te
      where te.org_id = ${accounts.orgId} and te.account_id = ${accounts.id}
        and te.actor in (select u.email from ${users} u where u.org_id = ${accounts.orgId})) end`,
  }).from(accounts)
    .leftJoin(users, and(eq(users.id, accounts.csmUserId), eq(users.orgId, accounts.orgId)))
    .leftJoin(handoffs, and(eq(handoffs.accountId, accounts.id), eq(handoffs.orgId, accounts.orgId)))
    .leftJoin(accountHealth, and(eq(accountHealth.accountId, accounts.id), eq(accountHealth.orgId, accounts.orgId)))
    .where(scopeCondition(scope));
  return rows.map((r) => ({
    id: r.id, name: r.name, arr: r.arr, status: r.status, csmName: r.csmName, primaryContactName: r.primaryContactName, createdAt: r.createdAt,
    handoffCreatedAt: r.handoffCreatedAt, handoffSubmittedAt: r.handoffSubmittedAt,
    lastTouchAt: asDate(r.lastTouchAt), atRiskSince: asDate(r.atRiskSince),
    health: r.tierSince ? { score: r.score, tier: r.tier as HealthTier | null, previousTier: r.previousTier as HealthTier | null, tierSince: r.tierSince } : null,
  }));
}

/** Everything else the lanes are built from, in five queries over the same accounts. */
export async function followUpFacts(db: Queryable, scope: FollowUpScope): Promise<Omit<FollowUpFacts, 'accounts'>> {
  const ids = scopedIds(db, scope);
  const [overdueTasks, milestones, openEmails, portalAnswers, statusChanges] = await Promise.all([
    db.select({ id: tasks.id, accountId: tasks.accountId, title: tasks.title, dueDate: sql<string>`${tasks.dueDate}::text` }).from(tasks)
      .where(and(eq(tasks.orgId, scope.orgId), isNull(tasks.completedAt), lt(tasks.dueDate, scope.today), inArray(tasks.accountId, ids))),
    db.select({
      id: accountMilestones.id, accountId: accountMilestones.accountId, sequence: accountMilestones.sequence, name: accountMilestones.name,
      durationDays: accountMilestones.durationDays, status: accountMilestones.status, startedAt: accountMilestones.startedAt, completedAt: accountMilestones.completedAt,
    }).from(accountMilestones).where(and(eq(accountMilestones.orgId, scope.orgId), inArray(accountMilestones.accountId, ids))),
    db.select({ accountId: accountThreads.accountId, threadKey: accountThreads.threadKey, openedAt: accountThreads.openedAt }).from(accountThreads)
      .where(and(eq(accountThreads.orgId, scope.orgId), eq(accountThreads.kind, 'email'), isNull(accountThreads.closedAt), inArray(accountThreads.accountId, ids))),
    db.select({
      id: portalSubmissions.id, accountId: portalSubmissions.accountId, label: sql<string>`coalesce(${accountActions.label}, 'Information request')`,
      submittedBy: portalSubmissions.submittedBy, submittedAt: portalSubmissions.submittedAt,
    }).from(portalSubmissions)
      .leftJoin(accountActions, and(eq(accountActions.accountId, portalSubmissions.accountId), eq(accountActions.actionId, portalSubmissions.actionId), eq(accountActions.orgId, portalSubmissions.orgId)))
      .where(and(eq(portalSubmissions.orgId, scope.orgId), gt(portalSubmissions.submittedAt, scope.since), inArray(portalSubmissions.accountId, ids))),
    db.select({
      id: timelineEvents.id, accountId: timelineEvents.accountId, occurredAt: timelineEvents.occurredAt,
      from: sql<string | null>`${timelineEvents.data}->>'from'`, to: sql<string | null>`${timelineEvents.data}->>'to'`,
    }).from(timelineEvents)
      .where(and(eq(timelineEvents.orgId, scope.orgId), eq(timelineEvents.type, 'status_changed'), gt(timelineEvents.occurredAt, scope.since), inArray(timelineEvents.accountId, ids))),
  ]);
  return { overdueTasks, milestones: milestones as FollowUpMilestone[], openEmails, portalAnswers, statusChanges };
}

// ---- dismiss and snooze ------------------------------------------------------------------------------

export async function listFollowUpStates(db: Queryable, orgId: string, userId: string): Promise<FollowUpState[]> {
  return db.select({ itemKey: followUpStates.itemKey, dismissedAt: followUpStates.dismissedAt, snoozedUntil: followUpStates.snoozedUntil })
    .from(followUpStates).where(and(eq(followUpStates.orgId, orgId), eq(followUpStates.userId, userId)));
}

/** Hides the item for this person until its cause changes; doing it twice is the same as once. */
export async function dismissFollowUpItem(db: Queryable, ref: { orgId: string; userId: string; itemKey: string }): Promise<void> {
  const now = new Date();
  await db.insert(followUpStates).values({ ...ref, dismissedAt: now, snoozedUntil: null, updatedAt: now })
    .onConflictDoUpdate({ target: [followUpStates.orgId, followUpStates.userId, followUpStates.itemKey], set: { dismissedAt: now, snoozedUntil: null, updatedAt: now } });
}

/** Hides the item for this person until `until` (the day it shows again). */
export async function snoozeFollowUpItem(db: Queryable, ref: { orgId: string; userId: string; itemKey: string }, until: string): Promise<void> {
  const now = new Date();
  await db.insert(followUpStates).values({ ...ref, dismissedAt: null, snoozedUntil: until, updatedAt: now })
    .onConflictDoUpdate({ target: [followUpStates.orgId, followUpStates.userId, followUpStates.itemKey], set: { dismissedAt: null, snoozedUntil: until, updatedAt: now } });
}

/** Shows the item again (undoes a dismissal or a snooze). */
export async function restoreFollowUpItem(db: Queryable, ref: { orgId: string; userId: string; itemKey: string }): Promise<void> {
  await db.delete(followUpStates)
    .where(and(eq(followUpStates.orgId, ref.orgId), eq(followUpStates.userId, ref.userId), eq(followUpStates.itemKey, ref.itemKey)));
}
