import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { DEFAULT_HEALTH_CONFIG, healthConfigSchema, type FactorResult, type HealthConfig, type HealthTier } from '../../domain/health.ts';
import type { Queryable } from '../client.ts';
import { newId } from '../ids.ts';
import { executePrepared } from '../prepared.ts';
import { rowsOf } from '../rows.ts';
import {
  accountHealth, accountHealthDays, accountPulses, accountThreads, healthConfigs, healthRescoreQueue, orgEventTypes, organisations,
  type ExcludedFactor, type ThreadKind,
} from '../schema/index.ts';

// ---- configuration, one version per save ----------------------------------------------------------

export interface VersionedHealthConfig { version: number; config: HealthConfig; createdAt: Date | null }

/** The configuration in force: the latest saved version, or the defaults as version 0. */
export async function currentHealthConfig(db: Queryable, orgId: string): Promise<VersionedHealthConfig> {
  const [row] = await db.select().from(healthConfigs).where(eq(healthConfigs.orgId, orgId)).orderBy(desc(healthConfigs.version)).limit(1);
  if (!row) return { version: 0, config: DEFAULT_HEALTH_CONFIG, createdAt: null };
  // Stored configs were valid when saved; parsing again fills defaults a later release added.
  const parsed = healthConfigSchema.safeParse(row.config);
  return { version: row.version, config: parsed.success ? parsed.data : DEFAULT_HEALTH_CONFIG, createdAt: row.createdAt };
}

/** Stores the configuration as the next version; concurrent saves each get their own version. */
export async function insertHealthConfigVersion(db: Queryable, orgId: string, config: HealthConfig, createdByUserId: string | null): Promise<number> {
  const [row] = rowsOf<{ version: number }>(await db.execute(sql`
    insert into ${healthConfigs} (org_id, version, config, created_by_user_id)
    select ${orgId}, coalesce(max(version), 0) + 1, ${JSON.stringify(config)}::jsonb, ${createdByUserId}
    from ${healthConfigs} where org_id = ${orgId}
    on conflict (org_id, version) do nothing
    returning version`));
  if (!row) return insertHealthConfigVersion(db, orgId, config, createdByUserId);
  return Number(row.version);
}

export async function listHealthConfigVersions(db: Queryable, orgId: string, limit = 20) {
  return db.select({ version: healthConfigs.version, createdAt: healthConfigs.createdAt, createdByUserId: healthConfigs.createdByUserId })
    .from(healthConfigs).where(eq(healthConfigs.orgId, orgId)).orderBy(desc(healthConfigs.version)).limit(limit);
}

/** Every organisation with its schedule (its latest version's, or the default): one query, at every start-up. */
export async function listOrganisationHealthSchedules(db: Queryable): Promise<{ orgId: string; schedule: HealthConfig['schedule'] }[]> {
  const rows = await db.selectDistinctOn([organisations.id], { orgId: organisations.id, config: healthConfigs.config })
    .from(organisations).leftJoin(healthConfigs, eq(healthConfigs.orgId, organisations.id))
    .orderBy(organisations.id, desc(healthConfigs.version));
  return rows.map((r) => {
    const parsed = r.config ? healthConfigSchema.safeParse(r.config) : null;
    return { orgId: r.orgId, schedule: (parsed?.success ? parsed.data : DEFAULT_HEALTH_CONFIG).schedule };
  });
}

// ---- the rescore queue -----------------------------------------------------------------------------

/** Marks accounts as changed; an account already waiting keeps its place (the debounce). */
export async function enqueueRescore(db: Queryable, orgId: string, accountIds: string[]): Promise<void> {
  // In key order, as every other upsert of an ingestion batch: concurrent batches never deadlock (found by the bench).
  const ids = [...new Set(accountIds)].sort();
  if (!ids.length) return;
  // One jsonb parameter: an ingestion batch names hundreds of accounts, and building a VALUES row per
  // account cost more than the insert (so did postgres.js's escaping of an array parameter). Prepared:
  // every ingestion batch runs it.
  await executePrepared(db, sql`
    insert into ${healthRescoreQueue} (account_id, org_id)
    select id, ${orgId} from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as id order by 1
    on conflict do nothing`);
}

