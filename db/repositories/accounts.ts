import { and, asc, count, desc, eq, gt, gte, ilike, inArray, isNull, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import {
  ACCOUNT_LIST_MAX_PAGE_SIZE, DEFAULT_SORT_DIRECTION, HEALTH_SPARKLINE_DAYS, healthTrend,
  type AccountHealthFilter, type AccountSort, type HealthTrend, type SortDirection,
} from '../../domain/accountList.ts';
import type { AccountCrmFilter, ListedCrm } from '../../domain/crmLinks.ts';
import type { HealthTier } from '../../domain/health.ts';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../domain/lifecycle.ts';
import { dayOf, milestoneLateness } from '../../domain/milestonePlan.ts';
import { accountMilestoneProgress, accountStatusRank } from '../schema/index.ts';
import type { Queryable } from '../client.ts';
import { executePrepared } from '../prepared.ts';
import { rowsOf } from '../rows.ts';
import { countedBuckets, type CountedBucket } from './accountCounters.ts';
import { accountCrmCondition, listedCrmByAccount } from './connectors.ts';
import { healthHistory } from './health.ts';
import { behindPlanCondition, listAccountMilestones, overdueMilestonesByAccount } from './milestones.ts';
import { accountDomains, accountHealth, accountMilestones, accounts, handoffs, templateVersions, users } from '../schema/index.ts';

export type NewAccount = typeof accounts.$inferInsert;

/** What the list's search box matches: company, contact name and email, every domain. */
export function accountSearchText(account: Pick<NewAccount, 'companyName' | 'primaryContactName' | 'primaryContactEmail'>, domains: string[]): string {
  return [account.companyName, account.primaryContactName, account.primaryContactEmail, ...domains].join(' ').toLowerCase();
}

/**
 * Stores an account and claims its domains in one statement (a data-modifying CTE: no transaction to
 * open and commit, one round trip); a claimed domain raises the database's unique violation and
 * nothing is stored.
 */
export async function insertAccountWithDomains(db: Queryable, account: NewAccount, domains: string[]): Promise<void> {
  const row = db.insert(accounts).values({ ...account, searchText: accountSearchText(account, domains) });
  if (!domains.length) {
    await row;
    return;
  }
  const stored = db.$with('stored').as(row.returning({ id: accounts.id }));
  await db.with(stored).insert(accountDomains).values(domains.map((domain, i) => ({
    orgId: account.orgId, accountId: account.id, domain, isPrimary: i === 0,
  })));
}

/** Accounts of the org already holding any of these domains (two or more is a conflict for a human). */
export async function findAccountsByDomains(db: Queryable, orgId: string, domains: string[]): Promise<{ accountId: string; domain: string }[]> {
  if (!domains.length) return [];
  // The list goes in as one jsonb parameter (an ingestion batch looks up hundreds of domains; postgres.js
  // escapes an array parameter element by element, slower than JSON), made an array for one index scan;
  // prepared (ingestion runs it for every batch). Domains are unique per organisation: a row per domain found.
  const rows = await executePrepared<{ account_id: string; domain: string }>(db, sql`
    select ${accountDomains.accountId} as account_id, ${accountDomains.domain} as domain from ${accountDomains}
    where ${accountDomains.orgId} = ${orgId}
      and ${accountDomains.domain} = any(array(select jsonb_array_elements_text(${JSON.stringify([...new Set(domains)])}::jsonb)))`);
  return rows.map((r) => ({ accountId: r.account_id, domain: r.domain }));
}

// ---- editing an account (issue 14): read, check and write under the row's lock ---------------------

/**
 * The account's editable fields and its domains. With `lock` (inside an edit's transaction) the row
 * stays locked until the transaction ends: two edits of one account take turns, so the second sees
 * what the first wrote. The edit form's read takes no lock.
 */
export async function readEditableAccount(db: Queryable, orgId: string, accountId: string, opts: { lock: boolean }) {
  const query = db.select({
    companyName: accounts.companyName, arr: accounts.arr, closeDate: accounts.closeDate,
    primaryContactName: accounts.primaryContactName, primaryContactEmail: accounts.primaryContactEmail,
    primaryContactRole: accounts.primaryContactRole, industry: accounts.industry, companySize: accounts.companySize,
    notes: accounts.notes,
  }).from(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  const [row] = opts.lock ? await query.for('update') : await query;
  if (!row) return null;
  const domains = await db.select({ domain: accountDomains.domain, isPrimary: accountDomains.isPrimary }).from(accountDomains)
    .where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId)));
  return { ...row, domains };
}

