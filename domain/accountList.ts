import { HEALTH_TIERS } from './health.ts';

/** How the accounts list can be ordered and paged: the API's parameters, the page's links and the query agree. */
export const ACCOUNT_SORTS = ['name', 'arr', 'status', 'lastActivity', 'created', 'progress', 'health'] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];
export type SortDirection = 'asc' | 'desc';
export const ACCOUNT_LIST_MAX_PAGE_SIZE = 100;

/**
 * The direction a column sorts in when first clicked: names A→Z, lifecycle from the start, figures
 * biggest first, health worst first (what a CSM triages by).
 */
export const DEFAULT_SORT_DIRECTION: Record<AccountSort, SortDirection> = {
  name: 'asc', status: 'asc', arr: 'desc', lastActivity: 'desc', created: 'desc', progress: 'desc', health: 'asc',
};

/**
 * `csm=all`: every account whoever holds it. Said outright because a CSM's list without `csm` shows
 * their own accounts (issue 14's "my accounts" default); an admin's shows everyone's either way.
 */
export const CSM_ANYONE = 'all';

/** The list's health filter: a tier, or accounts without a score (never scored, or nothing to go on). */
export const ACCOUNT_HEALTH_FILTERS = [...HEALTH_TIERS, 'unscored'] as const;
export type AccountHealthFilter = (typeof ACCOUNT_HEALTH_FILTERS)[number];

// ---- the health column's sparkline and trend ------------------------------------------------------

/** How many days of daily scores the list's sparkline shows. */
export const HEALTH_SPARKLINE_DAYS = 30;
/** The trend compares the latest score with the one about this many days before. */
export const HEALTH_TREND_DAYS = 7;
/** A change smaller than this (in points) is flat: day-to-day noise is not a trend. */
export const HEALTH_TREND_THRESHOLD = 5;

export type HealthTrendDirection = 'up' | 'down' | 'flat';
export interface HealthTrend {
  direction: HealthTrendDirection;
  /** Latest score minus the earlier one, in points. */
  change: number;
  /** Days between the two scores compared (7 when the history allows). */
  days: number;
}

const dayNumber = (day: string): number => Math.round(Date.parse(`${day}T00:00:00Z`) / 86_400_000);

/**
 * The latest score against the one about 7 days before it: the point nearest to a week earlier (the
 * earlier of two equally near), or the oldest when the history is shorter. A change of 5 points or
 * more either way is a trend. Null with fewer than two points: one score has no direction.
 * `points` are daily scores, oldest first.
 */
export function healthTrend(points: readonly { day: string; score: number }[]): HealthTrend | null {
  if (points.length < 2) return null;
  const latest = points[points.length - 1]!;
  const target = dayNumber(latest.day) - HEALTH_TREND_DAYS;
  let before = points[0]!;
  for (const point of points.slice(0, -1)) {
    if (Math.abs(dayNumber(point.day) - target) < Math.abs(dayNumber(before.day) - target)) before = point;
  }
  const change = latest.score - before.score;
  const direction = change >= HEALTH_TREND_THRESHOLD ? 'up' : change <= -HEALTH_TREND_THRESHOLD ? 'down' : 'flat';
  return { direction, change, days: dayNumber(latest.day) - dayNumber(before.day) };
}
