import type { Queryable } from '../../db/client.ts';
import { listRecentAccountEvents } from '../../db/repositories/events.ts';
import { currentHealthConfig, healthHistory, latestHealth, listPulses, type StoredHealth } from '../../db/repositories/health.ts';
import type { EventSource } from '../../domain/events.ts';
import { dayIn, pulseCountsUntil, pulseIsFresh } from '../../domain/health.ts';

/**
 * One account's health as its page and `GET /api/accounts/:id` show it (issue 10): the latest score
 * with its breakdown, the last 90 days of daily scores, the latest CSM Pulse and whether it still
 * counts, and (for the page) the account's latest events. Reads only: the scorer writes the scores.
 */

/** The history chart's window: today and the 89 days before it. */
const HEALTH_HISTORY_DAYS = 90;
const RECENT_EVENTS = 20;

export interface PulseView {
  score: number;
  note: string;
  setBy: string;
  setAt: Date;
  /** Whether it counts in the score today (the organisation's today). */
  fresh: boolean;
  /** The last day it counts: 90 days after it was set, 30 for a 1 or a 10. */
  expiresOn: string;
}

export interface RecentEvent { type: string; source: EventSource; occurredAt: Date }

export interface AccountHealthView {
  /** The organisation's today (YYYY-MM-DD, in its scoring time zone): what freshness is judged against. */
  today: string;
  /** The latest score; null when the account was never scored. Its `score` is null when there was nothing to go on. */
  latest: Omit<StoredHealth, 'accountId'> | null;
  /** Daily scores, oldest first, over the last HEALTH_HISTORY_DAYS days. */
  history: { day: string; score: number }[];
  /** The first day of the history window. */
  historyFrom: string;
  pulse: PulseView | null;
  /** The pulse's share of the score while fresh, in % (the organisation's configuration in force). */
  pulseWeight: number;
  /** Newest first; empty unless asked for. */
  recentEvents: RecentEvent[];
}

/** The organisation's today, in the time zone its nightly scoring runs in (the day scores are filed under). */
export async function organisationToday(db: Queryable, orgId: string, now = new Date()): Promise<string> {
  const { config } = await currentHealthConfig(db, orgId);
  return dayIn(now, config.schedule.timezone);
}

export function pulseView(pulse: { score: number; note: string; setBy: string; setAt: Date }, today: string): PulseView {
  const stamp = { score: pulse.score, setAt: pulse.setAt.toISOString() };
  return {
    score: pulse.score, note: pulse.note, setBy: pulse.setBy, setAt: pulse.setAt,
    fresh: pulseIsFresh(stamp, today),
    // A Date from the database is always readable; the fallback only satisfies the type.
    expiresOn: pulseCountsUntil(stamp) ?? stamp.setAt.slice(0, 10),
  };
}

const minusDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/**
 * The account's health, every query scoped to the organisation. The caller has found the account
 * in the organisation already; another organisation's account ID reads as "never scored".
 */
export async function loadAccountHealth(db: Queryable, orgId: string, accountId: string, opts: { recentEvents?: boolean } = {}): Promise<AccountHealthView> {
  const { config } = await currentHealthConfig(db, orgId);
  const today = dayIn(new Date(), config.schedule.timezone);
  const historyFrom = minusDays(today, HEALTH_HISTORY_DAYS - 1);
  const [latest, history, pulses, recentEvents] = await Promise.all([
    latestHealth(db, orgId, [accountId]),
    healthHistory(db, orgId, [accountId], historyFrom),
    listPulses(db, orgId, accountId, 1),
    opts.recentEvents ? listRecentAccountEvents(db, orgId, accountId, RECENT_EVENTS) : Promise.resolve([]),
  ]);
  const stored = latest.get(accountId);
  const [pulse] = pulses;
  return {
    today,
    latest: stored ? {
      score: stored.score, tier: stored.tier, factors: stored.factors, excluded: stored.excluded, configVersion: stored.configVersion,
      computedAt: stored.computedAt, previousTier: stored.previousTier, tierSince: stored.tierSince,
    } : null,
    history: history.get(accountId) ?? [],
    historyFrom,
    pulse: pulse ? pulseView(pulse, today) : null,
    pulseWeight: config.factors.csm_pulse.weight,
    recentEvents,
  };
}