/**
 * Takes up to `limit` accounts that have waited at least `settleMs`, oldest first, and removes them
 * from the queue. Call inside the transaction that writes their scores: if scoring fails, they stay.
 * SKIP LOCKED lets two rescorers (a rescorer and its next run) share the queue without waiting.
 */
export async function takeSettledRescores(tx: Queryable, opts: { settleMs: number; limit: number; orgIds?: string[] | undefined }): Promise<{ orgId: string; accountId: string; since: Date }[]> {
  const orgFilter = opts.orgIds ? sql`and org_id in (select jsonb_array_elements_text(${JSON.stringify(opts.orgIds)}::jsonb))` : sql``;
  const rows = rowsOf<{ org_id: string; account_id: string; since: Date | string }>(await tx.execute(sql`
    delete from ${healthRescoreQueue} where account_id in (
      select account_id from ${healthRescoreQueue}
      where since <= now() - make_interval(secs => ${opts.settleMs / 1000}) ${orgFilter}
      order by since limit ${opts.limit} for update skip locked)
    returning org_id, account_id, since`));
  return rows.map((r) => ({ orgId: r.org_id, accountId: r.account_id, since: new Date(r.since) }));
}

// ---- CSM Pulse --------------------------------------------------------------------------------------

export async function insertPulse(db: Queryable, pulse: { orgId: string; accountId: string; score: number; note: string; setByUserId: string | null; setBy: string }) {
  const [row] = await db.insert(accountPulses).values({ id: newId(), ...pulse }).returning();
  return row!;
}

export async function listPulses(db: Queryable, orgId: string, accountId: string, limit = 10) {
  return db.select({ score: accountPulses.score, note: accountPulses.note, setBy: accountPulses.setBy, setAt: accountPulses.setAt })
    .from(accountPulses).where(and(eq(accountPulses.orgId, orgId), eq(accountPulses.accountId, accountId)))
    .orderBy(desc(accountPulses.setAt)).limit(limit);
}

// ---- scores ----------------------------------------------------------------------------------------

export interface AccountScore {
  accountId: string;
  score: number | null;
  tier: HealthTier | null;
  factors: FactorResult[];
  excluded: ExcludedFactor[];
  configVersion: number;
}

export interface StoredHealth {
  accountId: string; score: number | null; tier: HealthTier | null; factors: FactorResult[]; excluded: ExcludedFactor[];
  configVersion: number; computedAt: Date; previousTier: HealthTier | null; tierSince: Date;
}

/** The latest scores of these accounts (none for an account never scored). */
export async function latestHealth(db: Queryable, orgId: string, accountIds: string[]): Promise<Map<string, StoredHealth>> {
  if (!accountIds.length) return new Map();
  const rows = await db.select().from(accountHealth).where(and(eq(accountHealth.orgId, orgId), inArray(accountHealth.accountId, accountIds)));
  return new Map(rows.map((r) => [r.accountId, r]));
}

/**
 * Writes each account's latest score and today's point of its history, in two statements whatever
 * the batch size. A second scoring the same day replaces that day's point (idempotent per day). The
 * tier's start moves only when the tier changes; the tier before is kept for the trend.
 */
