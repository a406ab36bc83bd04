import { z } from 'zod';
import { tierOf, type HealthTier } from './healthTiers.ts';

/**
 * The health score rules (SPEC §7): each factor turns its inputs into a 0–100 score through bands an
 * organisation's admins configure, and the account's score is their weighted average. Pure: the
 * nightly workflow and the services both score with it, and `today` comes in as an argument, so
 * the same inputs always give the same score (a replayed workflow must not score differently).
 */

// ---- tiers --------------------------------------------------------------------------------------

// In a module of their own, without zod, for workflow code (see domain/healthTiers.ts); exported here too.
export { HEALTH_TIERS, HEALTH_TIER_LABELS, isBadTier, tierOf, type HealthTier } from './healthTiers.ts';

// ---- factors and their configuration ------------------------------------------------------------

export const HEALTH_FACTOR_KEYS = [
  'recent_activity', 'email_responsiveness', 'support_load', 'meetings',
  'milestone_progress', 'overdue_tasks', 'product_usage', 'csm_pulse',
] as const;
export type HealthFactorKey = (typeof HEALTH_FACTOR_KEYS)[number];

export const HEALTH_FACTOR_LABELS: Record<HealthFactorKey, string> = {
  recent_activity: 'Recent activity',
  email_responsiveness: 'Email responsiveness',
  support_load: 'Support load',
  meetings: 'Meetings',
  milestone_progress: 'Milestone progress vs plan',
  overdue_tasks: 'Overdue tasks',
  product_usage: 'Product usage',
  csm_pulse: 'CSM Pulse',
};

/** A pulse counts for 90 days; the extremes (1 and 10) only for 30, since they are the loudest calls. */
export const PULSE_FRESH_DAYS = 90;
export const PULSE_EXTREME_FRESH_DAYS = 30;

const bandScore = z.number().int().min(0).max(100);
const factorWeight = z.number().int().min(0).max(100);
/** Thresholds on counts (tickets, tasks, meetings, days with activity) are whole numbers, so bands read as ranges. */
const countThreshold = z.number().int().min(0);
/** Thresholds on durations (hours, days) may be fractional: "≤ 0.5 days". */
const amountThreshold = z.number().min(0);

/** Bands where less is better ("≤ 7 days → 100"): upTo ascending, the last one open-ended (null = "more"). */
function upToBands(threshold: z.ZodNumber) {
  return z.array(z.strictObject({ upTo: threshold.nullable(), score: bandScore })).min(1).superRefine((bands, ctx) => {
    bands.forEach((band, i) => {
      const last = i === bands.length - 1;
      const prev = i > 0 ? bands[i - 1]!.upTo : null;
      if (band.upTo === null && !last) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], input: band.upTo, message: 'only the last band may be open-ended (upTo null = "more")' });
      if (band.upTo !== null && last) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], input: band.upTo, message: 'the last band must be open-ended (upTo null = "more"), so every value has a band' });
      if (band.upTo !== null && prev !== null && band.upTo <= prev) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], input: band.upTo, message: `must be greater than the band before's ${prev}: bands go in ascending order` });
    });
  });
}

/** Bands where more is better ("≥ 6 meetings → 100"): atLeast descending, the last one 0 so every count has a band. */
const atLeastBands = z.array(z.strictObject({ atLeast: countThreshold, score: bandScore })).min(1).superRefine((bands, ctx) => {
  bands.forEach((band, i) => {
    const prev = i > 0 ? bands[i - 1]!.atLeast : null;
    if (prev !== null && band.atLeast >= prev) ctx.addIssue({ code: 'custom', path: [i, 'atLeast'], input: band.atLeast, message: `must be less than the band before's ${prev}: bands go in descending order` });
  });
  const last = bands.length - 1;
  if (last >= 0 && bands[last]!.atLeast !== 0) ctx.addIssue({ code: 'custom', path: [last, 'atLeast'], input: bands[last]!.atLeast, message: 'the last band must start at 0, so every count has a band' });
});

