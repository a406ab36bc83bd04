import type { Database } from '../../db/client.ts';
import { existingAccountIds, findAccountsByDomains } from '../../db/repositories/accounts.ts';
import {
  ensureEventPartitions, findEventIdentities, lockEventDomains, storeEventBatch, upsertEventIdentities, type EventIdentity, type NewEventRow,
} from '../../db/repositories/events.ts';
import { applyThreadChanges, enqueueRescore, noteEventTypes, type ThreadChange } from '../../db/repositories/health.ts';
import {
  eventMonth, matchableDomain, threadEffectOf, unmatchedKeyOf, type EventSource, type IncomingEvent,
} from '../../domain/events.ts';
import { RelayError } from '../errors.ts';

export interface IngestResult {
  /** Events in the request. */
  received: number;
  /** Events stored now; the rest were stored before (same message ID, or same content without one). */
  stored: number;
  duplicates: number;
  /** Of those stored now: matched to an account, and kept unmatched (GET /api/events/unmatched). */
  matched: number;
  unmatched: number;
}

type Kind = 'user' | 'group';

/**
 * Users and groups by source, kind and ID, in maps keyed by the IDs themselves: a key made by
 * concatenation is a new string each time, hashed again at every lookup, and a batch makes thousands.
 */
class IdentityMap<V> {
  private readonly bySource = new Map<EventSource, Record<Kind, Map<string, V>>>();

  private of(source: EventSource): Record<Kind, Map<string, V>> {
    let kinds = this.bySource.get(source);
    if (!kinds) this.bySource.set(source, kinds = { user: new Map(), group: new Map() });
    return kinds;
  }

  get(source: EventSource, kind: Kind, id: string): V | undefined {
    return this.bySource.get(source)?.[kind].get(id);
  }

  set(source: EventSource, kind: Kind, id: string, value: V): void {
    this.of(source)[kind].set(id, value);
  }

  has(source: EventSource, kind: Kind, id: string): boolean {
    return this.bySource.get(source)?.[kind].has(id) ?? false;
  }

  *entries(): Generator<[EventSource, Kind, string, V]> {
    for (const [source, kinds] of this.bySource) {
      for (const kind of ['user', 'group'] as const) for (const [id, value] of kinds[kind]) yield [source, kind, id, value];
    }
  }
}

interface Fact { domain: string | null; groupId: string | null }

/**
 * What a batch teaches about its users and groups (a Segment identify or group call, a PostHog
 * $groupidentify, every track call's user with its email or group), one entry per user or group:
 * for each field the last value an event gave (an event that does not say leaves the one before).
 */
function learnFromBatch(batch: IncomingEvent[]): IdentityMap<EventIdentity> {
  const learned = new IdentityMap<EventIdentity>();
  const learn = (source: EventSource, kind: Kind, externalId: string, domain: string | null, groupId: string | null) => {
    const before = learned.get(source, kind, externalId);
    if (!before) learned.set(source, kind, externalId, { source, kind, externalId, domain, groupId });
    else {
      if (domain !== null) before.domain = domain;
      if (groupId !== null) before.groupId = groupId;
    }
  };
  for (const e of batch) {
    for (const g of e.learnsGroups) learn(e.source, 'group', g.id, g.domain ?? null, null);
    if (e.learnsUser) learn(e.source, 'user', e.learnsUser.id, e.learnsUser.emailDomain ?? null, e.learnsUser.groupId ?? null);
  }
  return learned;
}

const refsOf = (set: IdentityMap<true>) => [...set.entries()].map(([source, kind, externalId]) => ({ source, kind, externalId }));

/**
 * Everything known about the users and groups a batch mentions: what earlier batches taught (the
 * stored identities), overlaid with what this batch teaches, so a track call sent with its identify
 * in one batch is matched too.
 */
class KnownIdentities {
  /** The stored identities the lookups found. */
  readonly stored = new IdentityMap<EventIdentity>();

  constructor(readonly learned: IdentityMap<EventIdentity>) {}

  keep(found: EventIdentity[]): void {
    for (const f of found) this.stored.set(f.source, f.kind, f.externalId, f);
  }

  /** What is known of a user or group: what this batch taught, over what earlier batches taught. */
  get(source: EventSource, kind: Kind, id: string): Fact | undefined {
    const fromBatch = this.learned.get(source, kind, id);
    const before = this.stored.get(source, kind, id);
    if (!fromBatch) return before;
    if (!before) return fromBatch;
    return { domain: fromBatch.domain ?? before.domain, groupId: fromBatch.groupId ?? before.groupId };
  }
}

