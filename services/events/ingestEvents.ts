import type { Database } from '../../db/client.ts';
import { existingAccountIds, findAccountsByDomains } from '../../db/repositories/accounts.ts';
import {
  addAccountEventDays, addUnmatchedEventCounts, ensureEventPartitions, findEventIdentities, insertNewEvents, lockEventDomains,
  upsertEventIdentities, type EventDayCount, type EventIdentity, type UnmatchedCount,
} from '../../db/repositories/events.ts';
import { applyThreadChanges, enqueueRescore, noteEventTypes, type ThreadChange } from '../../db/repositories/health.ts';
import {
  eventDay, eventMonth, matchableDomain, threadEffectOf, unmatchedKeyOf, type EventSource, type IncomingEvent,
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

type IdentityKey = string;
const identityKey = (source: EventSource, kind: 'user' | 'group', id: string): IdentityKey => `${source}\u0000${kind}\u0000${id}`;

/** What one event teaches about its user and groups, as identity rows. */
function factsOf(e: IncomingEvent): EventIdentity[] {
  const facts: EventIdentity[] = e.learnsGroups.map((g) => ({ source: e.source, kind: 'group', externalId: g.id, domain: g.domain ?? null, groupId: null }));
  if (e.learnsUser) facts.push({ source: e.source, kind: 'user', externalId: e.learnsUser.id, domain: e.learnsUser.emailDomain ?? null, groupId: e.learnsUser.groupId ?? null });
  return facts;
}

/** Adds a fact to what is known; what it does not say (null) leaves what was known before. */
function learnInto(known: Map<IdentityKey, EventIdentity>, fact: EventIdentity): void {
  const key = identityKey(fact.source, fact.kind, fact.externalId);
  const before = known.get(key);
  known.set(key, { ...fact, domain: fact.domain ?? before?.domain ?? null, groupId: fact.groupId ?? before?.groupId ?? null });
}

const refsOf = (keys: IdentityKey[]) => keys.map((k) => {
  const [source, kind, externalId] = k.split('\u0000') as [EventSource, 'user' | 'group', string];
  return { source, kind, externalId };
});

/**
 * Everything known about the users and groups a batch mentions: what earlier batches taught (the
 * stored identities), overlaid with what this batch teaches (a Segment identify or group call, a
 * PostHog $groupidentify), so a track call sent with its identify in one batch is matched too.
 */
async function knownIdentities(db: Database, orgId: string, batch: IncomingEvent[]): Promise<Map<IdentityKey, EventIdentity>> {
  const known = new Map<IdentityKey, EventIdentity>();
  const users = [...new Set(batch.filter((e) => e.userId).map((e) => identityKey(e.source, 'user', e.userId!)))];
  for (const stored of await findEventIdentities(db, orgId, refsOf(users))) learnInto(known, stored);
  for (const e of batch) for (const fact of factsOf(e)) learnInto(known, fact);
  // Groups named by the events, or by what is known of their users, that this batch did not describe.
  const groups = new Set<IdentityKey>();
  for (const e of batch) {
    for (const g of e.groupRefs) groups.add(identityKey(e.source, 'group', g.id));
    const user = e.userId ? known.get(identityKey(e.source, 'user', e.userId)) : undefined;
    if (user?.groupId) groups.add(identityKey(e.source, 'group', user.groupId));
  }
  const missing = [...groups].filter((k) => !known.get(k)?.domain);
  for (const stored of await findEventIdentities(db, orgId, refsOf(missing))) {
    const fromBatch = known.get(identityKey(stored.source, 'group', stored.externalId));
    known.set(identityKey(stored.source, 'group', stored.externalId), { ...stored, domain: fromBatch?.domain ?? stored.domain });
  }
  return known;
}

interface Resolved { event: IncomingEvent; accountId: string | null; groupDomain: string | null; emailDomain: string | null }

/**
 * The domains an event can be matched by: its company domain (the event's own, else its groups',
 * else its user's group's) and its contact's email domain (the event's own, else its user's). Public
 * mail domains are never a company domain; as an email domain they are kept, to be counted.
 */
function resolveDomains(event: IncomingEvent, known: Map<IdentityKey, EventIdentity>): { groupDomain: string | null; emailDomain: string | null } {
  const group = (id: string) => known.get(identityKey(event.source, 'group', id));
  const user = event.userId ? known.get(identityKey(event.source, 'user', event.userId)) : undefined;
  let groupDomain = matchableDomain(event.companyDomain);
  for (const ref of event.groupRefs) groupDomain ??= matchableDomain(group(ref.id)?.domain ?? ref.domain);
  if (user?.groupId) groupDomain ??= matchableDomain(group(user.groupId)?.domain ?? null);
  return { groupDomain, emailDomain: event.emailDomain ?? user?.domain ?? null };
}

/** What the stored events taught, one row per user or group. */
function learnedIdentities(stored: IncomingEvent[]): EventIdentity[] {
  const learned = new Map<IdentityKey, EventIdentity>();
  for (const e of stored) for (const fact of factsOf(e)) learnInto(learned, fact);
  return [...learned.values()];
}

function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, { item: T; count: number }> {
  const counts = new Map<string, { item: T; count: number }>();
  for (const item of items) {
    const key = keyOf(item);
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { item, count: 1 });
  }
  return counts;
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

  const known = await knownIdentities(db, orgId, unique);
  const resolved = unique.map((event): Resolved => ({ event, accountId: null, ...resolveDomains(event, known) }));
  const candidates = [...new Set(resolved.flatMap((r) => [r.groupDomain, matchableDomain(r.emailDomain)]).filter((d): d is string => Boolean(d)))];

  await ensureEventPartitions(db, unique.map((e) => eventMonth(e.occurredAt)));

  let newTypes: string[] = [];
  await db.transaction(async (tx) => {
    // Before the lookup, so an account created meanwhile either is seen here or sees these events.
    await lockEventDomains(tx, orgId, candidates, 'shared');
    const byDomain = new Map((await findAccountsByDomains(tx, orgId, candidates)).map((a) => [a.domain, a.accountId]));
    for (const r of resolved) {
      const named = r.event.accountId && accountIds.has(r.event.accountId) ? r.event.accountId : null;
      const byEmail = matchableDomain(r.emailDomain);
      r.accountId = named ?? (r.groupDomain ? byDomain.get(r.groupDomain) : undefined) ?? (byEmail ? byDomain.get(byEmail) : undefined) ?? null;
    }

    const fresh = await insertNewEvents(tx, orgId, resolved.map((r) => ({
      occurredAt: r.event.occurredAt, messageKey: r.event.messageKey, source: r.event.source, type: r.event.type,
      accountId: r.accountId, groupDomain: r.groupDomain, emailDomain: r.emailDomain, userId: r.event.userId, properties: r.event.properties,
    })));
    const toStore = resolved.filter((r) => fresh.has(r.event.messageKey));
    if (!toStore.length) return;

    const matched = toStore.filter((r) => r.accountId);
    const days = countBy(matched, (r) => `${r.accountId}\u0000${eventDay(r.event.occurredAt)}\u0000${r.event.type}`);
    await addAccountEventDays(tx, orgId, [...days.values()].map(({ item, count }): EventDayCount => ({
      accountId: item.accountId!, day: eventDay(item.event.occurredAt), eventType: item.event.type, count,
    })));

    const unmatched = toStore.filter((r) => !r.accountId);
    const byKey = countBy(unmatched.map(unmatchedKeyOf), (k) => `${k.kind}\u0000${k.domain}`);
    await addUnmatchedEventCounts(tx, orgId, [...byKey.values()].map(({ item, count }): UnmatchedCount => ({ ...item, events: count })));

    await upsertEventIdentities(tx, orgId, learnedIdentities(toStore.map((r) => r.event)));

    // For health scoring: the types this organisation sends, engagement threads, and the accounts to rescore.
    newTypes = unknownEventTypes(orgId, toStore.map((r) => r.event.type));
    await noteEventTypes(tx, orgId, newTypes);
    await applyThreadChanges(tx, orgId, matched.flatMap((r): ThreadChange[] => {
      const effect = threadEffectOf(r.event.type, r.event.properties);
      if (!effect) return [];
      // An opening without an ID is its own thread; a close without one answers the oldest open.
      const threadKey = effect.threadKey ?? (effect.change === 'open' ? r.event.messageKey : null);
      return [{ accountId: r.accountId!, kind: effect.kind, threadKey, at: r.event.occurredAt, change: effect.change }];
    }));
    await enqueueRescore(tx, orgId, matched.map((r) => r.accountId!));

    Object.assign(result, { stored: toStore.length, duplicates: incoming.length - toStore.length, matched: matched.length, unmatched: unmatched.length });
  });
  // Known once stored: a batch rolled back leaves them unknown, to be noted by the next one.
  const knownTypes = knownEventTypes.get(orgId) ?? new Set<string>();
  for (const t of newTypes) knownTypes.add(t);
  knownEventTypes.set(orgId, knownTypes);
  return result;
}
