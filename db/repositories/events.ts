import { and, count, desc, eq, inArray, isNull, lte, or, sql, sum } from 'drizzle-orm';
import type { EventSource, UnmatchedKind } from '../../domain/events.ts';
import type { Queryable, Transaction } from '../client.ts';
import { executePrepared } from '../prepared.ts';
import { rowsOf } from '../rows.ts';
import { events, unmatchedEventDomains } from '../schema/index.ts';

// ---- partitions ---------------------------------------------------------------------------------

/** Months (`YYYY-MM-01`) whose partition this process has made sure of, per database. */
const ensuredMonths = new WeakMap<object, Set<string>>();

/**
 * Makes sure `events` has a partition for each month (`YYYY-MM-01`), through the migration's
 * `ensure_events_partition`. Once per month per process and database: the usual batch costs nothing.
 * Called outside the writing transaction, so the DDL's lock on `events` is held for an instant only.
 */
export async function ensureEventPartitions(db: Queryable, months: string[]): Promise<void> {
  const known = ensuredMonths.get(db) ?? new Set<string>();
  ensuredMonths.set(db, known);
  for (const month of [...new Set(months)].sort()) {
    if (known.has(month)) continue;
    await db.execute(sql`select ensure_events_partition(${month}::date)`);
    known.add(month);
  }
}

// ---- the domain locks that keep late matching exact -----------------------------------------------

/** Domains share this many lock buckets per organisation: a batch of any size holds at most this many locks. */
const DOMAIN_LOCK_BUCKETS = 64;

/**
 * Transaction-scoped advisory locks on the organisation's domains (hashed into DOMAIN_LOCK_BUCKETS
 * buckets, so a batch of thousands of domains cannot exhaust the lock table), taken in one order.
 * Ingestion takes them shared before it looks accounts up by those domains; an account appearing takes
 * its domains' exclusively before it claims unmatched events. So an event is either seen by the
 * account's claim or sees the account: none is left unmatched by a batch in flight while the account
 * was created. A shared bucket only means a new account waits for a batch of another domain (milliseconds).
 */
export async function lockEventDomains(tx: Transaction, orgId: string, domains: string[], mode: 'shared' | 'exclusive'): Promise<void> {
  if (!domains.length) return;
  const fn = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
  await executePrepared(tx, sql`
    select ${fn}(hashtext(${`events:${orgId}`}), bucket)
    from (select distinct hashtext(d) & ${DOMAIN_LOCK_BUCKETS - 1} as bucket from jsonb_array_elements_text(${JSON.stringify([...new Set(domains)])}::jsonb) as d order by 1) as buckets`);
}

// ---- writing a batch --------------------------------------------------------------------------

/**
 * An event to store, its fields named as the statement reads them from the JSON it is sent as: short,
 * because every event of a batch repeats them (with the long names, a third of the bytes the API sent
 * Postgres per event were field names).
 */
export interface NewEventRow {
  /** The message key (dedupe). */
  k: string;
  /** When it happened. */
  at: Date;
  s: EventSource;
  /** The event's type (name). */
  t: string;
  /** The account it is matched to, or null. */
  a: string | null;
  /** Its company domain and its contact's email domain, as resolved. */
  g: string | null;
  e: string | null;
  /** The user (SDK user ID). */
  u: string | null;
  /** Its properties. */
  p: Record<string, unknown>;
  /** Where the unmatched counts file the event if it has no account (domain.ts `unmatchedKeyOf`); null for a matched one. */
  uk: UnmatchedKind | null;
  ud: string | null;
}

export interface StoredBatch {
  /** Events stored now. */
  stored: number;
  /** Whether this event was stored now (not by an earlier request with the same key). */
  isFresh(messageKey: string): boolean;
}

/**
 * Stores a batch in one statement, the whole write of an ingestion batch but the rescore queue:
 * each message key is claimed in the dedupe table (in key order, so concurrent batches never
 * deadlock), only the events whose claim succeeded are inserted, and those same events are added to
 * the rollup deltas (matched; plain inserts, folded into the rollups before scoring reads them) or to
 * the unmatched counts (not matched; upserted in key order). Answers which were stored now; a
 * retried batch, or a concurrent request with the same events, stores none of them. The batch
 * travels as one jsonb parameter, the rows serialised as they are (no parameter limit, no copy per
 * event), and the keys come back only when some were stored before (the usual batch answers a count).
 */
