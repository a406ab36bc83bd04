import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEALTH_CONFIG, describeBands, fallenFactors, HEALTH_TIER_LABELS, healthConfigSchema, isBadTier, pulseIsFresh, scoreHealth, tierOf,
  type FactorResult, type HealthConfig, type HealthFactorKey, type HealthInputs,
} from './health.ts';

const TODAY = '2026-11-30';

/** The day `n` days before TODAY, as the ISO date-time a pulse is stored with. */
function daysAgo(n: number): string {
  return new Date(Date.UTC(2026, 10, 30 - n, 15, 0, 0)).toISOString();
}

const NOTHING: HealthInputs = {
  today: TODAY, recentActivity: null, email: null, support: null, meetings: null, milestones: null, tasks: null, usage: null, pulse: null,
};

const HEALTHY: HealthInputs = {
  today: TODAY,
  recentActivity: { daysSinceLastTouch: 2, lastTouchDay: '2026-11-28' },
  email: { medianReplyHours: 3, repliedCount: 14, unansweredOver72h: 0 },
  support: { openTickets: 0, medianResolutionDays: 0.5, resolvedCount: 4 },
  meetings: { held180d: 7 },
  milestones: { currentMilestone: 'Go-live', daysPastPlannedEnd: 0 },
  tasks: { overdue: 0, open: 5 },
  usage: { activeDays14: 12, activeDaysPrev14: 11, distinctEvents14: 40 },
  pulse: null,
};

const NEGLECTED: HealthInputs = {
  today: TODAY,
  recentActivity: { daysSinceLastTouch: 45, lastTouchDay: '2026-10-16' },
  email: { medianReplyHours: 60, repliedCount: 5, unansweredOver72h: 3 },
  support: { openTickets: 7, medianResolutionDays: 10, resolvedCount: 6 },
  meetings: { held180d: 0 },
  milestones: { currentMilestone: 'Data migration', daysPastPlannedEnd: 25 },
  tasks: { overdue: 4, open: 9 },
  usage: { activeDays14: 0, activeDaysPrev14: 8, distinctEvents14: 0 },
  pulse: null,
};

/** A middling account whose factors score differently, so a wrong weight shows in the total. */
const MIXED: HealthInputs = {
  today: TODAY,
  recentActivity: { daysSinceLastTouch: 12, lastTouchDay: '2026-11-18' },
  email: { medianReplyHours: 60, repliedCount: 3, unansweredOver72h: 1 },
  support: { openTickets: 1, medianResolutionDays: 2, resolvedCount: 3 },
  meetings: { held180d: 4 },
  milestones: { currentMilestone: 'Training', daysPastPlannedEnd: 3 },
  tasks: { overdue: 0, open: 2 },
  usage: { activeDays14: 6, activeDaysPrev14: 6, distinctEvents14: 12 },
  pulse: null,
};

const config = (edit: (c: HealthConfig) => void): HealthConfig => {
  const c = structuredClone(DEFAULT_HEALTH_CONFIG);
  edit(c);
  return c;
};
const factorOf = (result: ReturnType<typeof scoreHealth>, key: HealthFactorKey) => result.factors.find((f) => f.key === key);
const weightSum = (factors: FactorResult[]) => factors.reduce((a, f) => a + f.weight, 0);
/** The dotted paths of the issues a config is refused with. */
const refusedAt = (input: unknown): string[] => {
  const parsed = healthConfigSchema.safeParse(input);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
};