/** An IANA zone name. Offsets such as '+02:00' are refused even where the engine takes them: they ignore daylight saving. */
function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const factorsSchema = z.strictObject({
  recent_activity: z.strictObject({ weight: factorWeight, bands: upToBands(amountThreshold) }),
  email_responsiveness: z.strictObject({ weight: factorWeight, bands: upToBands(amountThreshold), unansweredPenalty: bandScore }),
  support_load: z.strictObject({ weight: factorWeight, openBands: upToBands(countThreshold), resolutionBands: upToBands(amountThreshold) }),
  meetings: z.strictObject({ weight: factorWeight, bands: atLeastBands }),
  milestone_progress: z.strictObject({ weight: factorWeight, bands: upToBands(amountThreshold) }),
  overdue_tasks: z.strictObject({ weight: factorWeight, bands: upToBands(countThreshold) }),
  product_usage: z.strictObject({ weight: factorWeight, bands: atLeastBands, dropPenalty: bandScore, dropThresholdPercent: z.number().min(0).max(100) }),
  // The pulse's weight is a share of the total, not a relative weight: at 100 the data would not count at all.
  csm_pulse: z.strictObject({ weight: z.number().int().min(0).max(90, { error: 'must be at most 90: the other factors keep at least 10 % of the score' }) }),
}).superRefine((factors, ctx) => {
  if (HEALTH_FACTOR_KEYS.every((key) => key === 'csm_pulse' || factors[key].weight === 0)) {
    ctx.addIssue({ code: 'custom', input: factors, message: 'at least one factor other than the CSM Pulse needs a weight above 0' });
  }
});

/** An organisation's health configuration, as its admins edit it (each save is a version). */
export const healthConfigSchema = z.strictObject({
  factors: factorsSchema,
  /** When the nightly run scores the organisation's accounts: an hour of its own day. */
  schedule: z.strictObject({
    hour: z.number().int().min(0).max(23).default(2),
    timezone: z.string().refine(isTimeZone, { error: 'must be an IANA time zone name, e.g. Europe/Berlin' }).default('UTC'),
  }).default({ hour: 2, timezone: 'UTC' }),
});
export type HealthConfig = z.infer<typeof healthConfigSchema>;
type FactorConfigs = HealthConfig['factors'];

/** SPEC §7's table. Non-pulse weights are relative (they happen to add up to 100). */
export const DEFAULT_HEALTH_CONFIG: HealthConfig = {
  factors: {
    recent_activity: { weight: 15, bands: [{ upTo: 7, score: 100 }, { upTo: 14, score: 80 }, { upTo: 30, score: 50 }, { upTo: 60, score: 20 }, { upTo: null, score: 0 }] },
    email_responsiveness: { weight: 15, bands: [{ upTo: 4, score: 100 }, { upTo: 24, score: 80 }, { upTo: 72, score: 50 }, { upTo: null, score: 20 }], unansweredPenalty: 10 },
    support_load: {
      weight: 20,
      openBands: [{ upTo: 0, score: 100 }, { upTo: 2, score: 80 }, { upTo: 5, score: 50 }, { upTo: 10, score: 20 }, { upTo: null, score: 0 }],
      resolutionBands: [{ upTo: 1, score: 100 }, { upTo: 3, score: 80 }, { upTo: 7, score: 50 }, { upTo: null, score: 20 }],
    },
    meetings: { weight: 10, bands: [{ atLeast: 6, score: 100 }, { atLeast: 3, score: 75 }, { atLeast: 1, score: 40 }, { atLeast: 0, score: 0 }] },
    milestone_progress: { weight: 15, bands: [{ upTo: 0, score: 100 }, { upTo: 7, score: 70 }, { upTo: 21, score: 40 }, { upTo: null, score: 10 }] },
    overdue_tasks: { weight: 5, bands: [{ upTo: 0, score: 100 }, { upTo: 1, score: 70 }, { upTo: 3, score: 40 }, { upTo: null, score: 10 }] },
    product_usage: { weight: 20, bands: [{ atLeast: 10, score: 100 }, { atLeast: 5, score: 70 }, { atLeast: 1, score: 40 }, { atLeast: 0, score: 0 }], dropPenalty: 20, dropThresholdPercent: 50 },
    csm_pulse: { weight: 20 },
  },
  schedule: { hour: 2, timezone: 'UTC' },
};

