// An account's onboarding plan: when each milestone is due, and whether it is late. Pure, so the
// pages, the API, the Daily Follow-Up and the projection that stores `due_on` all agree.
//
// The plan starts when onboarding starts: the moment the AE submits the handoff, the account turns
// active and its first milestone starts (its `started_at`). Not the account's creation: the days an
// account waits on its AE are not the CSM's, and counting them would make a fresh account look late
// before anyone could work on it. Until the plan has started, no milestone has a due date.
//
// Each milestone is due its duration after the one before it ends: the previous milestone's actual
// completion day, or its due day when it is still open or finished early (whichever is later), so a
// milestone that finishes late shifts every later one, and one that finishes early pulls none in.
// Days are calendar days (YYYY-MM-DD, UTC, like task due dates); a milestone is late the day after
// its due day.

const DAY_MS = 86_400_000;

/** A calendar day (YYYY-MM-DD) of an instant, in UTC. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export interface PlannedMilestoneInput {
  id: string;
  /** Order in the plan (the milestone's sequence); need not be contiguous. */
  position: number;
  durationDays: number;
  completedAt: Date | null;
}

export interface PlannedMilestone {
  id: string;
  /** The day it is due (YYYY-MM-DD); null until the plan has started. */
  dueOn: string | null;
  /** Open and past its due day. A completed milestone is never overdue, however late it finished. */
  overdue: boolean;
  /** Days past due: for an open milestone up to today, for a completed one up to its completion (0 when on time). */
  daysLate: number;
}

/**
 * Due dates for an account's milestones, in the input's plan order (sorted by position; the result
 * keeps that order). `startedAt` is when onboarding started (null: not yet, no due dates); `now`
 * is the clock the caller reads, so tests can pass any instant.
 */
export function planMilestones(startedAt: Date | null, milestones: readonly PlannedMilestoneInput[], now: Date): PlannedMilestone[] {
  const ordered = [...milestones].sort((a, b) => a.position - b.position);
  const today = dayOf(now);
  let base = startedAt ? dayOf(startedAt) : null;
  return ordered.map((m) => {
    if (base === null) return { id: m.id, dueOn: null, overdue: false, daysLate: 0 };
    const dueOn = addDays(base, Math.max(0, m.durationDays));
    const doneOn = m.completedAt ? dayOf(m.completedAt) : null;
    base = doneOn !== null && doneOn > dueOn ? doneOn : dueOn;
    return { id: m.id, dueOn, ...latenessOn(dueOn, doneOn, today) };
  });
}

function latenessOn(dueOn: string | null, doneOn: string | null, today: string): { overdue: boolean; daysLate: number } {
  if (dueOn === null) return { overdue: false, daysLate: 0 };
  return { overdue: doneOn === null && today > dueOn, daysLate: Math.max(0, daysBetween(dueOn, doneOn ?? today)) };
}

/** Whether a milestone with a stored due day is late, and by how much, at `now` (the same rule as planMilestones). */
export function milestoneLateness(m: { dueOn: string | null; completedAt: Date | null }, now: Date): { overdue: boolean; daysLate: number } {
  return latenessOn(m.dueOn, m.completedAt ? dayOf(m.completedAt) : null, dayOf(now));
}

/** Whether any open milestone is past its due day: the account is behind its onboarding plan. */
export function behindPlan(planned: readonly PlannedMilestone[]): boolean {
  return planned.some((m) => m.overdue);
}

/** "1 day late", "3 days late": the words the pages use beside a late milestone. */
export function lateLabel(daysLate: number): string {
  return `${daysLate} day${daysLate === 1 ? '' : 's'} late`;
}