describe('health configuration', () => {
  it('takes the default configuration as it is and fills in a missing schedule', () => {
    expect(healthConfigSchema.parse(DEFAULT_HEALTH_CONFIG)).toEqual(DEFAULT_HEALTH_CONFIG);
    expect(healthConfigSchema.parse({ factors: DEFAULT_HEALTH_CONFIG.factors }).schedule).toEqual({ hour: 2, timezone: 'UTC' });
  });

  it('refuses bands out of order, naming the field', () => {
    const meetings = config((c) => { c.factors.meetings.bands = [{ atLeast: 6, score: 100 }, { atLeast: 3, score: 75 }, { atLeast: 4, score: 40 }, { atLeast: 0, score: 0 }]; });
    expect(refusedAt(meetings)).toEqual(['factors.meetings.bands.2.atLeast']);
    const noZero = config((c) => { c.factors.product_usage.bands = [{ atLeast: 10, score: 100 }, { atLeast: 5, score: 70 }]; });
    expect(refusedAt(noZero)).toEqual(['factors.product_usage.bands.1.atLeast']);
    const nullInMiddle = config((c) => { c.factors.recent_activity.bands = [{ upTo: 7, score: 100 }, { upTo: null, score: 50 }, { upTo: 30, score: 0 }]; });
    expect(refusedAt(nullInMiddle)).toEqual(['factors.recent_activity.bands.1.upTo', 'factors.recent_activity.bands.2.upTo']);
    const notAscending = config((c) => { c.factors.support_load.resolutionBands = [{ upTo: 3, score: 100 }, { upTo: 3, score: 80 }, { upTo: null, score: 20 }]; });
    expect(refusedAt(notAscending)).toEqual(['factors.support_load.resolutionBands.1.upTo']);
    const noMore = config((c) => { c.factors.overdue_tasks.bands = [{ upTo: 0, score: 100 }, { upTo: 3, score: 40 }]; });
    expect(refusedAt(noMore)).toEqual(['factors.overdue_tasks.bands.1.upTo']);
    const badScore = config((c) => { c.factors.email_responsiveness.bands[0]!.score = 120; });
    expect(refusedAt(badScore)).toEqual(['factors.email_responsiveness.bands.0.score']);
  });

  it('refuses weights the score cannot work with', () => {
    expect(refusedAt(config((c) => { c.factors.csm_pulse.weight = 91; }))).toEqual(['factors.csm_pulse.weight']);
    expect(refusedAt(config((c) => { c.factors.meetings.weight = 10.5; }))).toEqual(['factors.meetings.weight']);
    const onlyPulse = config((c) => { for (const key of Object.keys(c.factors) as HealthFactorKey[]) if (key !== 'csm_pulse') c.factors[key].weight = 0; });
    expect(refusedAt(onlyPulse)).toEqual(['factors']);
  });

  it('refuses a time zone that is not an IANA name', () => {
    expect(refusedAt(config((c) => { c.schedule.timezone = 'Mars/Olympus_Mons'; }))).toEqual(['schedule.timezone']);
    expect(refusedAt(config((c) => { c.schedule.timezone = '+02:00'; }))).toEqual(['schedule.timezone']);
    expect(refusedAt(config((c) => { c.schedule.hour = 24; }))).toEqual(['schedule.hour']);
    expect(healthConfigSchema.parse(config((c) => { c.schedule.timezone = 'Europe/Berlin'; })).schedule.timezone).toBe('Europe/Berlin');
  });

  it('describes bands in words for the settings page', () => {
    expect(describeBands('meetings', DEFAULT_HEALTH_CONFIG)).toEqual(['6 or more meetings → 100', '3–5 meetings → 75', '1–2 meetings → 40', '0 meetings → 0']);
    expect(describeBands('overdue_tasks', DEFAULT_HEALTH_CONFIG)).toEqual(['0 overdue tasks → 100', '1 overdue task → 70', '2–3 overdue tasks → 40', 'more than 3 overdue tasks → 10']);
    expect(describeBands('recent_activity', DEFAULT_HEALTH_CONFIG)).toEqual(['≤ 7 days → 100', '≤ 14 days → 80', '≤ 30 days → 50', '≤ 60 days → 20', 'more than 60 days → 0']);
    expect(describeBands('milestone_progress', DEFAULT_HEALTH_CONFIG)[0]).toBe('on plan → 100');
    expect(describeBands('product_usage', DEFAULT_HEALTH_CONFIG).at(-1)).toMatch(/^−20 when active days fall by more than 50 %/);
  });
});

