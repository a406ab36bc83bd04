import type { Database, Queryable } from '../../db/client.ts';
import { accountsForScoring, scorableAccountsInRange } from '../../db/repositories/accounts.ts';
import { taskCountsByAccount } from '../../db/repositories/accountWork.ts';
import { accountEventStats, foldEventDayDeltas, organisationsWithEventDayDeltas } from '../../db/repositories/events.ts';
import {
  currentHealthConfig, latestHealth, latestPulses, organisationEventTypes, saveScores, takeSettledRescores, threadStats, type AccountScore,
} from '../../db/repositories/health.ts';
import { currentMilestones } from '../../db/repositories/milestones.ts';
import { ENGAGEMENT_SIGNALS } from '../../domain/events.ts';
import {
  dayIn, fallenFactors, isBadTier, scoreHealth, type HealthInputs, type HealthTier,
} from '../../domain/health.ts';
import type { LifecycleStatus } from '../../domain/lifecycle.ts';
import type { HealthChange } from '../../workflows/definitions.ts';

/**
 * Tells an account's lifecycle workflow that its health crossed a line (into At risk or Critical,
 * or back to Healthy). The workflow decides what that means for the account's status.
 */
export type HealthChangeSignal = (accountId: string, change: HealthChange) => Promise<void>;

export interface ScoringOutcome { scored: number; wentAtRisk: number; recovered: number }

const DAY_MS = 86_400_000;

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

const ENGAGEMENT: readonly string[] = ENGAGEMENT_SIGNALS;
const SIGNALS_AT_ONCE = 16;

/** Only accounts being onboarded or watched move on their health; the others are scored all the same. */
const MOVES_ON_HEALTH: readonly LifecycleStatus[] = ['active', 'at_risk'];

/**
 * Scores these accounts of one organisation now, inside the caller's transaction: reads every input
 * from the rollups (never raw events; the caller folds pending deltas in first, foldPendingEvents), scores with the configuration in force, keeps the score and
 * today's point of its history, and signals each account that entered a bad tier or came back to
 * Healthy. The signals go out before the caller commits: if the commit fails, the retry scores again
 * from the old tiers and signals again, and the workflow takes a repeated signal as a no-op.
 */
export async function scoreAccounts(
  tx: Queryable, signal: HealthChangeSignal, orgId: string,
  accounts: { id: string; status: LifecycleStatus; createdAt: Date }[], now: Date,
): Promise<ScoringOutcome> {
  const outcome: ScoringOutcome = { scored: 0, wentAtRisk: 0, recovered: 0 };
  if (!accounts.length) return outcome;
  const { version, config } = await currentHealthConfig(tx, orgId);
  const today = dayIn(now, config.schedule.timezone);
  const ids = accounts.map((a) => a.id);
  const [types, events, threads, milestones, tasks, pulses, previous] = [
    await organisationEventTypes(tx, orgId),
    await accountEventStats(tx, orgId, ids, today, ENGAGEMENT),
    await threadStats(tx, orgId, ids, now),
    await currentMilestones(tx, orgId, ids),
    await taskCountsByAccount(tx, orgId, ids, today),
    await latestPulses(tx, orgId, ids),
    await latestHealth(tx, orgId, ids),
  ];
  const sendsProduct = [...types].some((t) => !ENGAGEMENT.includes(t));
  const sendsTouches = sendsProduct || types.has('email_received') || types.has('meeting_held');

  const scores: AccountScore[] = [];
  const changes: { accountId: string; change: HealthChange }[] = [];
  for (const account of accounts) {
    const stats = events.get(account.id);
    const thread = threads.get(account.id);
    const milestone = milestones.get(account.id);
    const taskCounts = tasks.get(account.id);
    const pulse = pulses.get(account.id);
    const createdDay = dayIn(account.createdAt, config.schedule.timezone);
    // No touch yet: counted from the day the account arrived, so a new account is not "neglected".
    const lastTouchDay = stats?.lastTouchDay ?? null;
    const inputs: HealthInputs = {
      today,
      recentActivity: sendsTouches
        ? { daysSinceLastTouch: Math.max(0, daysBetween(lastTouchDay ?? createdDay, today)), lastTouchDay }
        : null,
      email: thread?.email
        ? { medianReplyHours: thread.email.medianHoursToClose, repliedCount: thread.email.closed, unansweredOver72h: thread.email.openOver72h }
        : null,
      support: types.has('ticket_opened')
        ? {
            openTickets: thread?.ticket?.open ?? 0, resolvedCount: thread?.ticket?.closed ?? 0,
            medianResolutionDays: thread?.ticket?.medianHoursToClose == null ? null : thread.ticket.medianHoursToClose / 24,
          }
        : null,
      meetings: types.has('meeting_held') ? { held180d: stats?.meetings180d ?? 0 } : null,
      milestones: milestone?.startedAt
        ? {
            currentMilestone: milestone.name,
            daysPastPlannedEnd: Math.max(0, daysBetween(addDays(dayIn(milestone.startedAt, config.schedule.timezone), milestone.durationDays), today)),
          }
        : null,
      tasks: taskCounts?.total ? { overdue: taskCounts.overdue, open: taskCounts.open } : null,
      usage: sendsProduct
        ? { activeDays14: stats?.activeDays14 ?? 0, activeDaysPrev14: stats?.activeDaysPrev14 ?? 0, distinctEvents14: stats?.distinctEvents14 ?? 0 }
        : null,
      pulse: pulse ? { score: pulse.score, note: pulse.note, setAt: pulse.setAt.toISOString(), setBy: pulse.setBy } : null,
    };
    const result = scoreHealth(config, inputs);
    scores.push({ accountId: account.id, score: result.score, tier: result.tier, factors: result.factors, excluded: result.excluded, configVersion: version });

    const before = previous.get(account.id);
    const change = crossing(before?.tier ?? null, result.tier);
    if (change && result.score !== null && result.tier && MOVES_ON_HEALTH.includes(account.status)) {
      const fallen = change === 'entered_bad' ? fallenFactors(before?.factors ?? null, result.factors) : [];
      changes.push({
        accountId: account.id,
        change: {
          score: result.score, tier: result.tier, previousTier: before?.tier ?? null, day: today,
          reasons: fallen.slice(0, 3).map((f) => `${f.label} ${f.score}/100: ${f.explanation}`),
        },
      });
      if (change === 'entered_bad') outcome.wentAtRisk += 1;
      else outcome.recovered += 1;
    }
  }
  await saveScores(tx, orgId, today, now, scores);
  // A first nightly run can signal thousands of accounts: a few at a time, not one by one inside the transaction.
  for (let i = 0; i < changes.length; i += SIGNALS_AT_ONCE) {
    await Promise.all(changes.slice(i, i + SIGNALS_AT_ONCE).map(({ accountId, change }) => signal(accountId, change)));
  }
  outcome.scored = scores.length;
  return outcome;
}