export type EditedAccountFields = Pick<NewAccount, 'companyName' | 'arr' | 'closeDate' | 'primaryContactName' | 'primaryContactEmail'
  | 'primaryContactRole' | 'industry' | 'companySize' | 'notes'>;

/**
 * Writes an edit: the fields, the search text, and (when `domainsChanged`) the domains the account
 * holds, primary first. A domain another account holds raises the unique index's violation.
 */
export async function updateEditedAccount(tx: Queryable, orgId: string, accountId: string, fields: EditedAccountFields, domains: string[], domainsChanged: boolean): Promise<void> {
  await tx.update(accounts).set({
    ...fields, primaryDomain: domains[0] ?? null, searchText: accountSearchText(fields, domains), updatedAt: new Date(),
  }).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  if (!domainsChanged) return;
  await tx.delete(accountDomains).where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId)));
  if (domains.length) {
    await tx.insert(accountDomains).values(domains.map((domain, i) => ({ orgId, accountId, domain, isPrimary: i === 0 })));
  }
}

export async function getAccount(db: Queryable, orgId: string, accountId: string) {
  const [row] = await db.select().from(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  return row ?? null;
}

/** Which of these IDs are accounts of the organisation (an event naming its account outright). */
export async function existingAccountIds(db: Queryable, orgId: string, accountIds: string[]): Promise<Set<string>> {
  if (!accountIds.length) return new Set();
  const rows = await db.select({ id: accounts.id }).from(accounts).where(and(eq(accounts.orgId, orgId), inArray(accounts.id, accountIds)));
  return new Set(rows.map((r) => r.id));
}

/** Whether the organisation has this account: the cheap ownership check before an action on its run. */
export async function accountExists(db: Queryable, orgId: string, accountId: string): Promise<boolean> {
  const [row] = await db.select({ id: accounts.id }).from(accounts).where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  return Boolean(row);
}

const byAccount = (orgId: string, accountId: string) => and(eq(accounts.orgId, orgId), eq(accounts.id, accountId));

/** Projections of the account's workflow onto its row. */
export async function setAccountStatus(db: Queryable, orgId: string, accountId: string, status: LifecycleStatus): Promise<void> {
  await db.update(accounts).set({ status, updatedAt: new Date() }).where(byAccount(orgId, accountId));
}

export async function setAccountCsm(db: Queryable, orgId: string, accountId: string, csmUserId: string): Promise<void> {
  await db.update(accounts).set({ csmUserId, updatedAt: new Date() }).where(byAccount(orgId, accountId));
}

export async function setAccountMilestonesTotal(db: Queryable, orgId: string, accountId: string, total: number): Promise<void> {
  await db.update(accounts).set({ milestonesTotal: total }).where(byAccount(orgId, accountId));
}

/** Counted, not incremented, so a retried projection cannot count a milestone twice. */
export async function recountAccountMilestonesCompleted(db: Queryable, orgId: string, accountId: string): Promise<void> {
  await db.update(accounts).set({
    milestonesCompleted: sql`(select count(*) from ${accountMilestones} where ${accountMilestones.orgId} = ${orgId} and ${accountMilestones.accountId} = ${accountId} and ${accountMilestones.status} = 'completed')`,
  }).where(byAccount(orgId, accountId));
}

/** How stale the list's "last activity" may be before a timeline event writes it again. */
const ACTIVITY_TOUCH_RESOLUTION = '1 minute';

/**
 * The list's "last activity": every timeline event touches it, to the minute. A touch within a minute
 * of the last writes nothing: `last_activity_at` is indexed (the list sorts by it), so each write is a
 * new row version with an entry in every index of `accounts`, trigram one included. An onboarding's
 * timeline events come seconds after the insert that set it, so they write none.
 */
export async function touchAccountActivity(db: Queryable, orgId: string, accountId: string): Promise<void> {
  await db.update(accounts).set({ lastActivityAt: sql`now()` })
    .where(and(byAccount(orgId, accountId), lt(accounts.lastActivityAt, sql`now() - ${ACTIVITY_TOUCH_RESOLUTION}::interval`)));
}

/** One account as the API and the dashboard show it; `now` judges which milestones are late (only while onboarding). */
export async function getAccountDetail(db: Queryable, orgId: string, accountId: string, now = new Date()) {
  const [row] = await db.select({
    account: accounts,
    csm: { id: users.id, email: users.email, name: users.name },
    template: { id: templateVersions.templateId, versionId: templateVersions.id, name: templateVersions.name, version: templateVersions.version },
    handoff: { drafter: handoffs.drafter, qa: handoffs.qa, submittedAt: handoffs.submittedAt, tokenExpiresAt: handoffs.tokenExpiresAt, linkVersion: handoffs.linkVersion },
  }).from(accounts)
    .leftJoin(users, eq(users.id, accounts.csmUserId))
    .innerJoin(templateVersions, eq(templateVersions.id, accounts.templateVersionId))
    .leftJoin(handoffs, eq(handoffs.accountId, accounts.id))
    .where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)));
  if (!row) return null;
  const [milestones, domains] = await Promise.all([
    listAccountMilestones(db, orgId, accountId),
    db.select({ domain: accountDomains.domain, isPrimary: accountDomains.isPrimary }).from(accountDomains)
      .where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId))).orderBy(desc(accountDomains.isPrimary), asc(accountDomains.domain)),
  ]);
  const onboarding = row.account.status === 'active' || row.account.status === 'at_risk';
  const planned = milestones.map((m) => {
    const lateness = milestoneLateness(m, now);
    // An ended (or not yet started) onboarding has nothing late still open.
    return onboarding || m.completedAt ? { ...m, ...lateness } : { ...m, overdue: false, daysLate: 0 };
  });
  return { ...row, milestones: planned, domains };
}