// ---- inputs and results -------------------------------------------------------------------------

/** What the scorer knows about one account. null = no data for that factor: left out, never scored 0. */
export interface HealthInputs {
  /** 'YYYY-MM-DD', the organisation's today. */
  today: string;
  recentActivity: { daysSinceLastTouch: number; lastTouchDay: string | null } | null;
  email: { medianReplyHours: number | null; repliedCount: number; unansweredOver72h: number } | null;
  support: { openTickets: number; medianResolutionDays: number | null; resolvedCount: number } | null;
  meetings: { held180d: number } | null;
  milestones: { currentMilestone: string; daysPastPlannedEnd: number } | null;
  tasks: { overdue: number; open: number } | null;
  usage: { activeDays14: number; activeDaysPrev14: number; distinctEvents14: number } | null;
  pulse: { score: number; note: string; setAt: string /* ISO */; setBy: string } | null;
}

export interface FactorResult {
  key: HealthFactorKey;
  label: string;
  /** 0–100, whole. */
  score: number;
  /** Effective share of the total in %, one decimal; the present factors' add up to 100. */
  weight: number;
  configuredWeight: number;
  /** The inputs by name, shown beside the score so a CSM can check it. */
  inputs: Record<string, number | string | null>;
  /** The band that applied, in words: '≤ 14 days → 80'. */
  band: string;
  /** A CSM-readable sentence: 'Last touch 12 days ago (2026-11-18).' */
  explanation: string;
  /** What would raise it, or null when nothing would (at 100). */
  toRaise: string | null;
}

export interface HealthResult {
  /** null: nothing to go on, so "not scored" (never 0). */
  score: number | null;
  tier: HealthTier | null;
  /** The factors that counted, in HEALTH_FACTOR_KEYS order. */
  factors: FactorResult[];
  excluded: { key: HealthFactorKey; label: string; reason: string }[];
}

// ---- words --------------------------------------------------------------------------------------

const num = (n: number): string => String(Math.round(n * 10) / 10);
const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;
const clamp = (n: number): number => Math.min(100, Math.max(0, Math.round(n)));
const sentence = (parts: string[]): string | null => {
  const text = parts.join('; ');
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : null;
};

/** How a band's threshold reads: counts as ranges ('1–2 open tickets'), amounts as limits ('≤ 4 hours'). */
interface Scale { one: string; many: string; count: boolean; after?: string; zero?: string }
const DAYS: Scale = { one: 'day', many: 'days', count: false };
const HOURS: Scale = { one: 'hour', many: 'hours', count: false };
const PAST_PLAN: Scale = { one: 'day', many: 'days', count: false, after: ' past plan', zero: 'on plan' };
const OPEN_TICKETS: Scale = { one: 'open ticket', many: 'open tickets', count: true };
const OVERDUE: Scale = { one: 'overdue task', many: 'overdue tasks', count: true };
const MEETINGS: Scale = { one: 'meeting', many: 'meetings', count: true };
const ACTIVE_DAYS: Scale = { one: 'active day', many: 'active days', count: true };

type UpToBand = { upTo: number | null; score: number };
type AtLeastBand = { atLeast: number; score: number };

function upToLabel(bands: readonly UpToBand[], i: number, s: Scale): string {
  const { upTo } = bands[i]!;
  const prev = i > 0 ? bands[i - 1]!.upTo : null;
  if (upTo === null) return prev === null ? `any number of ${s.many}` : `more than ${plural(prev, s.one, s.many)}${s.after ?? ''}`;
  if (upTo === 0 && s.zero) return s.zero;
  if (s.count) {
    const low = prev === null ? 0 : prev + 1;
    return low >= upTo ? plural(upTo, s.one, s.many) : `${low}–${upTo} ${s.many}`;
  }
  return `≤ ${plural(upTo, s.one, s.many)}${s.after ?? ''}`;
}

