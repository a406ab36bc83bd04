/**
 * The per-organisation account counters (issue 13, migration 0015): the accounts list's tabs and
 * portfolio header for its common views (everyone's, one CSM's, the unassigned, their status tabs)
 * come from counters kept by database triggers. Whatever writes accounts or their health, the
 * figures they serve must be the ones counting the rows gives, organisation by organisation, and
 * concurrent writers must neither deadlock on them nor leave them off.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database, type DatabaseHandle } from '../db/client.ts';
import { countedBuckets } from '../db/repositories/accountCounters.ts';
import {
  countAccountsByStatus, countAccountsByStatusOverRows, insertAccountWithDomains, listAccounts, listAccountsWithPortfolio,
  portfolioOverRows, portfolioSummary, readEditableAccount, removeUnstartedAccount, setAccountCsm, setAccountStatus,
  touchAccountActivity, updateEditedAccount, type AccountListFilters, type NewAccount,
} from '../db/repositories/accounts.ts';
import { saveScores } from '../db/repositories/health.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import { seedOrganisation, type SeededOrganisation } from '../db/seed/seedOrganisation.ts';
import { accountCounters, accountHealth, accountHealthDays, accounts } from '../db/schema/index.ts';
import type { HealthTier } from '../domain/health.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';

const DAY = 86_400_000;

let database: DatabaseHandle;
let db: Database;

beforeAll(async () => {
  database = await openDatabase({ url: inject('databaseUrl'), dataDir: '.data', max: 8 });
  db = database.db;
});
afterAll(async () => { await database?.close(); });

interface Org extends SeededOrganisation { versionId: string }

async function newOrg(): Promise<Org> {
  const suffix = randomUUID().slice(0, 8);
  const org = await seedOrganisation(db, {
    name: `Counters ${suffix}`, slug: `counters-${suffix}`, admin: { email: `admin-${suffix}@relay.test`, name: 'Ada Admin' },
    csms: ['casey', 'robin', 'sam'].map((n) => ({ email: `${n}-${suffix}@relay.test`, name: n })),
  });
  const version = await findCurrentTemplateVersion(db, org.orgId, { templateName: 'Quick Start' });
  return { ...org, versionId: version!.id };
}

interface Seed { name?: string; status: LifecycleStatus; arr: number; csm: string | null; createdDaysAgo?: number }

function accountRow(org: Org, a: Seed): NewAccount {
  const id = randomUUID();
  const domain = `${(a.name ?? 'acct').toLowerCase().replace(/\W+/g, '-')}-${id.slice(0, 8)}.example`;
  return {
    id, orgId: org.orgId, companyName: a.name ?? `Account ${id.slice(0, 6)}`, arr: a.arr, closeDate: '2026-10-01', primaryContactName: 'Pat Contact',
    primaryContactEmail: `pat@${domain}`, primaryDomain: domain, status: a.status, csmUserId: a.csm, templateVersionId: org.versionId,
    workflowId: `account-${id}`, createdAt: new Date(Date.now() - (a.createdDaysAgo ?? 0) * DAY - 60_000),
  };
}

async function addAccount(org: Org, a: Seed): Promise<string> {
  const row = accountRow(org, a);
  await insertAccountWithDomains(db, row, [row.primaryDomain!]);
  return row.id;
}

async function score(org: Org, tiers: Record<string, HealthTier | null>): Promise<void> {
  const scoreOf: Record<HealthTier, number> = { healthy: 85, needs_attention: 65, at_risk: 45, critical: 20 };
  await saveScores(db, org.orgId, new Date().toISOString().slice(0, 10), new Date(), Object.entries(tiers).map(([accountId, tier]) => ({
    accountId, score: tier ? scoreOf[tier] : null, tier, factors: [], excluded: [], configVersion: 0,
  })));
}

/** The views the counters answer: everyone's, each CSM's, the unassigned, and status tabs under them. */
const counterViews = (org: Org): AccountListFilters[] => [
  {}, { status: 'active' }, { status: 'pending_handoff' },
  ...org.csms.flatMap((c) => [{ csm: c.id }, { csm: c.id, status: 'at_risk' as const }]),
  { csm: 'unassigned' }, { csm: 'unassigned', status: 'pending_handoff' },
];