/** Everything that narrows the list. Ranges are inclusive; dates are whole UTC days (YYYY-MM-DD). */
export interface AccountListFilters {
  status?: LifecycleStatus | undefined;
  q?: string | undefined;
  arrMin?: number | undefined;
  arrMax?: number | undefined;
  /** MRR bounds as shown in the list (ARR / 12, rounded), applied to ARR. */
  mrrMin?: number | undefined;
  mrrMax?: number | undefined;
  /** A template ID: accounts on any of its versions. */
  templateId?: string | undefined;
  /** A user ID, or 'unassigned' for accounts without a CSM. */
  csm?: string | undefined;
  activeWithinDays?: number | undefined;
  inactiveForDays?: number | undefined;
  activityFrom?: string | undefined;
  activityTo?: string | undefined;
  /** A health tier, or 'unscored' for accounts without a current score. */
  healthTier?: AccountHealthFilter | undefined;
  /** Bounds on the latest health score (0–100); unscored accounts never match them. */
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  /** Whether a CRM record links the account, or its sync has a problem (EXISTS on connector_records). */
  crm?: AccountCrmFilter | undefined;
  /** Only accounts behind their onboarding plan: an open milestone past its due day (EXISTS on account_milestones). */
  behindPlan?: boolean | undefined;
}

export interface AccountListQuery extends AccountListFilters {
  sort?: AccountSort | undefined;
  dir?: SortDirection | undefined;
  page: number;
  pageSize: number;
}