describe('health score', () => {
  it('scores a well-looked-after account Healthy, with nothing to raise', () => {
    const result = scoreHealth(DEFAULT_HEALTH_CONFIG, HEALTHY);
    expect(result.score).toBeGreaterThanOrEqual(90);
    expect(result.tier).toBe('healthy');
    expect(result.factors.map((f) => f.key)).toEqual(['recent_activity', 'email_responsiveness', 'support_load', 'meetings', 'milestone_progress', 'overdue_tasks', 'product_usage']);
    expect(result.factors.every((f) => f.score === 100 && f.toRaise === null)).toBe(true);
    expect(result.excluded).toEqual([{ key: 'csm_pulse', label: 'CSM Pulse', reason: 'no pulse set' }]);
  });

  it('scores a neglected account Critical and shows the inputs behind each factor', () => {
    const result = scoreHealth(DEFAULT_HEALTH_CONFIG, NEGLECTED);
    // 15×20 + 15×(50−30) + 20×avg(20, 20) + 10×0 + 15×10 + 5×10 + 20×max(0, 0−20), over 100.
    expect(result.score).toBe(12);
    expect(result.tier).toBe('critical');
    expect(isBadTier(result.tier!)).toBe(true);
    expect(factorOf(result, 'recent_activity')).toMatchObject({
      score: 20, inputs: { daysSinceLastTouch: 45, lastTouchDay: '2026-10-16' }, band: '≤ 60 days → 20',
      explanation: 'Last touch 45 days ago (2026-10-16).', toRaise: 'A touch in the next days would bring it to 100 (≤ 7 days).',
    });
    expect(factorOf(result, 'email_responsiveness')).toMatchObject({
      score: 20, inputs: { medianReplyHours: 60, repliedCount: 5, unansweredOver72h: 3 }, band: '≤ 72 hours → 50, −30 for 3 unanswered emails',
    });
    expect(factorOf(result, 'email_responsiveness')!.explanation).toContain('3 customer emails unanswered for more than 72 hours');
    expect(factorOf(result, 'support_load')).toMatchObject({ score: 20, inputs: { openTickets: 7, medianResolutionDays: 10, resolvedCount: 6 } });
    expect(factorOf(result, 'milestone_progress')).toMatchObject({ score: 10, explanation: 'Milestone "Data migration" is 25 days past its planned end.' });
    expect(factorOf(result, 'overdue_tasks')).toMatchObject({ score: 10, inputs: { overdue: 4, open: 9 } });
    const usage = factorOf(result, 'product_usage')!;
    expect(usage).toMatchObject({ score: 0, inputs: { activeDays14: 0, activeDaysPrev14: 8, distinctEvents14: 0 } });
    expect(usage.band).toContain('−20 for a drop of more than 50 %');
    expect(usage.explanation).toContain('0 active days in the last 14 days (8 in the 14 before, −100 %)');
    expect(result.factors.every((f) => f.toRaise !== null)).toBe(true);
  });

  it('shares a missing factor\'s weight out exactly as if its weight were 0, the shares adding up to 100', () => {
    const withoutEmail = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...MIXED, email: null });
    const emailOff = scoreHealth(config((c) => { c.factors.email_responsiveness.weight = 0; }), MIXED);
    // (15×80 + 20×80 + 10×75 + 15×70 + 5×100 + 20×70) / 85 = 76.5 → 76; with email (50−10 = 40 at 15) it would be 71.
    expect(withoutEmail.score).toBe(76);
    expect(emailOff.score).toBe(76);
    expect(scoreHealth(DEFAULT_HEALTH_CONFIG, MIXED).score).toBe(71);
    expect(emailOff.factors.map((f) => [f.key, f.weight])).toEqual(withoutEmail.factors.map((f) => [f.key, f.weight]));
    expect(withoutEmail.excluded).toContainEqual({ key: 'email_responsiveness', label: 'Email responsiveness', reason: 'no email data' });
    expect(emailOff.excluded).toContainEqual({ key: 'email_responsiveness', label: 'Email responsiveness', reason: 'weight 0' });
    expect(weightSum(withoutEmail.factors)).toBeCloseTo(100, 6);
    expect(factorOf(withoutEmail, 'support_load')!.weight).toBe(23.5);
    expect(weightSum(scoreHealth(DEFAULT_HEALTH_CONFIG, MIXED).factors)).toBeCloseTo(100, 6);
  });

  it('never scores a factor without data as 0, and leaves an account with no data at all unscored', () => {
    expect(scoreHealth(DEFAULT_HEALTH_CONFIG, { ...NOTHING, recentActivity: { daysSinceLastTouch: 2, lastTouchDay: '2026-11-28' } }).score).toBe(100);
    const nothing = scoreHealth(DEFAULT_HEALTH_CONFIG, NOTHING);
    expect(nothing).toMatchObject({ score: null, tier: null, factors: [] });
    expect(nothing.excluded).toHaveLength(8);
    // An email record with no replies and nothing waiting is no data too; emails left waiting are not.
    const noMail = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, email: { medianReplyHours: null, repliedCount: 0, unansweredOver72h: 0 } });
    expect(noMail.score).toBe(100);
    expect(noMail.excluded.map((e) => e.reason)).toContain('no email data');
    const ignored = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, email: { medianReplyHours: null, repliedCount: 0, unansweredOver72h: 2 } });
    expect(factorOf(ignored, 'email_responsiveness')).toMatchObject({ score: 0, band: 'no replies → 20, −20 for 2 unanswered emails' });
  });

  it('gives a fresh pulse exactly its share and scales the other factors to the rest', () => {
    const result = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, pulse: { score: 2, note: 'Champion left', setAt: daysAgo(3), setBy: 'Pat' } });
    expect(factorOf(result, 'csm_pulse')).toMatchObject({ score: 20, weight: 20, configuredWeight: 20 });
    expect(factorOf(result, 'csm_pulse')!.explanation).toContain('"Champion left"');
    // 80 % × 100 + 20 % × 20.
    expect(result.score).toBe(84);
    expect(result.factors.filter((f) => f.key !== 'csm_pulse').map((f) => f.weight)).toEqual([12, 12, 16, 8, 12, 4, 16]);
    expect(weightSum(result.factors)).toBeCloseTo(100, 6);
  });

  it('keeps a pulse 90 days (the extremes 1 and 10 only 30) and then leaves it out', () => {
    expect(pulseIsFresh({ score: 7, setAt: daysAgo(31) }, TODAY)).toBe(true);
    expect(pulseIsFresh({ score: 10, setAt: daysAgo(31) }, TODAY)).toBe(false);
    expect(pulseIsFresh({ score: 1, setAt: daysAgo(30) }, TODAY)).toBe(true);
    expect(pulseIsFresh({ score: 5, setAt: daysAgo(89) }, TODAY)).toBe(true);
    expect(pulseIsFresh({ score: 5, setAt: daysAgo(90) }, TODAY)).toBe(true);
    expect(pulseIsFresh({ score: 5, setAt: daysAgo(91) }, TODAY)).toBe(false);

    const stale = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, pulse: { score: 2, note: '', setAt: daysAgo(91), setBy: 'Pat' } });
    expect(stale.score).toBe(scoreHealth(DEFAULT_HEALTH_CONFIG, HEALTHY).score);
    expect(stale.excluded).toContainEqual({ key: 'csm_pulse', label: 'CSM Pulse', reason: 'pulse expired on 2026-11-30' });
    const staleTen = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...MIXED, pulse: { score: 10, note: '', setAt: daysAgo(31), setBy: 'Pat' } });
    expect(factorOf(staleTen, 'csm_pulse')).toBeUndefined();
    expect(staleTen.score).toBe(71);
    const freshSeven = scoreHealth(DEFAULT_HEALTH_CONFIG, { ...MIXED, pulse: { score: 7, note: '', setAt: daysAgo(31), setBy: 'Pat' } });
    expect(factorOf(freshSeven, 'csm_pulse')).toMatchObject({ score: 70, weight: 20 });
  });

  it('averages open tickets with resolution time, and takes usage down only for a drop of more than half', () => {
    const support = (openTickets: number, medianResolutionDays: number | null) =>
      factorOf(scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, support: { openTickets, medianResolutionDays, resolvedCount: medianResolutionDays === null ? 0 : 3 } }), 'support_load');
    expect(support(1, 5)).toMatchObject({ score: 65, band: '1–2 open tickets → 80; resolution ≤ 7 days → 50; average 65' });
    expect(support(1, null)).toMatchObject({ score: 80, band: '1–2 open tickets → 80', explanation: '1 open ticket; no tickets resolved in 90 days.' });
    const usage = (activeDays14: number, activeDaysPrev14: number) =>
      factorOf(scoreHealth(DEFAULT_HEALTH_CONFIG, { ...HEALTHY, usage: { activeDays14, activeDaysPrev14, distinctEvents14: 3 } }), 'product_usage')!.score;
    expect(usage(4, 8)).toBe(40);
    expect(usage(3, 8)).toBe(20);
    expect(usage(3, 0)).toBe(40);
  });

  it('draws the tier lines at 80, 60 and 40', () => {
    expect([100, 80, 79, 60, 59, 40, 39, 0].map(tierOf)).toEqual(['healthy', 'healthy', 'needs_attention', 'needs_attention', 'at_risk', 'at_risk', 'critical', 'critical']);
    expect([80, 79, 59, 39].map((score) => HEALTH_TIER_LABELS[tierOf(score)])).toEqual(['Healthy', 'Needs attention', 'At risk', 'Critical']);
    expect(isBadTier('needs_attention')).toBe(false);
    expect(isBadTier('at_risk')).toBe(true);
  });
});