export async function saveScores(db: Queryable, orgId: string, day: string, computedAt: Date, scores: AccountScore[]): Promise<void> {
  if (!scores.length) return;
  const at = computedAt.toISOString();
  const rows = JSON.stringify(scores.map((s) => ({
    account_id: s.accountId, score: s.score, tier: s.tier, factors: s.factors, excluded: s.excluded, config_version: s.configVersion,
    factor_scores: Object.fromEntries(s.factors.map((f) => [f.key, f.score])),
  })));
  await db.execute(sql`
    insert into ${accountHealth} (account_id, org_id, score, tier, factors, excluded, config_version, computed_at, previous_tier, tier_since)
    select r.account_id, ${orgId}, r.score, r.tier, r.factors, r.excluded, r.config_version, ${at}::timestamptz, null, ${at}::timestamptz
    from jsonb_to_recordset(${rows}::jsonb) as r(account_id text, score smallint, tier text, factors jsonb, excluded jsonb, config_version int)
    on conflict (account_id) do update set
      score = excluded.score, tier = excluded.tier, factors = excluded.factors, excluded = excluded.excluded,
      config_version = excluded.config_version, computed_at = excluded.computed_at,
      previous_tier = case when ${accountHealth.tier} is distinct from excluded.tier then ${accountHealth.tier} else ${accountHealth.previousTier} end,
      tier_since = case when ${accountHealth.tier} is distinct from excluded.tier then excluded.computed_at else ${accountHealth.tierSince} end
    where ${accountHealth.orgId} = ${orgId}`);
  await db.execute(sql`
    insert into ${accountHealthDays} (org_id, account_id, day, score, factor_scores, config_version, computed_at)
    select ${orgId}, r.account_id, ${day}::date, r.score, r.factor_scores, r.config_version, ${at}::timestamptz
    from jsonb_to_recordset(${rows}::jsonb) as r(account_id text, score smallint, factor_scores jsonb, config_version int)
    where r.score is not null
    on conflict (account_id, day) do update set
      score = excluded.score, factor_scores = excluded.factor_scores, config_version = excluded.config_version, computed_at = excluded.computed_at
    where ${accountHealthDays.orgId} = ${orgId}`);
}

/** Daily scores since `fromDay` for these accounts, oldest first: sparklines and the history chart. */
export async function healthHistory(db: Queryable, orgId: string, accountIds: string[], fromDay: string): Promise<Map<string, { day: string; score: number }[]>> {
  const out = new Map<string, { day: string; score: number }[]>();
  if (!accountIds.length) return out;
  const rows = await db.select({ accountId: accountHealthDays.accountId, day: accountHealthDays.day, score: accountHealthDays.score })
    .from(accountHealthDays)
    .where(and(eq(accountHealthDays.orgId, orgId), inArray(accountHealthDays.accountId, accountIds), gte(accountHealthDays.day, fromDay)))
    .orderBy(asc(accountHealthDays.accountId), asc(accountHealthDays.day));
  for (const r of rows) {
    const list = out.get(r.accountId) ?? [];
    list.push({ day: r.day, score: r.score });
    out.set(r.accountId, list);
  }
  return out;
}

// ---- what scoring reads: threads, pulses, the organisation's event types ------------------------------

export interface ThreadStats {
  /** Threads still open, and those open for longer than 72 hours. */
  open: number;
  openOver72h: number;
  /** Of the threads closed within the window: how many, and the median time to close (hours). */
  closed: number;
  medianHoursToClose: number | null;
}

/** Email threads (window 30 days) and tickets (window 90 days) per account, from account_threads. */
export async function threadStats(db: Queryable, orgId: string, accountIds: string[], now: Date): Promise<Map<string, { email?: ThreadStats; ticket?: ThreadStats }>> {
  const out = new Map<string, { email?: ThreadStats; ticket?: ThreadStats }>();
  if (!accountIds.length) return out;
  const at = now.toISOString();
  const rows = rowsOf<{ account_id: string; kind: ThreadKind; open: number; open_over72: number; closed: number; median_hours: number | null }>(await db.execute(sql`
    select account_id, kind,
      (count(*) filter (where closed_at is null))::int as open,
      (count(*) filter (where closed_at is null and opened_at < ${at}::timestamptz - interval '72 hours'))::int as open_over72,
      (count(*) filter (where closed_at is not null))::int as closed,
      percentile_cont(0.5) within group (order by extract(epoch from closed_at - opened_at) / 3600) filter (where closed_at is not null) as median_hours
    from ${accountThreads}
    where org_id = ${orgId} and account_id in (select jsonb_array_elements_text(${JSON.stringify(accountIds)}::jsonb))
      and (closed_at is null or closed_at > ${at}::timestamptz - case when kind = 'email' then interval '30 days' else interval '90 days' end)
    group by account_id, kind`));
  for (const r of rows) {
    const entry = out.get(r.account_id) ?? {};
    entry[r.kind] = { open: Number(r.open), openOver72h: Number(r.open_over72), closed: Number(r.closed), medianHoursToClose: r.median_hours === null ? null : Number(r.median_hours) };
    out.set(r.account_id, entry);
  }
  return out;
}