function atLeastLabel(bands: readonly AtLeastBand[], i: number, s: Scale): string {
  const { atLeast } = bands[i]!;
  if (i === 0) return atLeast === 0 ? `any number of ${s.many}` : `${atLeast} or more ${s.many}`;
  const high = bands[i - 1]!.atLeast - 1;
  return atLeast >= high ? plural(atLeast, s.one, s.many) : `${atLeast}–${high} ${s.many}`;
}

const upToLines = (bands: readonly UpToBand[], s: Scale, prefix = ''): string[] => bands.map((b, i) => `${prefix}${upToLabel(bands, i, s)} → ${b.score}`);
const atLeastLines = (bands: readonly AtLeastBand[], s: Scale): string[] => bands.map((b, i) => `${atLeastLabel(bands, i, s)} → ${b.score}`);

/** The band a value falls in: schema-checked bands always have one (the open-ended or 0 band last). */
function upToIndex(bands: readonly UpToBand[], value: number): number {
  const i = bands.findIndex((b) => b.upTo === null || value <= b.upTo);
  return i === -1 ? bands.length - 1 : i;
}
function atLeastIndex(bands: readonly AtLeastBand[], value: number): number {
  const i = bands.findIndex((b) => value >= b.atLeast);
  return i === -1 ? bands.length - 1 : i;
}
/** The nearest better band: bands run from best values to worst, so look back for the first that scores more. */
function nearestBetter(bands: readonly { score: number }[], i: number): number | null {
  for (let j = i - 1; j >= 0; j--) if (bands[j]!.score > bands[i]!.score) return j;
  return null;
}

// ---- dates --------------------------------------------------------------------------------------

const DAY_MS = 24 * 3600 * 1000;
/** Days since 1970-01-01 of an ISO date or date-time (its UTC day), NaN when unreadable. */
function dayNumber(iso: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Date.parse(iso);
  return Math.floor(ms / DAY_MS);
}
const dayString = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

const pulseFreshDays = (score: number): number => (score <= 1 || score >= 10 ? PULSE_EXTREME_FRESH_DAYS : PULSE_FRESH_DAYS);

/** Fresh while set at most 90 days before `today` (30 for a 1 or a 10). An unreadable date is stale. */
export function pulseIsFresh(pulse: { score: number; setAt: string }, today: string): boolean {
  const age = dayNumber(today) - dayNumber(pulse.setAt);
  return Number.isFinite(age) && age <= pulseFreshDays(pulse.score);
}

// ---- the factors --------------------------------------------------------------------------------

type Scored = Pick<FactorResult, 'score' | 'inputs' | 'band' | 'explanation' | 'toRaise'>;
type Evaluation = Scored | { excluded: string };
type Evaluators = { [K in HealthFactorKey]: (config: FactorConfigs[K], inputs: HealthInputs) => Evaluation };