const DAY_MS = 86_400_000;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function startOfUtcDay(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

function filterConditions(orgId: string, f: AccountListFilters, now: Date): SQL[] {
  const conditions: SQL[] = [eq(accounts.orgId, orgId)];
  if (f.status) conditions.push(eq(accounts.status, f.status));
  if (f.q) conditions.push(ilike(accounts.searchText, `%${escapeLike(f.q.toLowerCase())}%`));
  if (f.arrMin !== undefined) conditions.push(gte(accounts.arr, f.arrMin));
  if (f.arrMax !== undefined) conditions.push(lte(accounts.arr, f.arrMax));
  // round(arr / 12) >= m  <=>  arr >= 12m - 6, so the filter agrees with the MRR the list shows.
  if (f.mrrMin !== undefined) conditions.push(gte(accounts.arr, f.mrrMin * 12 - 6));
  if (f.mrrMax !== undefined) conditions.push(lt(accounts.arr, f.mrrMax * 12 + 6));
  if (f.templateId) {
    conditions.push(inArray(accounts.templateVersionId, sql`(select ${templateVersions.id} from ${templateVersions} where ${templateVersions.orgId} = ${orgId} and ${templateVersions.templateId} = ${f.templateId})`));
  }
  if (f.csm === 'unassigned') conditions.push(isNull(accounts.csmUserId));
  else if (f.csm) conditions.push(eq(accounts.csmUserId, f.csm));
  if (f.activeWithinDays !== undefined) conditions.push(gte(accounts.lastActivityAt, new Date(now.getTime() - f.activeWithinDays * DAY_MS)));
  if (f.inactiveForDays !== undefined) conditions.push(lt(accounts.lastActivityAt, new Date(now.getTime() - f.inactiveForDays * DAY_MS)));
  if (f.activityFrom) conditions.push(gte(accounts.lastActivityAt, startOfUtcDay(f.activityFrom)));
  if (f.activityTo) conditions.push(lt(accounts.lastActivityAt, new Date(startOfUtcDay(f.activityTo).getTime() + DAY_MS)));
  // Health conditions read the left-joined account_health (healthJoin): a missing row reads as a null score.
  if (f.healthTier === 'unscored') conditions.push(isNull(accountHealth.score));
  else if (f.healthTier) conditions.push(eq(accountHealth.tier, f.healthTier));
  if (f.scoreMin !== undefined) conditions.push(gte(accountHealth.score, f.scoreMin));
  if (f.scoreMax !== undefined) conditions.push(lte(accountHealth.score, f.scoreMax));
  if (f.crm) conditions.push(accountCrmCondition(orgId, f.crm));
  if (f.behindPlan) conditions.push(behindPlanCondition(orgId, accounts, dayOf(now)));
  return conditions;
}

const SORT_EXPRESSIONS: Record<AccountSort, SQL | AnyPgColumn> = {
  name: accounts.companyName,
  arr: accounts.arr,
  status: accountStatusRank(accounts.status),
  lastActivity: accounts.lastActivityAt,
  created: accounts.createdAt,
  progress: accountMilestoneProgress(accounts.milestonesCompleted, accounts.milestonesTotal),
  health: accountHealth.score,
};

/**
 * The ID breaks ties in the same direction, so pages never repeat or skip rows with equal keys.
 * Unscored accounts (a null score) come last whichever way health is sorted: there is nothing to triage.
 */
function orderBy(sort: AccountSort, dir: SortDirection): SQL[] {
  const by = dir === 'asc' ? asc : desc;
  if (sort === 'health') return [sql`${SORT_EXPRESSIONS.health} ${sql.raw(dir)} nulls last`, by(accounts.id)];
  return [by(SORT_EXPRESSIONS[sort]), by(accounts.id)];
}

/**
 * The account's latest score beside it, for the health filters and sort. On the primary key and the
 * org, so another organisation's score can never attach; Postgres drops the join when nothing reads it.
 */
const healthJoin = (orgId: string) => and(eq(accountHealth.accountId, accounts.id), eq(accountHealth.orgId, orgId));

/**
 * The list's two statements, unexecuted, so the benchmark can EXPLAIN exactly what the page runs.
 * `now` anchors the "active within / inactive for N days" filters.
 */
export function accountListStatements(db: Queryable, orgId: string, query: AccountListQuery, now = new Date()) {
  const where = and(...filterConditions(orgId, query, now));
  const sort = query.sort ?? 'created';
  const pageSize = Math.min(Math.max(1, query.pageSize), ACCOUNT_LIST_MAX_PAGE_SIZE);
  const order = orderBy(sort, query.dir ?? DEFAULT_SORT_DIRECTION[sort]);
  // Deferred join: find the page's IDs first (off the sort's index), then fetch and join only those
  // rows, so a deep page does not read and join every row it skips.
  const page = db.select({ id: accounts.id }).from(accounts).leftJoin(accountHealth, healthJoin(orgId)).where(where).orderBy(...order)
    .limit(pageSize).offset((Math.max(1, query.page) - 1) * pageSize).as('page');
  const items = db.select({
    id: accounts.id, companyName: accounts.companyName, arr: accounts.arr, status: accounts.status,
    primaryDomain: accounts.primaryDomain, primaryContactName: accounts.primaryContactName,
    primaryContactEmail: accounts.primaryContactEmail, csmUserId: accounts.csmUserId, csmEmail: users.email, csmName: users.name,
    milestonesCompleted: accounts.milestonesCompleted, milestonesTotal: accounts.milestonesTotal,
    lastActivityAt: accounts.lastActivityAt, createdAt: accounts.createdAt,
    healthScore: accountHealth.score, healthTier: accountHealth.tier,
  }).from(page).innerJoin(accounts, eq(accounts.id, page.id))
    .leftJoin(users, and(eq(users.id, accounts.csmUserId), eq(users.orgId, orgId)))
    .leftJoin(accountHealth, healthJoin(orgId))
    .orderBy(...order);
  const total = db.select({ n: count() }).from(accounts).leftJoin(accountHealth, healthJoin(orgId)).where(where);
  return { items, total };
}

/** Counts per status under every filter but status itself: what the tabs show. One grouped query. */
export function accountStatusCountStatement(db: Queryable, orgId: string, filters: AccountListFilters, now = new Date()) {
  return db.select({ status: accounts.status, n: count() }).from(accounts).leftJoin(accountHealth, healthJoin(orgId))
    .where(and(...filterConditions(orgId, { ...filters, status: undefined }, now)))
    .groupBy(accounts.status);
}

type ListedAccountRow = Awaited<ReturnType<typeof accountListStatements>['items']>[number];

/** An account's health as the list shows it; null when it has no current score. */
export interface ListedHealth {
  score: number;
  tier: HealthTier;
  trend: HealthTrend | null;
  /** Daily scores of the last 30 days, oldest first. */
  sparkline: { day: string; score: number }[];
}
/** How far behind its onboarding plan an account is: its open milestones past due, and days since the oldest was due. */
export interface ListedBehindPlan { overdueMilestones: number; daysLate: number }
export type ListedAccount = Omit<ListedAccountRow, 'healthScore' | 'healthTier'> & { mrr: number; health: ListedHealth | null; crm: ListedCrm | null; behindPlan: ListedBehindPlan | null };

/** The first day of the sparkline's window: today (UTC) and the 29 days before it. */
const sparklineFrom = (now: Date): string => new Date(now.getTime() - (HEALTH_SPARKLINE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);

/** MRR, health and CRM link for a page of rows; the page's histories and CRM records come in one query each, not one per row. */
async function completeRows(db: Queryable, orgId: string, rows: ListedAccountRow[], now: Date): Promise<ListedAccount[]> {
  const scored = rows.filter((r) => r.healthScore !== null).map((r) => r.id);
  const onboarding = rows.filter((r) => r.status === 'active' || r.status === 'at_risk').map((r) => r.id);
  const [history, crm, late] = await Promise.all([
    healthHistory(db, orgId, scored, sparklineFrom(now)), listedCrmByAccount(db, orgId, rows.map((r) => r.id)),
    overdueMilestonesByAccount(db, orgId, onboarding, dayOf(now)),
  ]);
  return rows.map(({ healthScore, healthTier, ...row }) => {
    const sparkline = history.get(row.id) ?? [];
    const health = healthScore === null || healthTier === null ? null : { score: healthScore, tier: healthTier, trend: healthTrend(sparkline), sparkline };
    const behind = late.get(row.id);
    const behindPlan = behind ? { overdueMilestones: behind.overdue, daysLate: milestoneLateness({ dueOn: behind.oldestDueOn, completedAt: null }, now).daysLate } : null;
    return { ...row, mrr: Math.round(row.arr / 12), health, crm: crm.get(row.id) ?? null, behindPlan };
  });
}

/** What a list query holds besides its filters. */
const NOT_FILTERS: ReadonlySet<string> = new Set(['sort', 'dir', 'page', 'pageSize']);

/**
 * Which of the account counters (db/repositories/accountCounters.ts) answer these filters: when they
 * narrow by status and CSM only (everyone's list, "my accounts", the unassigned, and their status
 * tabs), the CSM the counters are read for (undefined: everyone's; null: the unassigned). Null when
 * any other filter narrows the list: those figures are counted over the rows the filters select.
 */
function counterScope(filters: AccountListFilters): { csm: string | null | undefined } | null {
  // Any other key with a value, including filters added later, falls back to counting: never wrong, only slower.
  const narrowed = Object.entries(filters).some(([key, value]) => key !== 'status' && key !== 'csm' && !NOT_FILTERS.has(key)
    && value !== undefined && value !== false && value !== '');
  if (narrowed) return null;
  return { csm: filters.csm === 'unassigned' ? null : filters.csm || undefined };
}

export type StatusCounts = Record<LifecycleStatus, number>;

function statusCountsOf(buckets: CountedBucket[]): StatusCounts {
  const counts = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const b of buckets) counts[b.status] += b.accounts;
  return counts;
}

export async function listAccounts(db: Queryable, orgId: string, query: AccountListQuery, now = new Date()) {
  const statements = accountListStatements(db, orgId, query, now);
  const scope = counterScope(query);
  const [items, total] = await Promise.all([
    statements.items,
    scope
      ? countedBuckets(db, orgId, scope.csm).then((buckets) => buckets.filter((b) => !query.status || b.status === query.status).reduce((n, b) => n + b.accounts, 0))
      : statements.total.then(([counted]) => counted?.n ?? 0),
  ]);
  return { items: await completeRows(db, orgId, items, now), total };
}

/** Accounts per status under every filter but status itself (the tabs): from the counters when they answer the filters. */
export async function countAccountsByStatus(db: Queryable, orgId: string, filters: AccountListFilters, now = new Date()): Promise<StatusCounts> {
  const scope = counterScope(filters);
  if (scope) return statusCountsOf(await countedBuckets(db, orgId, scope.csm));
  return countAccountsByStatusOverRows(db, orgId, filters, now);
}

/** The same counts by counting the rows the filters select: the fallback, and the reference the counters are checked against. */
export async function countAccountsByStatusOverRows(db: Queryable, orgId: string, filters: AccountListFilters, now = new Date()): Promise<StatusCounts> {
  const rows = await accountStatusCountStatement(db, orgId, filters, now);
  const counts = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/**
 * The dashboard's list: one page of rows and the tab counts. The page's total comes from the
 * counts (the chosen tab's, or their sum), which saves a third statement per request.
 */
export async function listAccountsWithStatusCounts(db: Queryable, orgId: string, query: AccountListQuery, now = new Date()) {
  const [items, counts] = await Promise.all([
    accountListStatements(db, orgId, query, now).items,
    countAccountsByStatus(db, orgId, query, now),
  ]);
  const all = LIFECYCLE_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  return { items: await completeRows(db, orgId, items, now), counts, all, total: query.status ? counts[query.status] : all };
}

// ---- the list's portfolio header (issue 14) ----------------------------------------------------------------

/** Accounts and their ARR in one status. */
export interface PortfolioStatusFigures { accounts: number; arr: number }

export interface PortfolioSummary {
  byStatus: Record<LifecycleStatus, PortfolioStatusFigures>;
  /** Accounts at risk: status at_risk, or a current health tier of At risk or Critical, churned ones left out. */
  atRisk: PortfolioStatusFigures;
  /** Accounts waiting for their AE's handoff (pending_handoff), and since when the oldest has waited (its creation). */
  waitingOnAe: { accounts: number; oldestSince: Date | null };
}

/**
 * The portfolio the list's filters select, whatever its status filter (the header breaks it down
 * per status, like the tabs). The only place the header's figures come from: the per-organisation
 * counters when they answer the filters (status and CSM only, the common views), whatever the
 * number of accounts; otherwise one grouped statement over the rows the filters select.
 */
export async function portfolioSummary(db: Queryable, orgId: string, filters: AccountListFilters = {}, now = new Date()): Promise<PortfolioSummary> {
  const scope = counterScope(filters);
  return scope ? portfolioFromCounters(db, orgId, scope.csm) : portfolioOverRows(db, orgId, filters, now);
}

/** The oldest account still waiting for its handoff, everyone's or one CSM's (null: the unassigned): one entry of a partial index. */
async function oldestPendingHandoff(db: Queryable, orgId: string, csm: string | null | undefined): Promise<Date | null> {
  const [row] = await db.select({ oldest: sql<Date | string | null>`min(${accounts.createdAt})` }).from(accounts)
    .where(and(
      eq(accounts.orgId, orgId), eq(accounts.status, 'pending_handoff'),
      csm === undefined ? undefined : csm === null ? isNull(accounts.csmUserId) : eq(accounts.csmUserId, csm),
    ));
  return row?.oldest == null ? null : new Date(row.oldest);
}

async function portfolioFromCounters(db: Queryable, orgId: string, csm: string | null | undefined): Promise<PortfolioSummary> {
  const [buckets, oldest] = await Promise.all([countedBuckets(db, orgId, csm), oldestPendingHandoff(db, orgId, csm)]);
  const byStatus = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, { accounts: 0, arr: 0 }])) as Record<LifecycleStatus, PortfolioStatusFigures>;
  const summary: PortfolioSummary = { byStatus, atRisk: { accounts: 0, arr: 0 }, waitingOnAe: { accounts: 0, oldestSince: null } };
  for (const b of buckets) {
    byStatus[b.status].accounts += b.accounts;
    byStatus[b.status].arr += b.arr;
    if (b.status === 'at_risk' || (b.status !== 'churned' && b.healthBad)) {
      summary.atRisk.accounts += b.accounts;
      summary.atRisk.arr += b.arr;
    }
  }
  const waiting = byStatus.pending_handoff.accounts;
  // Two reads, two snapshots: a handoff taken in between must not leave a date beside no accounts.
  summary.waitingOnAe = { accounts: waiting, oldestSince: waiting ? oldest : null };
  return summary;
}