describe('fallen factors', () => {
  const factor = (key: HealthFactorKey, score: number, weight: number): FactorResult => ({
    key, label: key, score, weight, configuredWeight: weight, inputs: {}, band: '', explanation: '', toRaise: null,
  });

  it('names the factors that fell 10 points or more, the largest weighted loss first', () => {
    const previous = [factor('recent_activity', 90, 20), factor('email_responsiveness', 80, 30), factor('support_load', 70, 10), factor('meetings', 100, 10), factor('overdue_tasks', 100, 5)];
    const current = [
      factor('recent_activity', 70, 20), factor('email_responsiveness', 65, 30), factor('support_load', 60, 10),
      factor('meetings', 95, 10), factor('overdue_tasks', 50, 5), factor('product_usage', 55, 35),
    ];
    // Losses: usage (not scored before: from 100, 45 × 35), email 15 × 30, recent 20 × 20, tasks 50 × 5, support 10 × 10; meetings fell only 5.
    expect(fallenFactors(previous, current).map((f) => f.key)).toEqual(['product_usage', 'email_responsiveness', 'recent_activity', 'overdue_tasks', 'support_load']);
    // With nothing to compare against: those under 60 (support's 60 is not).
    expect(fallenFactors(null, current).map((f) => f.key)).toEqual(['product_usage', 'overdue_tasks']);
  });

  it('explains why a neglected account went bad, biggest cause first', () => {
    // Losses × share: usage 100 × 20, support 80 × 20, milestone 90 × 15, activity and email 80 × 15, meetings 100 × 10, tasks 90 × 5.
    const fallen = fallenFactors(scoreHealth(DEFAULT_HEALTH_CONFIG, HEALTHY).factors, scoreHealth(DEFAULT_HEALTH_CONFIG, NEGLECTED).factors);
    expect(fallen.map((f) => f.key)).toEqual(['product_usage', 'support_load', 'milestone_progress', 'recent_activity', 'email_responsiveness', 'meetings', 'overdue_tasks']);
  });
});