const EVALUATORS: Evaluators = {
  recent_activity(c, { recentActivity: input }) {
    if (!input) return { excluded: 'no activity data' };
    const i = upToIndex(c.bands, input.daysSinceLastTouch);
    const score = clamp(c.bands[i]!.score);
    // A touch resets the count to 0: the band for 0 days is what it would come back to.
    const best = upToIndex(c.bands, 0);
    const ago = input.daysSinceLastTouch <= 0 ? 'today' : `${plural(input.daysSinceLastTouch, 'day')} ago`;
    return {
      score,
      inputs: { daysSinceLastTouch: input.daysSinceLastTouch, lastTouchDay: input.lastTouchDay },
      band: `${upToLabel(c.bands, i, DAYS)} → ${c.bands[i]!.score}`,
      explanation: `Last touch ${ago}${input.lastTouchDay ? ` (${input.lastTouchDay})` : ''}.`,
      toRaise: clamp(c.bands[best]!.score) > score ? `A touch in the next days would bring it to ${clamp(c.bands[best]!.score)} (${upToLabel(c.bands, best, DAYS)}).` : null,
    };
  },

  email_responsiveness(c, { email: input }) {
    if (!input || (input.medianReplyHours === null && input.unansweredOver72h <= 0)) return { excluded: 'no email data' };
    const { medianReplyHours: median, unansweredOver72h: unanswered } = input;
    // No replies at all but emails waiting: as bad as the slowest band, never left out (that would hide it).
    const i = median === null ? c.bands.length - 1 : upToIndex(c.bands, median);
    const base = c.bands[i]!.score;
    const penalty = Math.max(0, unanswered) * c.unansweredPenalty;
    const score = clamp(base - penalty);
    const raise: string[] = [];
    if (penalty > 0 && clamp(base) > score) raise.push(`answering ${unanswered === 1 ? 'the email' : `the ${plural(unanswered, 'email')}`} waiting more than 72 hours would bring it to ${clamp(base)}`);
    const j = median === null ? null : nearestBetter(c.bands, i);
    if (j !== null) raise.push(`a median reply time ${upToLabel(c.bands, j, HOURS)} would bring it to ${clamp(c.bands[j]!.score - penalty)}`);
    return {
      score,
      inputs: { medianReplyHours: median, repliedCount: input.repliedCount, unansweredOver72h: unanswered },
      band: `${median === null ? 'no replies' : upToLabel(c.bands, i, HOURS)} → ${base}${penalty > 0 ? `, −${penalty} for ${plural(unanswered, 'unanswered email')}` : ''}`,
      explanation: sentence([
        median === null ? 'no replies to customer emails in 30 days' : `median reply time ${plural(median, 'hour')} over 30 days (${plural(input.repliedCount, 'reply', 'replies')})`,
        ...(unanswered > 0 ? [`${plural(unanswered, 'customer email')} unanswered for more than 72 hours`] : []),
      ])!,
      toRaise: score < 100 ? sentence(raise) : null,
    };
  },

  support_load(c, { support: input }) {
    if (!input) return { excluded: 'no support data' };
    const oi = upToIndex(c.openBands, input.openTickets);
    const open = c.openBands[oi]!.score;
    const median = input.medianResolutionDays;
    // Without tickets resolved in 90 days there is no resolution time: the open tickets decide alone.
    const ri = median === null ? null : upToIndex(c.resolutionBands, median);
    const resolution = ri === null ? null : c.resolutionBands[ri]!.score;
    const combine = (o: number, r: number | null) => clamp(r === null ? o : (o + r) / 2);
    const score = combine(open, resolution);
    const raise: string[] = [];
    const oj = nearestBetter(c.openBands, oi);
    if (oj !== null) raise.push(`getting down to ${upToLabel(c.openBands, oj, OPEN_TICKETS)} would bring it to ${combine(c.openBands[oj]!.score, resolution)}`);
    const rj = ri === null ? null : nearestBetter(c.resolutionBands, ri);
    if (rj !== null) raise.push(`a median resolution time ${upToLabel(c.resolutionBands, rj, DAYS)} would bring it to ${combine(open, c.resolutionBands[rj]!.score)}`);
    const openWords = `${upToLabel(c.openBands, oi, OPEN_TICKETS)} → ${open}`;
    return {
      score,
      inputs: { openTickets: input.openTickets, medianResolutionDays: median, resolvedCount: input.resolvedCount },
      band: ri === null ? openWords : `${openWords}; resolution ${upToLabel(c.resolutionBands, ri, DAYS)} → ${resolution}; average ${score}`,
      explanation: sentence([
        plural(input.openTickets, 'open ticket'),
        median === null ? 'no tickets resolved in 90 days' : `median resolution ${plural(median, 'day')} over 90 days (${input.resolvedCount} resolved)`,
      ])!,
      toRaise: score < 100 ? sentence(raise) : null,
    };
  },

  meetings(c, { meetings: input }) {
    if (!input) return { excluded: 'no meeting data' };
    const i = atLeastIndex(c.bands, input.held180d);
    const score = clamp(c.bands[i]!.score);
    const j = nearestBetter(c.bands, i);
    const need = j === null ? 0 : c.bands[j]!.atLeast - input.held180d;
    return {
      score,
      inputs: { held180d: input.held180d },
      band: `${atLeastLabel(c.bands, i, MEETINGS)} → ${c.bands[i]!.score}`,
      explanation: `${plural(input.held180d, 'meeting')} held in the last 180 days.`,
      toRaise: j === null ? null : `${plural(need, 'more meeting')} (${c.bands[j]!.atLeast} in 180 days) would bring it to ${clamp(c.bands[j]!.score)}.`,
    };
  },

  milestone_progress(c, { milestones: input }) {
    if (!input) return { excluded: 'no milestone data' };
    const days = input.daysPastPlannedEnd;
    const i = upToIndex(c.bands, days);
    const score = clamp(c.bands[i]!.score);
    // Lateness only grows while the milestone is open: what helps is finishing it or re-planning it.
    const best = upToIndex(c.bands, 0);
    const name = `"${input.currentMilestone}"`;
    return {
      score,
      inputs: { currentMilestone: input.currentMilestone, daysPastPlannedEnd: days },
      band: `${upToLabel(c.bands, i, PAST_PLAN)} → ${c.bands[i]!.score}`,
      explanation: days <= 0 ? `Milestone ${name} is on plan.` : `Milestone ${name} is ${plural(days, 'day')} past its planned end.`,
      toRaise: clamp(c.bands[best]!.score) > score ? `Completing ${name} (or re-planning it) would bring it to ${clamp(c.bands[best]!.score)}.` : null,
    };
  },

  overdue_tasks(c, { tasks: input }) {
    if (!input) return { excluded: 'no task data' };
    const i = upToIndex(c.bands, input.overdue);
    const score = clamp(c.bands[i]!.score);
    const raise: string[] = [];
    const j = nearestBetter(c.bands, i);
    const best = upToIndex(c.bands, 0);
    if (j !== null && j !== best) raise.push(`closing ${plural(input.overdue - c.bands[j]!.upTo!, 'overdue task')} would bring it to ${clamp(c.bands[j]!.score)}`);
    if (clamp(c.bands[best]!.score) > score) raise.push(`closing all ${input.overdue} would bring it to ${clamp(c.bands[best]!.score)}`);
    return {
      score,
      inputs: { overdue: input.overdue, open: input.open },
      band: `${upToLabel(c.bands, i, OVERDUE)} → ${c.bands[i]!.score}`,
      explanation: input.overdue <= 0 ? `No open tasks past due (${input.open} open).` : `${plural(input.overdue, 'open task')} past due (of ${input.open} open).`,
      toRaise: sentence(raise),
    };
  },

  product_usage(c, { usage: input }) {
    if (!input) return { excluded: 'no product usage data' };
    const { activeDays14: now, activeDaysPrev14: before } = input;
    const floor = before * (1 - c.dropThresholdPercent / 100);
    const droppedAt = (days: number) => before > 0 && days < floor;
    const scoreAt = (days: number) => clamp(c.bands[atLeastIndex(c.bands, days)]!.score - (droppedAt(days) ? c.dropPenalty : 0));
    const i = atLeastIndex(c.bands, now);
    const dropped = droppedAt(now);
    const score = scoreAt(now);
    // What more active days would do: the next band up, and getting back above the drop line.
    const j = nearestBetter(c.bands, i);
    const targets = [...new Set([...(j === null ? [] : [c.bands[j]!.atLeast]), ...(dropped && c.dropPenalty > 0 ? [Math.ceil(floor)] : [])])]
      .filter((days) => days > now && scoreAt(days) > score).sort((a, b) => a - b);
    const change = before > 0 ? `, ${now >= before ? '+' : '−'}${Math.round((Math.abs(now - before) / before) * 100)} %` : '';
    return {
      score,
      inputs: { activeDays14: now, activeDaysPrev14: before, distinctEvents14: input.distinctEvents14 },
      band: `${atLeastLabel(c.bands, i, ACTIVE_DAYS)} → ${c.bands[i]!.score}${dropped && c.dropPenalty > 0 ? `, −${c.dropPenalty} for a drop of more than ${num(c.dropThresholdPercent)} %` : ''}`,
      explanation: `${plural(now, 'active day')} in the last 14 days (${before} in the 14 before${change}); ${plural(input.distinctEvents14, 'distinct event')}.`,
      toRaise: sentence(targets.map((days) => `${days} active days in 14 would bring it to ${scoreAt(days)}`)),
    };
  },

  csm_pulse(_c, { pulse, today }) {
    if (!pulse) return { excluded: 'no pulse set' };
    const set = dayNumber(pulse.setAt);
    if (!Number.isFinite(set)) return { excluded: 'pulse date unreadable' };
    if (!pulseIsFresh(pulse, today)) return { excluded: `pulse expired on ${dayString(set + pulseFreshDays(pulse.score) + 1)}` };
    const score = clamp(pulse.score * 10);
    return {
      score,
      inputs: { score: pulse.score, note: pulse.note, setAt: pulse.setAt, setBy: pulse.setBy },
      band: `pulse ${num(pulse.score)} × 10 → ${score}`,
      explanation: `CSM Pulse ${num(pulse.score)}/10, set by ${pulse.setBy} on ${dayString(set)}${pulse.note.trim() ? `: "${pulse.note.trim()}"` : ''}. It counts until ${dayString(set + pulseFreshDays(pulse.score))}.`,
      toRaise: score < 100 ? 'A higher pulse once the account improves: each point adds 10 to this factor.' : null,
    };
  },
};