export async function storeEventBatch(tx: Transaction, orgId: string, rows: NewEventRow[]): Promise<StoredBatch> {
  if (!rows.length) return { stored: 0, isFresh: () => false };
  const [answer] = await executePrepared<{ stored: number; keys: string[] | null }>(tx, sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(k text, at timestamptz, s text, t text, a text, g text, e text, u text, p jsonb, uk text, ud text)
    ), claimed as (
      insert into event_message_keys (org_id, message_key, occurred_at)
      select ${orgId}, k, at from input order by k
      on conflict do nothing
      returning message_key
    ), fresh as materialized (
      select i.* from input i join claimed c on c.message_key = i.k
    ), stored as (
      insert into events (org_id, occurred_at, message_key, source, type, account_id, group_domain, email_domain, user_id, properties)
      select ${orgId}, at, k, s, t, a, g, e, u, p from fresh
    ), days as (
      insert into account_event_day_deltas (org_id, account_id, day, event_type, count)
      select ${orgId}, a, (at at time zone 'UTC')::date, t, count(*)::int from fresh where a is not null
      group by 2, 3, 4
    ), unmatched as (
      insert into unmatched_event_domains (org_id, kind, domain, events)
      select ${orgId}, uk, ud, count(*)::int from fresh where a is null
      group by 2, 3 order by 2, 3
      on conflict (org_id, kind, domain) do update set events = unmatched_event_domains.events + excluded.events, last_seen_at = now()
    ), counted as (select count(*)::int as stored from fresh)
    select stored, case when stored < ${rows.length}::int then (select jsonb_agg(k) from fresh) end as keys from counted`);
  const stored = Number(answer?.stored ?? 0);
  if (stored === rows.length) return { stored, isFresh: () => true };
  const keys = new Set(answer?.keys ?? []);
  return { stored, isFresh: (key) => keys.has(key) };
}

/**
 * Adds the organisation's pending rollup deltas (what ingestion wrote) to `account_event_days`, and
 * removes them, in one statement of the caller's transaction: many batches' increments of one
 * account, day and type become one update. Two folds at once never count a delta twice (the second
 * skips the rows the first deleted). Answers how many delta rows it folded.
 */
export async function foldEventDayDeltas(tx: Queryable, orgId: string): Promise<number> {
  const [answer] = rowsOf<{ folded: number }>(await tx.execute(sql`
    with taken as (
      delete from account_event_day_deltas where org_id = ${orgId}
      returning account_id, day, event_type, count
    ), added as (
      insert into account_event_days (org_id, account_id, day, event_type, count)
      select ${orgId}, account_id, day, event_type, sum(count)::int from taken
      group by 2, 3, 4 order by 2, 3, 4
      on conflict (org_id, account_id, day, event_type) do update set count = account_event_days.count + excluded.count
    )
    select count(*)::int as folded from taken`));
  return Number(answer?.folded ?? 0);
}

/** The organisations with rollup deltas waiting to be folded. */
export async function organisationsWithEventDayDeltas(db: Queryable): Promise<string[]> {
  return rowsOf<{ org_id: string }>(await db.execute(sql`select distinct org_id from account_event_day_deltas`)).map((r) => r.org_id);
}

export interface EventDayCount { accountId: string; day: string; eventType: string; count: number }

/** Adds to the daily per-account rollups (rows in key order, so concurrent batches never deadlock on them). */
export async function addAccountEventDays(tx: Transaction, orgId: string, counts: EventDayCount[]): Promise<void> {
  if (!counts.length) return;
  const input = JSON.stringify(counts.map((c) => ({ account_id: c.accountId, day: c.day, event_type: c.eventType, count: c.count })));
  await tx.execute(sql`
    insert into account_event_days (org_id, account_id, day, event_type, count)
    select ${orgId}, account_id, day, event_type, count
    from jsonb_to_recordset(${input}::jsonb) as r(account_id text, day date, event_type text, count integer)
    order by account_id, day, event_type
    on conflict (org_id, account_id, day, event_type) do update set count = account_event_days.count + excluded.count`);
}

export interface UnmatchedCount { kind: UnmatchedKind; domain: string; events: number }

/**
 * Takes events matched later off the unmatched counts; a domain with none left goes from the list.
 * Rows are locked in the order ingestion's upsert takes them (kind, domain), so the two never deadlock.
 */
export async function subtractUnmatchedEventCounts(tx: Transaction, orgId: string, counts: UnmatchedCount[]): Promise<void> {
  if (!counts.length) return;
  const input = JSON.stringify(counts.map((c) => ({ kind: c.kind, domain: c.domain, events: c.events })));
  const taken = sql`jsonb_to_recordset(${input}::jsonb) as r(kind text, domain text, events integer)`;
  await tx.execute(sql`
    select 1 from unmatched_event_domains u
    where u.org_id = ${orgId} and (u.kind, u.domain) in (select kind, domain from ${taken})
    order by u.kind, u.domain for update`);
  await tx.execute(sql`
    update unmatched_event_domains u set events = u.events - r.events from ${taken}
    where u.org_id = ${orgId} and u.kind = r.kind and u.domain = r.domain`);
  await tx.delete(unmatchedEventDomains).where(and(eq(unmatchedEventDomains.orgId, orgId), lte(unmatchedEventDomains.events, 0)));
}

// ---- identities -------------------------------------------------------------------------------

export interface EventIdentity { source: EventSource; kind: 'user' | 'group'; externalId: string; domain: string | null; groupId: string | null }

/**
 * What earlier events taught about these users and groups: per source and kind (a batch's users, then
 * its groups: usually one of each), one array of IDs probed by the primary key in one index scan.
 */
export async function findEventIdentities(db: Queryable, orgId: string, refs: { source: EventSource; kind: 'user' | 'group'; externalId: string }[]): Promise<EventIdentity[]> {
  const idsBy = new Map<string, { source: EventSource; kind: 'user' | 'group'; ids: string[] }>();
  for (const r of refs) {
    const key = `${r.source}\u0000${r.kind}`;
    const entry = idsBy.get(key) ?? { source: r.source, kind: r.kind, ids: [] };
    entry.ids.push(r.externalId);
    idsBy.set(key, entry);
  }
  const found = await Promise.all([...idsBy.values()].map(({ source, kind, ids }) => executePrepared<{
    source: EventSource; kind: 'user' | 'group'; external_id: string; domain: string | null; group_id: string | null;
  }>(db, sql`
    select source, kind, external_id, domain, group_id from event_identities
    where org_id = ${orgId} and source = ${source} and kind = ${kind} and external_id = any(${sql.param(ids)}::text[])`)));
  const rows = found.flat();
  return rows.map((r) => ({ source: r.source, kind: r.kind, externalId: r.external_id, domain: r.domain, groupId: r.group_id }));
}

/**
 * Keeps what events taught; a fact an event did not carry (null) leaves the one stored before, and a
 * fact already stored writes nothing (every track call of a user repeats its group).
 */
export async function upsertEventIdentities(tx: Transaction, orgId: string, identities: EventIdentity[]): Promise<void> {
  if (!identities.length) return;
  const input = JSON.stringify(identities.map((i) => ({ source: i.source, kind: i.kind, external_id: i.externalId, domain: i.domain, group_id: i.groupId })));
  await tx.execute(sql`
    insert into event_identities (org_id, source, kind, external_id, domain, group_id)
    select ${orgId}, source, kind, external_id, domain, group_id
    from jsonb_to_recordset(${input}::jsonb) as r(source text, kind text, external_id text, domain text, group_id text)
    order by source, kind, external_id
    on conflict (org_id, source, kind, external_id) do update set
      domain = coalesce(excluded.domain, event_identities.domain),
      group_id = coalesce(excluded.group_id, event_identities.group_id),
      updated_at = now()
    where (excluded.domain is not null and excluded.domain is distinct from event_identities.domain)
       or (excluded.group_id is not null and excluded.group_id is distinct from event_identities.group_id)`);
}

// ---- late matching ----------------------------------------------------------------------------

/**
 * Gives the organisation's unmatched events on these domains (company or email) to the account:
 * `account_id` goes from null to the account, the only change an event row ever sees. Answers the
 * rows it changed, for the rollups and the unmatched counts. Served by the partial indexes on
 * unmatched rows, one probe per partition.
 */
export async function assignUnmatchedEvents(tx: Transaction, orgId: string, accountId: string, domains: string[]) {
  if (!domains.length) return [];
  return tx.update(events).set({ accountId })
    .where(and(eq(events.orgId, orgId), isNull(events.accountId), or(inArray(events.groupDomain, domains), inArray(events.emailDomain, domains))))
    .returning({ occurredAt: events.occurredAt, type: events.type, groupDomain: events.groupDomain, emailDomain: events.emailDomain });
}

// ---- reading ------------------------------------------------------------------------------------

/** Unmatched events by the domain they would match on, most recently seen first. */
export async function listUnmatchedEventDomains(db: Queryable, orgId: string, limit: number) {
  const items = await db.select({
    kind: unmatchedEventDomains.kind, domain: unmatchedEventDomains.domain, events: unmatchedEventDomains.events,
    firstSeenAt: unmatchedEventDomains.firstSeenAt, lastSeenAt: unmatchedEventDomains.lastSeenAt,
  }).from(unmatchedEventDomains).where(eq(unmatchedEventDomains.orgId, orgId))
    .orderBy(desc(unmatchedEventDomains.lastSeenAt), unmatchedEventDomains.kind, unmatchedEventDomains.domain).limit(limit);
  const [totals] = await db.select({ events: sum(unmatchedEventDomains.events), domains: count() })
    .from(unmatchedEventDomains).where(eq(unmatchedEventDomains.orgId, orgId));
  return { items, totalEvents: Number(totals?.events ?? 0), totalDomains: Number(totals?.domains ?? 0) };
}

// ---- what health scoring reads (daily rollups only, never raw events) --------------------------------

export interface AccountEventStats {
  /** The latest day with a customer touch: an email in, a meeting, or a product event (within 180 days). */
  lastTouchDay: string | null;
  meetings180d: number;
  /** Days with product events in the 14 days up to today, and in the 14 before those; distinct product events in the last 14. */
  activeDays14: number;
  activeDaysPrev14: number;
  distinctEvents14: number;
}

/**
 * Per account, from `account_event_days` over the last 180 days (one range read per account off the
 * primary key). `engagement` lists the engagement signals; every other type is a product event.
 */
export async function accountEventStats(db: Queryable, orgId: string, accountIds: string[], today: string, engagement: readonly string[]): Promise<Map<string, AccountEventStats>> {
  if (!accountIds.length) return new Map();
  // Lists go in as JSON: drizzle would spread a JS array into a tuple of parameters.
  const ids = JSON.stringify(accountIds);
  const signals = JSON.stringify(engagement);
  const rows = rowsOf<{ account_id: string; last_touch: string | null; meetings: number; active14: number; active_prev14: number; distinct14: number }>(await db.execute(sql`
    with signals as (select array(select jsonb_array_elements_text(${signals}::jsonb)) as types),
    days as (
      select d.account_id, d.day, d.event_type, d.count, not (d.event_type = any(signals.types)) as product
      from account_event_days d, signals
      where d.org_id = ${orgId} and d.account_id in (select jsonb_array_elements_text(${ids}::jsonb))
        and d.day > ${today}::date - 180 and d.day <= ${today}::date
    )
    select account_id,
      (max(day) filter (where product or event_type in ('email_received', 'meeting_held')))::text as last_touch,
      coalesce(sum(count) filter (where event_type = 'meeting_held'), 0)::int as meetings,
      (count(distinct day) filter (where product and day > ${today}::date - 14))::int as active14,
      (count(distinct day) filter (where product and day <= ${today}::date - 14 and day > ${today}::date - 28))::int as active_prev14,
      (count(distinct event_type) filter (where product and day > ${today}::date - 14))::int as distinct14
    from days
    group by account_id`));
  return new Map(rows.map((r) => [r.account_id, {
    lastTouchDay: r.last_touch, meetings180d: Number(r.meetings), activeDays14: Number(r.active14),
    activeDaysPrev14: Number(r.active_prev14), distinctEvents14: Number(r.distinct14),
  }]));
}

// ---- account health view

/** The account's latest events, newest first: what the account page lists under its health. */
export async function listRecentAccountEvents(db: Queryable, orgId: string, accountId: string, limit = 20) {
  return db.select({ type: events.type, source: events.source, occurredAt: events.occurredAt })
    .from(events).where(and(eq(events.orgId, orgId), eq(events.accountId, accountId)))
    .orderBy(desc(events.occurredAt), desc(events.messageKey)).limit(limit);
}

/**
 * Which of these domains the organisation has unmatched events on (as company or email domain): a bulk
 * create (the CSV import) asks once for a batch of new accounts, then claims events only for those that
 * have some. One probe of each partial index per domain and partition.
 */
export async function domainsWithUnmatchedEvents(db: Queryable, orgId: string, domains: string[]): Promise<Set<string>> {
  if (!domains.length) return new Set();
  const rows = rowsOf<{ domain: string }>(await db.execute(sql`
    select d.domain from jsonb_array_elements_text(${JSON.stringify([...new Set(domains)])}::jsonb) as d(domain)
    where exists (select 1 from ${events} e where e.org_id = ${orgId} and e.account_id is null and e.group_domain = d.domain)
       or exists (select 1 from ${events} e where e.org_id = ${orgId} and e.account_id is null and e.email_domain = d.domain)`));
  return new Set(rows.map((r) => r.domain));
}