/** Every figure the counters serve equals the same figure counted over the rows. */
async function expectCountersAgree(org: Org): Promise<void> {
  for (const filters of counterViews(org)) {
    const what = JSON.stringify(filters);
    expect(await portfolioSummary(db, org.orgId, filters), what).toEqual(await portfolioOverRows(db, org.orgId, filters));
    expect(await countAccountsByStatus(db, org.orgId, filters), what).toEqual(await countAccountsByStatusOverRows(db, org.orgId, filters));
    const counted = await countAccountsByStatusOverRows(db, org.orgId, filters);
    const { total } = await listAccounts(db, org.orgId, { ...filters, page: 1, pageSize: 5 });
    expect(total, what).toBe(filters.status ? counted[filters.status] : Object.values(counted).reduce((a, b) => a + b, 0));
  }
}

describe('account counters', () => {
  it('serve the tabs and the portfolio header exactly as counting would, through every kind of write', async () => {
    const org = await newOrg();
    const [casey, robin, sam] = org.csms.map((c) => c.id) as [string, string, string];

    // Inserts, one at a time.
    const alpha = await addAccount(org, { name: 'Alpha', status: 'active', arr: 100_000, csm: casey });
    const bravo = await addAccount(org, { name: 'Bravo', status: 'active', arr: 50_000, csm: casey });
    const charlie = await addAccount(org, { name: 'Charlie', status: 'at_risk', arr: 20_000, csm: robin });
    const echo = await addAccount(org, { name: 'Echo', status: 'pending_handoff', arr: 10_000, csm: null, createdDaysAgo: 4 });
    const foxtrot = await addAccount(org, { name: 'Foxtrot', status: 'pending_handoff', arr: 30_000, csm: null, createdDaysAgo: 1 });
    const golf = await addAccount(org, { name: 'Golf', status: 'churned', arr: 70_000, csm: sam });

    // What a person reads in the header, from the counters.
    const header = await portfolioSummary(db, org.orgId);
    expect(header.byStatus.active).toEqual({ accounts: 2, arr: 150_000 });
    expect(header.byStatus.pending_handoff).toEqual({ accounts: 2, arr: 40_000 });
    expect(header.atRisk).toEqual({ accounts: 1, arr: 20_000 });
    expect(header.waitingOnAe.accounts).toBe(2);
    expect(Date.now() - header.waitingOnAe.oldestSince!.getTime()).toBeGreaterThan(4 * DAY);
    expect((await portfolioSummary(db, org.orgId, { csm: casey })).byStatus.active).toEqual({ accounts: 2, arr: 150_000 });
    await expectCountersAgree(org);

    // A bulk insert: many rows in one statement (the CSV import's batches, a COPY).
    const statuses: LifecycleStatus[] = ['pending_handoff', 'active', 'at_risk', 'completed', 'churned'];
    const csms = [casey, robin, sam, null];
    const bulk = Array.from({ length: 40 }, (_, i) => accountRow(org, { status: statuses[i % 5]!, arr: 1_000 * (i + 1), csm: csms[i % 4]!, createdDaysAgo: i % 7 }));
    await db.insert(accounts).values(bulk);
    await expectCountersAgree(org);

    // Status changes (the workflow's projection), including into and out of at_risk and pending_handoff.
    await setAccountStatus(db, org.orgId, echo, 'active');
    await setAccountStatus(db, org.orgId, alpha, 'at_risk');
    await setAccountStatus(db, org.orgId, charlie, 'completed');
    await expectCountersAgree(org);

    // CSM changes: assigning an unassigned account, moving one between CSMs.
    await setAccountCsm(db, org.orgId, echo, robin);
    await setAccountCsm(db, org.orgId, bravo, sam);
    await expectCountersAgree(org);

    // An ARR edit through the edit path (only the ARR changes).
    const editable = (await readEditableAccount(db, org.orgId, bravo, { lock: false }))!;
    const { domains, ...fields } = editable;
    await updateEditedAccount(db, org.orgId, bravo, { ...fields, arr: 55_500 }, domains.map((d) => d.domain), false);
    expect((await portfolioSummary(db, org.orgId, { csm: sam })).byStatus.active.arr).toBe(55_500 + bulk.filter((b) => b.csmUserId === sam && b.status === 'active').reduce((n, b) => n + b.arr, 0));
    await expectCountersAgree(org);

    // Health tiers: first scores (inserts), rescoring across the At risk line both ways, a null tier.
    await score(org, { [bravo]: 'critical', [golf]: 'critical', [foxtrot]: 'at_risk', [echo]: 'healthy' });
    expect((await portfolioSummary(db, org.orgId, { csm: sam })).atRisk.accounts).toBe(1 + bulk.filter((b) => b.csmUserId === sam && b.status === 'at_risk').length);
    await expectCountersAgree(org);
    await score(org, { [bravo]: 'healthy', [echo]: 'needs_attention', [foxtrot]: null, [alpha]: 'at_risk' });
    await expectCountersAgree(org);
    await score(org, { [bravo]: 'at_risk', [echo]: 'critical' });
    await expectCountersAgree(org);
    // A scoring batch across many accounts in one statement.
    const tiers: (HealthTier | null)[] = ['healthy', 'critical', 'at_risk', 'needs_attention', null];
    await score(org, Object.fromEntries(bulk.map((b, i) => [b.id, tiers[(i * 3) % 5]!])));
    await expectCountersAgree(org);
    await score(org, Object.fromEntries(bulk.map((b, i) => [b.id, tiers[(i * 7 + 1) % 5]!])));
    await expectCountersAgree(org);

    // Status changes of accounts with a bad health tier move them between the counted buckets too.
    await setAccountStatus(db, org.orgId, bravo, 'churned');
    await setAccountStatus(db, org.orgId, echo, 'at_risk');
    await expectCountersAgree(org);

    // Deletes (an account whose run could not start), and an update that changes nothing counted.
    const unstarted = await addAccount(org, { status: 'pending_handoff', arr: 12_345, csm: null });
    expect(await removeUnstartedAccount(db, org.orgId, unstarted)).toBe(true);
    await expectCountersAgree(org);
    // Deleting scored accounts: their health rows go first (some At risk or Critical), then several accounts in one statement.
    const gone = bulk.slice(0, 6).map((b) => b.id);
    await db.transaction(async (tx) => {
      await tx.delete(accountHealthDays).where(inArray(accountHealthDays.accountId, gone));
      await tx.delete(accountHealth).where(inArray(accountHealth.accountId, gone));
      await tx.delete(accounts).where(inArray(accounts.id, gone));
    });
    await expectCountersAgree(org);
    const counters = () => db.select().from(accountCounters).where(eq(accountCounters.orgId, org.orgId)).orderBy(accountCounters.csmUserId, accountCounters.status, accountCounters.healthBad);
    const before = await counters();
    await touchAccountActivity(db, org.orgId, alpha);
    expect(await counters()).toEqual(before);
    await expectCountersAgree(org);
  });

  it('are read for the common views and not for other filters', async () => {
    const org = await newOrg();
    await addAccount(org, { name: 'Alpha', status: 'active', arr: 100_000, csm: org.csms[0]!.id });
    // Inflate the counters inside a transaction that never commits: only the views they serve change.
    await db.transaction(async (tx) => {
      await tx.update(accountCounters).set({ accounts: sql`${accountCounters.accounts} + 1000` }).where(eq(accountCounters.orgId, org.orgId));
      expect((await portfolioSummary(tx, org.orgId)).byStatus.active.accounts).toBe(1001);
      expect((await listAccountsWithPortfolio(tx, org.orgId, { csm: org.csms[0]!.id, page: 1, pageSize: 25 })).counts.active).toBe(1001);
      expect((await portfolioSummary(tx, org.orgId, { q: 'alpha' })).byStatus.active.accounts).toBe(1);
      expect((await countAccountsByStatus(tx, org.orgId, { arrMin: 1 })).active).toBe(1);
      expect((await portfolioSummary(tx, org.orgId, { behindPlan: false })).byStatus.active.accounts).toBe(1001);
      tx.rollback();
    }).catch((error: unknown) => {
      if (!(error instanceof Error && /rollback/i.test(error.message))) throw error;
    });
    expect((await portfolioSummary(db, org.orgId)).byStatus.active.accounts).toBe(1);
  });

  it('never mix two organisations', async () => {
    const a = await newOrg();
    const b = await newOrg();
    await addAccount(a, { status: 'active', arr: 10_000, csm: a.csms[0]!.id });
    await addAccount(b, { status: 'active', arr: 99_000, csm: b.csms[0]!.id });
    await addAccount(b, { status: 'pending_handoff', arr: 5_000, csm: null, createdDaysAgo: 9 });
    const headerA = await portfolioSummary(db, a.orgId);
    expect(headerA.byStatus.active).toEqual({ accounts: 1, arr: 10_000 });
    expect(headerA.waitingOnAe).toEqual({ accounts: 0, oldestSince: null });
    // Another organisation's CSM selects nothing here, even from the counters.
    expect(Object.values(await countAccountsByStatus(db, a.orgId, { csm: b.csms[0]!.id })).every((n) => n === 0)).toBe(true);
    expect((await portfolioSummary(db, a.orgId, { csm: 'unassigned' })).waitingOnAe).toEqual({ accounts: 0, oldestSince: null });
    expect((await countedBuckets(db, b.orgId, undefined)).reduce((n, x) => n + x.accounts, 0)).toBe(2);
    await expectCountersAgree(a);
    await expectCountersAgree(b);
  });

  it('stay right under concurrent status changes and scoring in one organisation, without deadlocks', async () => {
    const org = await newOrg();
    const [casey, robin, sam] = org.csms.map((c) => c.id) as [string, string, string];
    const rows = Array.from({ length: 48 }, (_, i) => accountRow(org, {
      status: i % 2 ? 'active' : 'at_risk', arr: 1_000 + i, csm: [casey, robin, sam, null][i % 4]!,
    }));
    await db.insert(accounts).values(rows);
    const ids = rows.map((r) => r.id);

    // One account per transaction, as the workflow's projection writes it, holding its locks a moment.
    const flip = async (id: string, to: LifecycleStatus) => db.transaction(async (tx) => {
      await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id)).for('update');
      await setAccountStatus(tx, org.orgId, id, to);
      await tx.execute(sql`select pg_sleep(0.005)`);
    });
    // Accounts of several CSMs moving opposite ways in one statement, 2 to 12 at a time: transactions
    // need overlapping sets of counter rows, and must take them in one order. Like any writer of many
    // accounts at once, it locks them in ID order first, the order the health trigger locks them in.
    const swap = async (some: string[]) => db.transaction(async (tx) => {
      await tx.select({ id: accounts.id }).from(accounts).where(inArray(accounts.id, some)).orderBy(accounts.id).for('no key update');
      await tx.update(accounts).set({ status: sql`case ${accounts.status} when 'active' then 'at_risk' else 'active' end` }).where(inArray(accounts.id, some));
      await tx.execute(sql`select pg_sleep(0.005)`);
    });
    // A scoring batch: accounts in ID order (as scorableAccountsInRange takes them), tiers crossing
    // the At risk line both ways, in one transaction that goes on a moment after saving (it signals).
    const byId = (await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.orgId, org.orgId)).orderBy(accounts.id)).map((r) => r.id);
    const rescore = async (batch: string[], round: number) => db.transaction(async (tx) => {
      const tiers: HealthTier[] = ['healthy', 'critical', 'at_risk', 'needs_attention'];
      await saveScores(tx, org.orgId, new Date().toISOString().slice(0, 10), new Date(), batch.map((id, i) => ({
        accountId: id, score: 50, tier: tiers[(i + round) % 4]!, factors: [], excluded: [], configVersion: 0,
      })));
      await tx.execute(sql`select pg_sleep(0.005)`);
    });
    // Two scoring runs at once (the nightly run and the rescorer), each a batch after another, on their own accounts.
    const scoringRun = async (batch: string[]) => { for (let round = 0; round < 6; round++) await rescore(batch, round); };

    const work: Promise<unknown>[] = [scoringRun(byId.slice(0, 24)), scoringRun(byId.slice(24))];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < ids.length; i += 2) {
        work.push((round + i) % 4 === 0 ? swap(ids.slice(i, i + 2 + ((round + i) % 3) * 5)) : flip(ids[(i + round) % ids.length]!, (round + i) % 3 ? 'active' : 'at_risk'));
      }
    }
    const outcomes = await Promise.allSettled(work);
    // A deadlock (40P01) would show here, as the cause of a failed query.
    const causes = outcomes.filter((o) => o.status === 'rejected').map((o) => {
      const reason = (o as PromiseRejectedResult).reason as Error & { cause?: { message?: string; detail?: string; where?: string } };
      return [reason.cause?.message ?? reason.message, reason.cause?.detail, reason.cause?.where].filter(Boolean).join(' | ');
    });
    expect(causes).toEqual([]);
    await expectCountersAgree(org);
  });
});