// ---- the score ----------------------------------------------------------------------------------

/** Rounds percentages to tenths so the shown ones still add up to exactly 100 (largest remainder). */
function displayWeights(exact: number[]): number[] {
  const tenths = exact.map((w) => Math.floor(w * 10 + 1e-9));
  const short = Math.round(exact.reduce((a, w) => a + w, 0) * 10) - tenths.reduce((a, t) => a + t, 0);
  const order = exact.map((w, i) => ({ i, rest: w * 10 - tenths[i]! })).sort((a, b) => b.rest - a.rest);
  for (let k = 0; k < short && k < order.length; k++) tenths[order[k]!.i]! += 1;
  return tenths.map((t) => t / 10);
}

export function scoreHealth(config: HealthConfig, inputs: HealthInputs): HealthResult {
  const present: (Scored & { key: HealthFactorKey; configuredWeight: number })[] = [];
  const excluded: HealthResult['excluded'] = [];
  for (const key of HEALTH_FACTOR_KEYS) {
    const configuredWeight = config.factors[key].weight;
    // A weight of 0 is the admin switching the factor off: say so rather than "no data".
    const evaluation = configuredWeight === 0 ? { excluded: 'weight 0' } : evaluate(key, config.factors, inputs);
    if ('excluded' in evaluation) excluded.push({ key, label: HEALTH_FACTOR_LABELS[key], reason: evaluation.excluded });
    else present.push({ key, configuredWeight, ...evaluation });
  }
  if (present.length === 0) return { score: null, tier: null, factors: [], excluded };

  // The fresh pulse takes its fixed share; the other present factors split the rest by their weights.
  // Alone, the pulse is all there is to go on, so it takes the whole.
  const others = present.filter((f) => f.key !== 'csm_pulse');
  const pulseShare = others.length === present.length ? 0 : others.length === 0 ? 100 : config.factors.csm_pulse.weight;
  const othersTotal = others.reduce((a, f) => a + f.configuredWeight, 0);
  const exact = present.map((f) => (f.key === 'csm_pulse' ? pulseShare : (f.configuredWeight / othersTotal) * (100 - pulseShare)));
  const shown = displayWeights(exact);
  // From the exact shares, not the rounded ones; the epsilon keeps an exact .5 from rounding down on float error.
  const score = Math.round(present.reduce((a, f, i) => a + (f.score * exact[i]!) / 100, 0) + 1e-9);
  return {
    score,
    tier: tierOf(score),
    factors: present.map(({ key, configuredWeight, ...scored }, i) => ({ key, label: HEALTH_FACTOR_LABELS[key], ...scored, weight: shown[i]!, configuredWeight })),
    excluded,
  };
}

