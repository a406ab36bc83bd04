import { describe, expect, it } from 'vitest';
import { addDays, behindPlan, daysBetween, lateLabel, planMilestones, type PlannedMilestoneInput } from './milestonePlan.ts';

const at = (day: string, time = '15:30:00') => new Date(`${day}T${time}Z`);
const START = at('2026-11-01', '09:00:00');

/** Three milestones of 5, 10 and 7 days, none done. */
function plan(overrides: Partial<Record<'a' | 'b' | 'c', Partial<PlannedMilestoneInput>>> = {}): PlannedMilestoneInput[] {
  return [
    { id: 'a', position: 1, durationDays: 5, completedAt: null, ...overrides.a },
    { id: 'b', position: 2, durationDays: 10, completedAt: null, ...overrides.b },
    { id: 'c', position: 3, durationDays: 7, completedAt: null, ...overrides.c },
  ];
}

describe('planMilestones', () => {
  it('has no due dates before onboarding starts', () => {
    const planned = planMilestones(null, plan(), at('2027-06-01'));
    expect(planned.map((m) => m.dueOn)).toEqual([null, null, null]);
    expect(behindPlan(planned)).toBe(false);
  });

  it('chains the durations from the plan start when every milestone is open', () => {
    const planned = planMilestones(START, plan(), at('2026-11-02'));
    expect(planned.map((m) => m.dueOn)).toEqual(['2026-11-06', '2026-11-16', '2026-11-23']);
    expect(planned.every((m) => !m.overdue && m.daysLate === 0)).toBe(true);
  });

  it('is not late on the due day itself, and one day late the day after', () => {
    expect(planMilestones(START, plan(), at('2026-11-06', '23:59:59'))[0]).toMatchObject({ overdue: false, daysLate: 0 });
    expect(planMilestones(START, plan(), at('2026-11-07', '00:00:01'))[0]).toMatchObject({ overdue: true, daysLate: 1 });
  });

  it('shifts every later milestone when one finishes late', () => {
    // a was due on the 6th and finished on the 9th: b is due 10 days after the 9th, c 7 days after that.
    const planned = planMilestones(START, plan({ a: { completedAt: at('2026-11-09') } }), at('2026-11-10'));
    expect(planned.map((m) => m.dueOn)).toEqual(['2026-11-06', '2026-11-19', '2026-11-26']);
    expect(planned[0]).toMatchObject({ overdue: false, daysLate: 3 });
    expect(behindPlan(planned)).toBe(false);
  });

  it('pulls nothing in when a milestone finishes early', () => {
    const planned = planMilestones(START, plan({ a: { completedAt: at('2026-11-02') } }), at('2026-11-03'));
    expect(planned.map((m) => m.dueOn)).toEqual(['2026-11-06', '2026-11-16', '2026-11-23']);
    expect(planned[0]?.daysLate).toBe(0);
  });

  it('keeps an open milestone’s due date for the next one, so several can be late at once', () => {
    const planned = planMilestones(START, plan(), at('2026-11-20'));
    expect(planned.map((m) => [m.overdue, m.daysLate])).toEqual([[true, 14], [true, 4], [false, 0]]);
    expect(behindPlan(planned)).toBe(true);
  });

  it('orders by position, whatever order the rows come in', () => {
    const [a, b, c] = plan();
    const planned = planMilestones(START, [c!, a!, b!], at('2026-11-02'));
    expect(planned.map((m) => [m.id, m.dueOn])).toEqual([['a', '2026-11-06'], ['b', '2026-11-16'], ['c', '2026-11-23']]);
  });

  it('never counts a completed milestone as overdue', () => {
    const planned = planMilestones(START, plan({ a: { completedAt: at('2026-11-30') }, b: { completedAt: at('2026-12-01') } }), at('2027-01-30'));
    expect(planned[0]).toMatchObject({ overdue: false, daysLate: 24 });
    // b: due 10 days after a finished (the 30th) → 10 Dec; it finished on the 1st, on time.
    expect(planned[1]).toMatchObject({ dueOn: '2026-12-10', overdue: false, daysLate: 0 });
    // c: 7 days after b's due date (b finished early) → 17 Dec, open, 44 days late on 30 Jan.
    expect(planned[2]).toMatchObject({ dueOn: '2026-12-17', overdue: true, daysLate: 44 });
  });
});

describe('day helpers', () => {
  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(daysBetween('2026-12-30', '2027-01-02')).toBe(3);
    expect(daysBetween('2027-01-02', '2026-12-30')).toBe(-3);
  });

  it('says days late in words', () => {
    expect(lateLabel(1)).toBe('1 day late');
    expect(lateLabel(3)).toBe('3 days late');
  });
});
