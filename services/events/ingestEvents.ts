import type { Database } from '../../db/client.ts';
import { existingAccountIds, findAccountsByDomains } from '../../db/repositories/accounts.ts';
import {
  ensureEventPartitions, findEventIdentities, lockEventDomains, storeEventBatch, upsertEventIdentities, type EventIdentity,
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
async function knownIdentities(db: Database, orgId: string, batch: IncomingEvent[]): Promise<{ known: Map<IdentityKey, EventIdentity>; stored: Map<IdentityKey, EventIdentity> }> {
  const known = new Map<IdentityKey, EventIdentity>();
  const stored = new Map<IdentityKey, EventIdentity>();
  const keep = (found: EventIdentity[]) => { for (const f of found) stored.set(identityKey(f.source, f.kind, f.externalId), f); return found; };
  const users = [...new Set(batch.filter((e) => e.userId).map((e) => identityKey(e.source, 'user', e.userId!)))];
  for (const found of keep(await findEventIdentities(db, orgId, refsOf(users)))) learnInto(known, found);
  for (const e of batch) for (const fact of factsOf(e)) learnInto(known, fact);
  // Groups named by the events, or by what is known of their users, that this batch did not describe.
  const groups = new Set<IdentityKey>();
  for (const e of batch) {
    for (const g of e.groupRefs) groups.add(identityKey(e.source, 'group', g.id));
    const user = e.userId ? known.get(identityKey(e.source, 'user', e.userId)) : undefined;
    if (user?.groupId) groups.add(identityKey(e.source, 'group', user.groupId));
  }
  const missing = [...groups].filter((k) => !known.get(k)?.domain);
  for (const found of keep(await findEventIdentities(db, orgId, refsOf(missing)))) {
    const fromBatch = known.get(identityKey(found.source, 'group', found.externalId));
    known.set(identityKey(found.source, 'group', found.externalId), { ...found, domain: fromBatch?.domain ?? found.domain });
  }
  return { known, stored };
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

/**
 * What the stored events taught, one row per user or group, less what is stored already: every track
 * call of a user repeats the user's email, and an upsert that changes nothing still locks the row,
 * making concurrent batches of the same users wait for each other.
 */
function learnedIdentities(events: IncomingEvent[], stored: Map<IdentityKey, EventIdentity>): EventIdentity[] {
  const learned = new Map<IdentityKey, EventIdentity>();
  for (const e of events) for (const fact of factsOf(e)) learnInto(learned, fact);
  return [...learned].filter(([key, fact]) => {
    const before = stored.get(key);
    return !before || (fact.domain !== null && fact.domain !== before.domain) || (fact.groupId !== null && fact.groupId !== before.groupId);
  }).map(([, fact]) => fact);
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

  const { known, stored: storedIdentities } = await knownIdentities(db, orgId, unique);
  const resolved = unique.map((event): Resolved => ({ event, accountId: null, ...resolveDomains(event, known) }));
  const candidates = [...new Set(resolved.flatMap((r) => [r.groupDomain, matchableDomain(r.emailDomain)]).filter((d): d is string => Boolean(d)))];

  await ensureEventPartitions(db, unique.map((e) => eventMonth(e.occurredAt)));

  // Learned and new to this process whether or not each event turns out to be a retry: a fact or a
  // type stored before writes nothing (learnedIdentities leaves out what is stored; org_event_types
  // keeps one row per type), so both can go in the same round trip as the events.
  const learned = learnedIdentities(unique, storedIdentities);
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
      storeEventBatch(tx, orgId, resolved.map((r) => {
        const unmatched = unmatchedKeyOf(r);
        return {
          occurredAt: r.event.occurredAt, messageKey: r.event.messageKey, source: r.event.source, type: r.event.type,
          accountId: r.accountId, groupDomain: r.groupDomain, emailDomain: r.emailDomain, userId: r.event.userId, properties: r.event.properties,
          unmatchedKind: unmatched.kind, unmatchedDomain: unmatched.domain,
        };
      })),
      upsertEventIdentities(tx, orgId, learned),
      noteEventTypes(tx, orgId, newTypes),
    ]);
    const toStore = resolved.filter((r) => fresh.has(r.event.messageKey));
    if (!toStore.length) return;
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