function evaluate<K extends HealthFactorKey>(key: K, factors: FactorConfigs, inputs: HealthInputs): Evaluation {
  return EVALUATORS[key](factors[key], inputs);
}

// ---- for the settings page and the at-risk alert ------------------------------------------------

type Describers = { [K in HealthFactorKey]: (config: FactorConfigs[K]) => string[] };
const DESCRIBERS: Describers = {
  recent_activity: (c) => upToLines(c.bands, DAYS),
  email_responsiveness: (c) => [...upToLines(c.bands, HOURS, 'median reply '), ...(c.unansweredPenalty > 0 ? [`−${c.unansweredPenalty} per email unanswered for more than 72 hours`] : [])],
  support_load: (c) => [...upToLines(c.openBands, OPEN_TICKETS), ...upToLines(c.resolutionBands, DAYS, 'median resolution '), 'averaged with the resolution score when tickets were resolved in the last 90 days'],
  meetings: (c) => atLeastLines(c.bands, MEETINGS),
  milestone_progress: (c) => upToLines(c.bands, PAST_PLAN),
  overdue_tasks: (c) => upToLines(c.bands, OVERDUE),
  product_usage: (c) => [...atLeastLines(c.bands, ACTIVE_DAYS), ...(c.dropPenalty > 0 ? [`−${c.dropPenalty} when active days fall by more than ${num(c.dropThresholdPercent)} % against the 14 days before`] : [])],
  csm_pulse: (c) => [
    'pulse score × 10',
    `${c.weight} % of the total while fresh; the other factors share the remaining ${100 - c.weight} %`,
    `fresh for ${PULSE_FRESH_DAYS} days; a pulse of 1 or 10 for ${PULSE_EXTREME_FRESH_DAYS} days`,
  ],
};