/** The header's figures by one grouped statement over the rows the filters select: the fallback, and the reference the counters are checked against. */
export async function portfolioOverRows(db: Queryable, orgId: string, filters: AccountListFilters = {}, now = new Date()): Promise<PortfolioSummary> {
  const atRisk = sql`(${accounts.status} = 'at_risk' or (${accounts.status} <> 'churned' and ${accountHealth.tier} in ('at_risk', 'critical')))`;
  const rows = await db.select({
    status: accounts.status,
    n: count(),
    arr: sql<string>`coalesce(sum(${accounts.arr}), 0)`,
    atRiskN: sql<string>`count(*) filter (where ${atRisk})`,
    atRiskArr: sql<string>`coalesce(sum(${accounts.arr}) filter (where ${atRisk}), 0)`,
    oldest: sql<Date | string | null>`min(${accounts.createdAt})`,
  }).from(accounts).leftJoin(accountHealth, healthJoin(orgId))
    .where(and(...filterConditions(orgId, { ...filters, status: undefined }, now)))
    .groupBy(accounts.status);
  const byStatus = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, { accounts: 0, arr: 0 }])) as Record<LifecycleStatus, PortfolioStatusFigures>;
  const summary: PortfolioSummary = { byStatus, atRisk: { accounts: 0, arr: 0 }, waitingOnAe: { accounts: 0, oldestSince: null } };
  for (const row of rows) {
    byStatus[row.status] = { accounts: row.n, arr: Number(row.arr) };
    summary.atRisk.accounts += Number(row.atRiskN);
    summary.atRisk.arr += Number(row.atRiskArr);
    if (row.status === 'pending_handoff') summary.waitingOnAe = { accounts: row.n, oldestSince: row.oldest === null ? null : new Date(row.oldest) };
  }
  return summary;
}

