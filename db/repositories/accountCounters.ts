import { and, eq, isNull, sql } from 'drizzle-orm';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../domain/lifecycle.ts';
import type { Queryable } from '../client.ts';
import { accountCounters } from '../schema/index.ts';

/** Accounts and ARR in one status, split by whether their current health tier is At risk or Critical. */
export interface CountedBucket { status: LifecycleStatus; healthBad: boolean; accounts: number; arr: number }

/**
 * The organisation's counters (kept by migration 0015's triggers), everyone's or one CSM's: `csm`
 * undefined for every account, null for the unassigned ones, or a user ID. A handful of rows per
 * status whatever the number of accounts; buckets at zero may be among them.
 */
export async function countedBuckets(db: Queryable, orgId: string, csm: string | null | undefined): Promise<CountedBucket[]> {
  const rows = await countedBucketsStatement(db, orgId, csm);
  return rows.map((r) => ({ status: r.status, healthBad: r.healthBad, accounts: Number(r.accounts), arr: Number(r.arr) }));
}

/** The statement countedBuckets runs, unexecuted, so the benchmark can EXPLAIN it. */
export function countedBucketsStatement(db: Queryable, orgId: string, csm: string | null | undefined) {
  return db.select({
    status: accountCounters.status,
    healthBad: accountCounters.healthBad,
    accounts: sql<string>`sum(${accountCounters.accounts})`,
    arr: sql<string>`sum(${accountCounters.arr})`,
  }).from(accountCounters)
    .where(and(
      eq(accountCounters.orgId, orgId),
      csm === undefined ? undefined : csm === null ? isNull(accountCounters.csmUserId) : eq(accountCounters.csmUserId, csm),
    ))
    .groupBy(accountCounters.status, accountCounters.healthBad);
}

/**
 * Accounts per lifecycle status across every organisation: the operator's gauge (/metrics), not a
 * request of one organisation. Summed from the counters: a few rows per organisation, never the accounts.
 */
export async function countAllAccountsByStatus(db: Queryable): Promise<Record<LifecycleStatus, number>> {
  const rows = await db.select({ status: accountCounters.status, n: sql<string>`sum(${accountCounters.accounts})` })
    .from(accountCounters).groupBy(accountCounters.status);
  const counts = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as Record<LifecycleStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