/** Each band of a factor in words, best first, with its penalties. */
export function describeBands<K extends HealthFactorKey>(factorKey: K, config: HealthConfig): string[] {
  return DESCRIBERS[factorKey](config.factors[factorKey]);
}

/**
 * Why an account went bad: the factors that fell by 10 points or more since the previous score
 * (those without a previous score: those under 60), the largest loss in score points first.
 */
export function fallenFactors(previous: FactorResult[] | null, current: FactorResult[]): FactorResult[] {
  const before = new Map((previous ?? []).map((f) => [f.key, f.score]));
  return current
    .flatMap((f) => {
      const was = before.get(f.key);
      const fell = was === undefined ? f.score < 60 : was - f.score >= 10;
      // Weighted by the factor's share now: a 40-point fall of a 5 % factor costs less than 20 points of a 25 % one.
      return fell ? [{ f, loss: ((was ?? 100) - f.score) * f.weight }] : [];
    })
    .sort((a, b) => b.loss - a.loss)
    .map(({ f }) => f);
}

/** The last day a pulse counts (its day + 90, or + 30 for a 1 or a 10): what the account page and the API show. Null when its date is unreadable. */
export function pulseCountsUntil(pulse: { score: number; setAt: string }): string | null {
  const set = dayNumber(pulse.setAt);
  return Number.isFinite(set) ? dayString(set + pulseFreshDays(pulse.score)) : null;
}

/** One formatter per timezone: building one costs far more than formatting (it was most of a rescoring batch's CPU). */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in a timezone: scores are filed under the organisation's day. */
export function dayIn(instant: Date, timezone: string): string {
  let format = dayFormats.get(timezone);
  if (!format) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timezone, format);
  }
  return format.format(instant);
}