/**
 * The dashboard's list with its portfolio header: one page of rows, and the header's figures per
 * status, which are the tab counts too (the same filters, every status), so no separate count runs.
 */
export async function listAccountsWithPortfolio(db: Queryable, orgId: string, query: AccountListQuery, now = new Date()) {
  const [items, portfolio] = await Promise.all([accountListStatements(db, orgId, query, now).items, portfolioSummary(db, orgId, query, now)]);
  const counts = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, portfolio.byStatus[s].accounts])) as StatusCounts;
  const all = LIFECYCLE_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  return { items: await completeRows(db, orgId, items, now), counts, all, total: query.status ? counts[query.status] : all, portfolio };
}

/** The organisation's accounts among these IDs (others' IDs are simply not found), with what a bulk action reports. */
export async function accountsForBulkAction(db: Queryable, orgId: string, accountIds: string[]) {
  if (!accountIds.length) return [];
  return db.select({ id: accounts.id, companyName: accounts.companyName, status: accounts.status, csmUserId: accounts.csmUserId }).from(accounts)
    .where(and(eq(accounts.orgId, orgId), inArray(accounts.id, accountIds)));
}

// ---- what health scoring reads -------------------------------------------------------------------------

/** The accounts a scoring run covers: every one but the churned, as ranges of IDs `batchSize` long (ID order). */
export async function scorableAccountRanges(db: Queryable, orgId: string, batchSize: number): Promise<{ total: number; ranges: { after: string | null; upTo: string }[] }> {
  const rows = await db.execute(sql`
    select id, n from (
      select id, row_number() over (order by id) as n, count(*) over () as total
      from ${accounts} where org_id = ${orgId} and status <> 'churned'
    ) numbered where n % ${batchSize} = 0 or n = total order by id`);
  const list = rowsOf<{ id: string; n: number | string }>(rows);
  const ranges: { after: string | null; upTo: string }[] = [];
  let after: string | null = null;
  for (const r of list) {
    ranges.push({ after, upTo: r.id });
    after = r.id;
  }
  const total = list.length ? Number(list[list.length - 1]!.n) : 0;
  return { total, ranges };
}