/** Entering At risk or Critical from anywhere else (a first score included), or reaching Healthy from below. */
function crossing(before: HealthTier | null, after: HealthTier | null): 'entered_bad' | 'recovered' | null {
  if (!after) return null;
  if (isBadTier(after) && !(before && isBadTier(before))) return 'entered_bad';
  if (after === 'healthy' && before !== null && before !== 'healthy') return 'recovered';
  return null;
}

/**
 * Adds what ingestion stored since the last fold to the daily rollups scoring reads: for these
 * organisations, or every one with deltas waiting. Each fold is one short statement of its own, not
 * part of a scoring transaction, which would hold the folded rows while it scores and make concurrent
 * batches wait. When it returns, every event stored before it began is in the rollups.
 */
export async function foldPendingEvents(db: Database, orgIds?: readonly string[]): Promise<number> {
  let folded = 0;
  for (const orgId of orgIds ?? await organisationsWithEventDayDeltas(db)) folded += await foldEventDayDeltas(db, orgId);
  return folded;
}

/** One batch of a scoring run: the scorable accounts with IDs in (after, upTo], in one transaction. */
export async function scoreAccountRange(
  db: Database, signal: HealthChangeSignal, orgId: string, range: { after: string | null; upTo: string }, now = new Date(),
): Promise<ScoringOutcome> {
  await foldPendingEvents(db, [orgId]);
  return db.transaction(async (tx) => scoreAccounts(tx, signal, orgId, await scorableAccountsInRange(tx, orgId, range), now));
}

export interface RescoreOutcome extends ScoringOutcome {
  /** Accounts taken from the queue (churned ones are taken and not scored): a full batch means more may wait. */
  taken: number;
  /** How long the longest-waiting account of the batch waited since its first change (ms). */
  longestWaitMs: number;
}

/**
 * Rescoring of changed accounts: takes those whose change has settled for `settleMs`, oldest first,
 * across organisations, and scores each organisation's share with its own configuration. Taken and
 * scored in one transaction: if scoring fails, they stay queued.
 */
export async function rescoreSettled(
  db: Database, signal: HealthChangeSignal, opts: { settleMs: number; limit: number; orgIds?: string[] | undefined }, now = new Date(),
): Promise<RescoreOutcome> {
  await foldPendingEvents(db, opts.orgIds);
  return db.transaction(async (tx) => {
    const taken = await takeSettledRescores(tx, opts);
    const outcome: RescoreOutcome = { scored: 0, wentAtRisk: 0, recovered: 0, taken: taken.length, longestWaitMs: 0 };
    const byOrg = new Map<string, string[]>();
    for (const t of taken) {
      byOrg.set(t.orgId, [...(byOrg.get(t.orgId) ?? []), t.accountId]);
      outcome.longestWaitMs = Math.max(outcome.longestWaitMs, now.getTime() - t.since.getTime());
    }
    for (const [orgId, ids] of byOrg) {
      const accounts = (await accountsForScoring(tx, orgId, ids)).filter((a) => a.status !== 'churned');
      const one = await scoreAccounts(tx, signal, orgId, accounts, now);
      outcome.scored += one.scored;
      outcome.wentAtRisk += one.wentAtRisk;
      outcome.recovered += one.recovered;
    }
    return outcome;
  });
}