export async function latestPulses(db: Queryable, orgId: string, accountIds: string[]): Promise<Map<string, { score: number; note: string; setBy: string; setAt: Date }>> {
  if (!accountIds.length) return new Map();
  const rows = await db.selectDistinctOn([accountPulses.accountId], {
    accountId: accountPulses.accountId, score: accountPulses.score, note: accountPulses.note, setBy: accountPulses.setBy, setAt: accountPulses.setAt,
  }).from(accountPulses).where(and(eq(accountPulses.orgId, orgId), inArray(accountPulses.accountId, accountIds)))
    .orderBy(accountPulses.accountId, desc(accountPulses.setAt));
  return new Map(rows.map((r) => [r.accountId, r]));
}

/** The event types the organisation has ever sent. */
export async function organisationEventTypes(db: Queryable, orgId: string): Promise<Set<string>> {
  const rows = await db.select({ eventType: orgEventTypes.eventType }).from(orgEventTypes).where(eq(orgEventTypes.orgId, orgId));
  return new Set(rows.map((r) => r.eventType));
}

// ---- what ingestion keeps for scoring -----------------------------------------------------------------

/**
 * Notes event types the organisation sends (in key order, so concurrent batches never deadlock). A
 * known type is left alone: no row lock for concurrent batches to queue on.
 */
export async function noteEventTypes(tx: Queryable, orgId: string, types: string[]): Promise<void> {
  const sorted = [...new Set(types)].sort();
  if (!sorted.length) return;
  await tx.insert(orgEventTypes).values(sorted.map((eventType) => ({ orgId, eventType }))).onConflictDoNothing();
}

export interface ThreadChange { accountId: string; kind: ThreadKind; threadKey: string | null; at: Date; change: 'open' | 'close' }

/**
 * Opens and closes engagement threads, in the order the events happened. A close names its thread
 * (the ticket's or the email thread's ID) or, without one, closes the account's oldest open thread of
 * that kind (a reply answers the email waiting longest). Opening a thread that exists changes nothing.
 */
export async function applyThreadChanges(tx: Queryable, orgId: string, changes: ThreadChange[]): Promise<void> {
  const ordered = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const c of ordered) {
    if (c.change === 'open') {
      await tx.insert(accountThreads).values({ orgId, accountId: c.accountId, kind: c.kind, threadKey: c.threadKey ?? newId(), openedAt: c.at }).onConflictDoNothing();
    } else if (c.threadKey) {
      // A close for a thread never seen open (its opening came earlier than Relay): nothing to time.
      await tx.update(accountThreads).set({ closedAt: c.at })
        .where(and(eq(accountThreads.accountId, c.accountId), eq(accountThreads.kind, c.kind), eq(accountThreads.threadKey, c.threadKey), eq(accountThreads.orgId, orgId), sql`${accountThreads.closedAt} is null`, sql`${accountThreads.openedAt} <= ${c.at.toISOString()}::timestamptz`));
    } else {
      await tx.execute(sql`
        update ${accountThreads} set closed_at = ${c.at.toISOString()}::timestamptz
        where (account_id, kind, thread_key) = (
          select account_id, kind, thread_key from ${accountThreads}
          where org_id = ${orgId} and account_id = ${c.accountId} and kind = ${c.kind} and closed_at is null and opened_at <= ${c.at.toISOString()}::timestamptz
          order by opened_at limit 1)`);
    }
  }
}