/** The scorable accounts with IDs in (after, upTo]: their status and creation. */
export async function scorableAccountsInRange(db: Queryable, orgId: string, range: { after: string | null; upTo: string }) {
  return db.select({ id: accounts.id, status: accounts.status, createdAt: accounts.createdAt }).from(accounts)
    .where(and(eq(accounts.orgId, orgId), ne(accounts.status, 'churned'), lte(accounts.id, range.upTo), ...(range.after ? [gt(accounts.id, range.after)] : [])))
    .orderBy(accounts.id);
}

/** These accounts' status and creation (any status: the rescorer skips the churned itself). */
export async function accountsForScoring(db: Queryable, orgId: string, accountIds: string[]) {
  if (!accountIds.length) return [];
  return db.select({ id: accounts.id, status: accounts.status, createdAt: accounts.createdAt }).from(accounts)
    .where(and(eq(accounts.orgId, orgId), inArray(accounts.id, accountIds)));
}

/** An account still waiting for its first run to begin: pending_handoff, and no `account_created` entry from its run. */
const awaitingFirstRun = () => and(
  eq(accounts.status, 'pending_handoff'),
  sql`not exists (select 1 from timeline_events te where te.dedupe_key = ${accounts.workflowId} || ':created')`,
);

/**
 * Accounts stored but whose run never began: still pending_handoff, created between the two times,
 * and no `account_created` entry from their run (its dedupe key is `<workflowId>:created`). Every
 * organisation's, on purpose: the reconciler is a system job.
 */