async function knownIdentities(db: Database, orgId: string, batch: IncomingEvent[], learned: IdentityMap<EventIdentity>): Promise<KnownIdentities> {
  const known = new KnownIdentities(learned);
  const users = new IdentityMap<true>();
  for (const e of batch) if (e.userId) users.set(e.source, 'user', e.userId, true);
  known.keep(await findEventIdentities(db, orgId, refsOf(users)));
  // Groups named by the events, or by what is known of their users, whose domain the batch did not give.
  const missing = new IdentityMap<true>();
  const need = (source: EventSource, id: string) => {
    if (!missing.has(source, 'group', id) && !learned.get(source, 'group', id)?.domain) missing.set(source, 'group', id, true);
  };
  for (const e of batch) {
    for (const g of e.groupRefs) need(e.source, g.id);
    const groupId = e.userId ? known.get(e.source, 'user', e.userId)?.groupId : null;
    if (groupId) need(e.source, groupId);
  }
  known.keep(await findEventIdentities(db, orgId, refsOf(missing)));
  return known;
}

interface Resolved { event: IncomingEvent; accountId: string | null; groupDomain: string | null; emailDomain: string | null }

/**
 * The domains an event can be matched by: its company domain (the event's own, else its groups',
 * else its user's group's) and its contact's email domain (the event's own, else its user's). Public
 * mail domains are never a company domain; as an email domain they are kept, to be counted.
 */
function resolveDomains(event: IncomingEvent, known: KnownIdentities): Resolved {
  const group = (id: string) => known.get(event.source, 'group', id);
  const user = event.userId ? known.get(event.source, 'user', event.userId) : undefined;
  let groupDomain = matchableDomain(event.companyDomain);
  for (const ref of event.groupRefs) groupDomain ??= matchableDomain(group(ref.id)?.domain ?? ref.domain);
  if (user?.groupId) groupDomain ??= matchableDomain(group(user.groupId)?.domain ?? null);
  return { event, accountId: null, groupDomain, emailDomain: event.emailDomain ?? user?.domain ?? null };
}

/**
 * What the batch taught, one row per user or group, less what is stored already: every track call
 * of a user repeats the user's email, and an upsert that changes nothing still locks the row, making
 * concurrent batches of the same users wait for each other.
 */
function learnedIdentities(learned: IdentityMap<EventIdentity>, stored: IdentityMap<EventIdentity>): EventIdentity[] {
  const changed: EventIdentity[] = [];
  for (const [source, kind, id, fact] of learned.entries()) {
    const before = stored.get(source, kind, id);
    if (!before || (fact.domain !== null && fact.domain !== before.domain) || (fact.groupId !== null && fact.groupId !== before.groupId)) changed.push(fact);
  }
  return changed;
}

/** Event types known per organisation in this process: the usual batch writes nothing for them. */
const knownEventTypes = new Map<string, Set<string>>();

const unknownEventTypes = (orgId: string, types: string[]) => [...new Set(types)].filter((t) => !knownEventTypes.get(orgId)?.has(t));

export interface IngestOptions {
  /**
   * An account named outright that the organisation does not have: refused (400 naming the field),
   * as for POST /api/events, whose caller names Relay's IDs; or ignored (matched by domain instead),
   * as for SDK traffic, where `relayAccountId` is a property among many.
   */
  unknownAccountIds: 'refuse' | 'ignore';
}

/**
 * Stores a batch of events for the organisation, all or nothing: each matched to an account (its ID
 * named outright, then its company domain, then its contact's email domain; never a public mail
 * domain), deduplicated by message key, with the daily per-account rollups and the unmatched counts
 * kept in the same transaction. An event stored before (a retried batch) changes nothing.
 */
