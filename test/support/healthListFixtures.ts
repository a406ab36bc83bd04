import { randomUUID } from 'node:crypto';
import { insertAccountWithDomains } from '../../db/repositories/accounts.ts';
import { saveScores, type AccountScore } from '../../db/repositories/health.ts';
import { findCurrentTemplateVersion } from '../../db/repositories/templates.ts';
import type { Queryable } from '../../db/client.ts';
import { DEFAULT_HEALTH_CONFIG, scoreHealth, type HealthInputs, type HealthResult } from '../../domain/health.ts';
import type { LifecycleStatus } from '../../domain/lifecycle.ts';

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of the UTC day `ago` days before today. */
export const daysAgo = (ago: number, now = new Date()): string => new Date(now.getTime() - ago * DAY_MS).toISOString().slice(0, 10);

/**
 * A realistic breakdown with exactly `target` as its score: the default rules applied to inputs from a
 * small grid (last touch, open tickets, active days, a fresh pulse) until one lands on the target.
 * Scores are what the scorer would have written, factors and all; only the scorer's own run is skipped.
 */
export function resultScoring(target: number, today: string): HealthResult {
  for (const pulse of [null, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    for (const touch of [1, 10, 20, 40, 90]) {
      for (const open of [0, 1, 4, 8, 12]) {
        for (const active of [0, 2, 7, 12]) {
          const inputs: HealthInputs = {
            today, recentActivity: { daysSinceLastTouch: touch, lastTouchDay: daysAgo(touch, new Date(`${today}T12:00:00Z`)) },
            email: null, support: { openTickets: open, medianResolutionDays: null, resolvedCount: 0 }, meetings: null,
            milestones: null, tasks: null, usage: { activeDays14: active, activeDaysPrev14: active, distinctEvents14: 3 },
            pulse: pulse === null ? null : { score: pulse, note: 'Weekly call', setAt: `${today}T09:00:00Z`, setBy: 'casey@relay.test' },
          };
          const result = scoreHealth(DEFAULT_HEALTH_CONFIG, inputs);
          if (result.score === target) return result;
        }
      }
    }
  }
  throw new Error(`no fixture inputs score ${target}`);
}

/** An account's daily scores: days ago → score; null as a score is a scoring with nothing to go on. */
export type ScoreHistory = Map<number, number | null>;

/**
 * Writes each account's history through saveScores, oldest day first, one call per day for the
 * accounts scored that day, as the nightly runs would have: account_health ends at the latest.
 */
export async function putScoreHistories(db: Queryable, orgId: string, histories: Map<string, ScoreHistory>, now = new Date()): Promise<void> {
  const days = [...new Set([...histories.values()].flatMap((h) => [...h.keys()]))].sort((a, b) => b - a);
  for (const ago of days) {
    const day = daysAgo(ago, now);
    const scores: AccountScore[] = [];
    for (const [accountId, history] of histories) {
      if (!history.has(ago)) continue;
      const target = history.get(ago)!;
      const result: HealthResult = target === null
        ? { score: null, tier: null, factors: [], excluded: [{ key: 'recent_activity', label: 'Recent activity', reason: 'no activity data' }] }
        : resultScoring(target, day);
      scores.push({ accountId, score: result.score, tier: result.tier, factors: result.factors, excluded: result.excluded, configVersion: 0 });
    }
    await saveScores(db, orgId, day, new Date(`${day}T02:00:00Z`), scores);
  }
}

/** A plain account of the organisation (no workflow run: the list reads rows). */
export async function insertListedAccount(db: Queryable, orgId: string, a: { name: string; status?: LifecycleStatus; arr?: number }): Promise<string> {
  const id = randomUUID();
  const version = await findCurrentTemplateVersion(db, orgId, { templateName: 'Quick Start' });
  const domain = `${a.name.toLowerCase().replace(/\W+/g, '-')}-${id.slice(0, 6)}.example`;
  await insertAccountWithDomains(db, {
    id, orgId, companyName: a.name, arr: a.arr ?? 60_000, closeDate: '2026-10-01',
    primaryContactName: 'Pat Contact', primaryContactEmail: `pat@${domain}`, primaryDomain: domain,
    status: a.status ?? 'active', templateVersionId: version!.id, workflowId: `account-${id}`,
  }, [domain]);
  return id;
}
