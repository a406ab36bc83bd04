import type { Database, Queryable } from '../../db/client.ts';
import { enqueueRescore } from '../../db/repositories/health.ts';
import {
  addAccountEventDays, assignUnmatchedEvents, domainsWithUnmatchedEvents, lockEventDomains, subtractUnmatchedEventCounts, type EventDayCount, type UnmatchedCount,
} from '../../db/repositories/events.ts';
import { eventDay, matchableDomain, unmatchedKeyOf } from '../../domain/events.ts';
import { log } from '../../platform/log.ts';

/**
 * Gives an account the events that arrived before it did: every unmatched event of the organisation
 * whose company or email domain is one of the account's, counted into its daily rollups and off the
 * unmatched list, in one transaction. Idempotent (an event is claimed once: only rows still
 * unmatched change) and cheap when there is nothing to claim (the partial indexes hold only unmatched
 * events). Answers how many events it matched.
 */
export async function matchEventsToAccount(db: Queryable, orgId: string, accountId: string, domains: string[]): Promise<number> {
  const matchable = [...new Set(domains.map(matchableDomain).filter((d): d is string => Boolean(d)))];
  if (!matchable.length) return 0;
  return db.transaction(async (tx) => {
    // Waits for batches in flight on these domains (their shared locks): what they stored unmatched is
    // claimed here. Sent together, run in order (postgres.js pipelines a transaction's statements): the
    // claim starts, with its own snapshot, once the lock is held; one round trip for both.
    const [, claimed] = await Promise.all([
      lockEventDomains(tx, orgId, matchable, 'exclusive'), assignUnmatchedEvents(tx, orgId, accountId, matchable),
    ]);
    if (!claimed.length) return 0;
    const days = new Map<string, EventDayCount>();
    const unmatched = new Map<string, UnmatchedCount>();
    for (const event of claimed) {
      const day = eventDay(event.occurredAt);
      const dayKey = `${day}\u0000${event.type}`;
      const entry = days.get(dayKey) ?? { accountId, day, eventType: event.type, count: 0 };
      entry.count += 1;
      days.set(dayKey, entry);
      const key = unmatchedKeyOf(event);
      const counted = unmatched.get(`${key.kind}\u0000${key.domain}`) ?? { ...key, events: 0 };
      counted.events += 1;
      unmatched.set(`${key.kind}\u0000${key.domain}`, counted);
    }
    await addAccountEventDays(tx, orgId, [...days.values()]);
    await subtractUnmatchedEventCounts(tx, orgId, [...unmatched.values()]);
    await enqueueRescore(tx, orgId, [accountId]);
    return claimed.length;
  });
}

/**
 * After an account's row commits (services/createAccount.ts): its earlier events, matched. A failure
 * here must not fail the account, which exists by now: it is logged, and the events stay unmatched
 * (counted, visible to admins) until a later call for the account claims them.
 */
export async function matchEventsToNewAccount(db: Queryable, orgId: string, accountId: string, domains: string[]): Promise<void> {
  try {
    const matched = await matchEventsToAccount(db, orgId, accountId, domains);
    if (matched) log.info('earlier events matched to a new account', { orgId, accountId, matched });
  } catch (error) {
    log.warn('matching earlier events to a new account failed; they stay unmatched', { orgId, accountId, error: (error as Error).message });
  }
}

/**
 * matchEventsToNewAccount for many new accounts at once (a CSV import's batch, committed): their
 * domains locked as one account's are (so ingestion in flight on them has committed, and ingestion
 * after sees the accounts), one look for unmatched events on any of them, then the claim only for
 * the accounts that have some: usually none, where each account alone would take a transaction.
 */
export async function matchEventsToNewAccounts(db: Database, orgId: string, accounts: { id: string; domains: string[] }[]): Promise<void> {
  const matchable = [...new Set(accounts.flatMap((a) => a.domains.map(matchableDomain).filter((d): d is string => Boolean(d))))];
  if (!matchable.length) return;
  let claimable: Set<string>;
  try {
    claimable = await db.transaction(async (tx) => {
      await lockEventDomains(tx, orgId, matchable, 'exclusive');
      return domainsWithUnmatchedEvents(tx, orgId, matchable);
    });
  } catch (error) {
    log.warn('looking for earlier events of new accounts failed; they stay unmatched', { orgId, accounts: accounts.length, error: (error as Error).message });
    return;
  }
  for (const account of accounts) {
    if (account.domains.some((d) => claimable.has(d))) await matchEventsToNewAccount(db, orgId, account.id, account.domains);
  }
}