export async function ingestEvents(db: Database, orgId: string, incoming: IncomingEvent[], opts: IngestOptions): Promise<IngestResult> {
  // The same message twice in one request counts once, like a retry.
  const seen = new Set<string>();
  const unique = incoming.filter((e) => !seen.has(e.messageKey) && Boolean(seen.add(e.messageKey)));
  const result: IngestResult = { received: incoming.length, stored: 0, duplicates: incoming.length, matched: 0, unmatched: 0 };
  if (!unique.length) return result;

  const named = [...new Set(unique.map((e) => e.accountId).filter((id): id is string => Boolean(id)))];
  const accountIds = await existingAccountIds(db, orgId, named);
  if (opts.unknownAccountIds === 'refuse') {
    const unknown = incoming.filter((e) => e.accountId && !accountIds.has(e.accountId));
    if (unknown.length) {
      throw new RelayError('validation', 'an event names an account this organisation does not have; nothing was stored', {
        fields: unknown.map((e) => ({ field: `${e.path}.accountId`, message: 'no such account in this organisation' })),
      });
    }
  }

  const learnedInBatch = learnFromBatch(unique);
  const known = await knownIdentities(db, orgId, unique, learnedInBatch);
  const resolved = unique.map((event) => resolveDomains(event, known));
  const candidateSet = new Set<string>();
  for (const r of resolved) {
    if (r.groupDomain) candidateSet.add(r.groupDomain);
    const byEmail = matchableDomain(r.emailDomain);
    if (byEmail) candidateSet.add(byEmail);
  }
  const candidates = [...candidateSet];

  await ensureEventPartitions(db, unique.map((e) => eventMonth(e.occurredAt)));

  // Learned and new to this process whether or not each event turns out to be a retry: a fact or a
  // type stored before writes nothing (learnedIdentities leaves out what is stored; org_event_types
  // keeps one row per type), so both can go in the same round trip as the events.
  const learned = learnedIdentities(learnedInBatch, known.stored);
  const newTypes = unknownEventTypes(orgId, unique.map((e) => e.type));

  // Statements of one round trip are sent together (postgres.js pipelines a transaction's queries)
  // and run in order: four round trips a batch, however many tables it touches.
  await db.transaction(async (tx) => {
    // The lock before the lookup, so an account created meanwhile either is seen here or sees these events.
    const [, found] = await Promise.all([lockEventDomains(tx, orgId, candidates, 'shared'), findAccountsByDomains(tx, orgId, candidates)]);
    const byDomain = new Map(found.map((a) => [a.domain, a.accountId]));
    for (const r of resolved) {
      const named = r.event.accountId && accountIds.has(r.event.accountId) ? r.event.accountId : null;
      const byEmail = matchableDomain(r.emailDomain);
      r.accountId = named ?? (r.groupDomain ? byDomain.get(r.groupDomain) : undefined) ?? (byEmail ? byDomain.get(byEmail) : undefined) ?? null;
    }

    // The events, their dedupe keys, the rollup deltas and the unmatched counts (one statement); what
    // the batch taught about its users and groups; the types this organisation sends (for scoring).
    const [fresh] = await Promise.all([
      storeEventBatch(tx, orgId, resolved.map((r): NewEventRow => {
        const unmatched = r.accountId ? null : unmatchedKeyOf(r);
        return {
          k: r.event.messageKey, at: r.event.occurredAt, s: r.event.source, t: r.event.type, a: r.accountId, g: r.groupDomain,
          e: r.emailDomain, u: r.event.userId, p: r.event.properties, uk: unmatched?.kind ?? null, ud: unmatched?.domain ?? null,
        };
      })),
      upsertEventIdentities(tx, orgId, learned),
      noteEventTypes(tx, orgId, newTypes),
    ]);
    if (!fresh.stored) return;
    const toStore = fresh.stored === resolved.length ? resolved : resolved.filter((r) => fresh.isFresh(r.event.messageKey));
    const matched = toStore.filter((r) => r.accountId);

    // Only for events stored now: engagement threads (a close answers the oldest open thread, so a
    // retried close must not close another) and the accounts to rescore.
    await Promise.all([
      applyThreadChanges(tx, orgId, matched.flatMap((r): ThreadChange[] => {
        const effect = threadEffectOf(r.event.type, r.event.properties);
        if (!effect) return [];
        // An opening without an ID is its own thread; a close without one answers the oldest open.
        const threadKey = effect.threadKey ?? (effect.change === 'open' ? r.event.messageKey : null);
        return [{ accountId: r.accountId!, kind: effect.kind, threadKey, at: r.event.occurredAt, change: effect.change }];
      })),
      enqueueRescore(tx, orgId, matched.map((r) => r.accountId!)),
    ]);

    Object.assign(result, { stored: toStore.length, duplicates: incoming.length - toStore.length, matched: matched.length, unmatched: toStore.length - matched.length });
  });
  // Known once stored: a batch rolled back leaves them unknown, to be noted by the next one.
  const knownTypes = knownEventTypes.get(orgId) ?? new Set<string>();
  for (const t of newTypes) knownTypes.add(t);
  knownEventTypes.set(orgId, knownTypes);
  return result;
}