export async function findAccountsAwaitingFirstRun(db: Queryable, window: { createdAfter: Date; createdBefore: Date; limit: number; orgId?: string }) {
  return db.select({ orgId: accounts.orgId, accountId: accounts.id, workflowId: accounts.workflowId }).from(accounts)
    .where(and(
      window.orgId ? eq(accounts.orgId, window.orgId) : undefined,
      awaitingFirstRun(), gt(accounts.createdAt, window.createdAfter), lt(accounts.createdAt, window.createdBefore),
    ))
    .orderBy(asc(accounts.createdAt)).limit(window.limit);
}

/**
 * Takes back an account whose run could not be started, so a refused create leaves nothing behind.
 * Only while nothing else refers to it: once its run (started after all, unseen) wrote anything, the
 * foreign keys refuse the delete and the account stays, driven by that run. True when it was removed.
 */
export async function removeUnstartedAccount(db: Queryable, orgId: string, accountId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.delete(accountDomains).where(and(eq(accountDomains.orgId, orgId), eq(accountDomains.accountId, accountId)));
    const removed = await tx.delete(accounts).where(byAccount(orgId, accountId)).returning({ id: accounts.id });
    return removed.length > 0;
  });
}

// ---- creating accounts in bulk (issue 13: the CSV import) ------------------------------------------------

/** 1,000 accounts of ~22 columns stay well under Postgres' 65,535 parameters per statement. */
const BULK_INSERT_CHUNK = 1_000;

/**
 * Stores new accounts and claims their domains, a statement per table for the lot (insertAccountWithDomains,
 * many at once). Domains go in sorted, so two bulk inserts that meet on a domain wait for each other rather
 * than deadlock; a domain already held raises the unique index's violation and nothing is stored.
 */
export async function insertAccountsWithDomains(db: Queryable, created: { account: NewAccount; domains: string[] }[]): Promise<void> {
  for (let i = 0; i < created.length; i += BULK_INSERT_CHUNK) {
    await db.insert(accounts).values(created.slice(i, i + BULK_INSERT_CHUNK).map(({ account, domains }) => ({ ...account, searchText: accountSearchText(account, domains) })));
  }
  const claimed = created.flatMap(({ account, domains }) => domains.map((domain, i) => ({ orgId: account.orgId, accountId: account.id, domain, isPrimary: i === 0 })))
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  for (let i = 0; i < claimed.length; i += BULK_INSERT_CHUNK * 4) {
    await db.insert(accountDomains).values(claimed.slice(i, i + BULK_INSERT_CHUNK * 4));
  }
}

/**
 * Of these accounts of the organisation, those still waiting for their first run to begin: pending_handoff
 * and no `account_created` entry from their run (awaitingFirstRun, for a known list),
 * with the company and domains their start and event matching need.
 */
export async function accountsAwaitingFirstRunAmong(db: Queryable, orgId: string, accountIds: string[]): Promise<{ id: string; companyName: string; domains: string[] }[]> {
  if (!accountIds.length) return [];
  const rows = await db.select({
    id: accounts.id, companyName: accounts.companyName,
    domains: sql<string[] | null>`(select array_agg(d.domain order by d.is_primary desc, d.domain) from ${accountDomains} d where d.org_id = ${orgId} and d.account_id = ${accounts.id})`,
  }).from(accounts).where(and(eq(accounts.orgId, orgId), inArray(accounts.id, accountIds), awaitingFirstRun()));
  return rows.map((r) => ({ id: r.id, companyName: r.companyName, domains: r.domains ?? [] }));
}
