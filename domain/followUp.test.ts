import { describe, expect, it } from 'vitest';
import {
  buildFollowUp, isHidden, nextMonday, overdueMilestones, rankLanes, snoozeUntil,
  type FollowUpAccount, type FollowUpFacts, type FollowUpItem, type FollowUpMilestone,
} from './followUp.ts';

const NOW = new Date('2026-11-30T15:00:00Z'); // a Monday
const DAY = 86_400_000;
const daysAgo = (n: number, at = NOW) => new Date(at.getTime() - n * DAY);

function account(id: string, over: Partial<FollowUpAccount> = {}): FollowUpAccount {
  return {
    id, name: `Company ${id}`, arr: 50_000, status: 'active', csmName: 'Casey CSM', primaryContactName: 'Pat Contact',
    createdAt: daysAgo(30), handoffCreatedAt: daysAgo(30), handoffSubmittedAt: daysAgo(20), lastTouchAt: daysAgo(1), atRiskSince: null, health: null,
    ...over,
  };
}

function milestone(accountId: string, sequence: number, over: Partial<FollowUpMilestone> = {}): FollowUpMilestone {
  return { id: `${accountId}-m${sequence}`, accountId, sequence, name: `Step ${sequence}`, durationDays: 7, status: 'pending', startedAt: null, completedAt: null, ...over };
}

const facts = (over: Partial<FollowUpFacts>): FollowUpFacts => ({
  accounts: [], overdueTasks: [], milestones: [], openEmails: [], portalAnswers: [], statusChanges: [], ...over,
});

const build = (f: FollowUpFacts, timezone = 'UTC') => buildFollowUp(f, { now: NOW, timezone });
const summary = (items: FollowUpItem[]) => items.map((i) => `${i.accountName}: ${i.reason} → ${i.nextStep.label}`);

describe('the "we owe them something" lane', () => {
  it('lists overdue tasks, the first late milestone, unanswered emails and fresh portal answers, most urgent first', () => {
    const lanes = build(facts({
      accounts: [account('a'), account('b'), account('c'), account('d')],
      overdueTasks: [
        { id: 't1', accountId: 'a', title: 'Send the SOW', dueDate: '2026-11-27' },
        { id: 't2', accountId: 'b', title: 'Book the training', dueDate: '2026-11-29' },
        // Due today is not overdue yet.
        { id: 't3', accountId: 'b', title: 'Due today', dueDate: '2026-11-30' },
      ],
      milestones: [
        // Started 10 days ago, 7 days long: due 3 days ago. The next one is late only because of it.
        milestone('c', 1, { name: 'Kickoff', status: 'in_progress', startedAt: daysAgo(10) }),
        milestone('c', 2, { durationDays: 1 }),
      ],
      openEmails: [{ accountId: 'd', threadKey: 'thread-1', openedAt: new Date(NOW.getTime() - 50 * 3_600_000) }],
      portalAnswers: [
        { id: 'p1', accountId: 'a', label: 'Security questionnaire', submittedBy: 'Pat', submittedAt: daysAgo(1) },
        { id: 'p-old', accountId: 'a', label: 'Old answer', submittedBy: 'Pat', submittedAt: daysAgo(9) },
      ],
    }));
    expect(summary(lanes.owe)).toEqual([
      'Company d: Customer email unanswered for 2 days → Reply to Pat Contact',
      'Company c: Kickoff milestone 3 days late → Send Pat Contact a progress update on Kickoff with a new date',
      'Company a: Task "Send the SOW" is 3 days overdue → Do it or give it a new date: Send the SOW',
      'Company b: Task "Book the training" was due yesterday → Do it or give it a new date: Book the training',
      'Company a: The customer answered "Security questionnaire" in the portal yesterday → Review their answers and thank them',
    ]);
    expect(lanes.owe.map((i) => i.key)).toEqual(['email:d:thread-1', 'milestone:c-m1:overdue', 'task:t1:2026-11-27', 'task:t2:2026-11-29', 'portal:p1']);
    expect(lanes.owe.map((i) => i.nextStep.anchor)).toEqual(['#timeline', '#milestones', '#tasks', '#tasks', '#portal']);
  });

  it('says hours for an email of today, and leaves churned and not-yet-onboarding accounts out', () => {
    const lanes = build(facts({
      accounts: [account('a'), account('gone', { status: 'churned' }), account('wait', { status: 'pending_handoff', handoffSubmittedAt: null })],
      openEmails: [
        { accountId: 'a', threadKey: 'x', openedAt: new Date(NOW.getTime() - 5 * 3_600_000) },
        { accountId: 'gone', threadKey: 'y', openedAt: daysAgo(3) },
      ],
      overdueTasks: [{ id: 't', accountId: 'gone', title: 'Old', dueDate: '2026-11-01' }],
    }));
    expect(summary(lanes.owe)).toEqual(['Company a: Customer email unanswered for 5 hours → Reply to Pat Contact']);
  });
});

describe('overdue milestones', () => {
  it('follow the plan: a milestone finished late shifts the next one, and one on time is not late', () => {
    const list = [
      // Plan starts 20 days ago; step 1 (7 d) was due 13 days ago but finished 10 days ago, so step 2 (5 d) is due 5 days ago.
      milestone('a', 1, { status: 'completed', startedAt: daysAgo(20), completedAt: daysAgo(10) }),
      milestone('a', 2, { status: 'in_progress', startedAt: daysAgo(10), durationDays: 5 }),
      // On plan: started 2 days ago, 7 days long.
      milestone('b', 1, { status: 'in_progress', startedAt: daysAgo(2) }),
      // Not started: no plan yet.
      milestone('c', 1),
    ];
    expect(overdueMilestones(list, NOW).map((l) => [l.milestone.id, l.daysLate])).toEqual([['a-m2', 5]]);
  });
});

describe('the "news to share" lane', () => {
  it('has milestones done, a return to active, a recovery, a fresh handoff and a finished plan, freshest first', () => {
    const lanes = build(facts({
      accounts: [
        account('m'), account('back'), account('rec', { health: { score: 84, tier: 'healthy', previousTier: 'needs_attention', tierSince: daysAgo(2) } }),
        account('new', { handoffSubmittedAt: daysAgo(0) }), account('done', { status: 'completed' }),
      ],
      milestones: [
        milestone('m', 1, { name: 'Kickoff', status: 'completed', startedAt: daysAgo(9), completedAt: daysAgo(1) }),
        milestone('m', 2, { status: 'in_progress', startedAt: daysAgo(1) }),
        // Done more than a week ago: old news.
        milestone('back', 1, { status: 'completed', startedAt: daysAgo(30), completedAt: daysAgo(12) }),
        milestone('back', 2, { status: 'in_progress', startedAt: daysAgo(12), durationDays: 30 }),
        milestone('done', 1, { status: 'completed', startedAt: daysAgo(9), completedAt: daysAgo(5) }),
        milestone('done', 2, { name: 'Go-live', status: 'completed', startedAt: daysAgo(5), completedAt: daysAgo(3) }),
      ],
      statusChanges: [
        { id: 'e1', accountId: 'back', from: 'at_risk', to: 'active', occurredAt: daysAgo(1) },
        // Into at risk is no news to share.
        { id: 'e2', accountId: 'm', from: 'active', to: 'at_risk', occurredAt: daysAgo(8) },
      ],
    }));
    expect(summary(lanes.news)).toEqual([
      'Company new: The AE completed the handoff today → Welcome Pat Contact and book the kickoff',
      'Company back: Back on track: moved from at risk to active yesterday → Tell Pat Contact the risk is behind you',
      // Equal urgency and ARR: by name.
      'Company done: Every milestone done: Go-live completed 3 days ago → Celebrate the launch with Pat Contact',
      'Company m: Kickoff milestone completed yesterday → Send the Kickoff recap',
      'Company rec: Health recovered from Needs attention to Healthy (84) 2 days ago → Share the progress with Pat Contact',
    ]);
    expect(lanes.news.find((i) => i.accountId === 'done')!.key).toBe('milestone:done-m2:completed');
  });
});

describe('the "stay close" lane', () => {
  it('has health drops, at-risk accounts, handoffs waiting on the AE and accounts nobody touched, one reason per account', () => {
    const lanes = build(facts({
      accounts: [
        account('drop', { status: 'at_risk', atRiskSince: daysAgo(1), health: { score: 35, tier: 'critical', previousTier: 'healthy', tierSince: daysAgo(1) } }),
        account('risk', { status: 'at_risk', atRiskSince: daysAgo(12), lastTouchAt: daysAgo(40) }),
        account('ae', { status: 'pending_handoff', handoffCreatedAt: daysAgo(5), handoffSubmittedAt: null }),
        account('ae-fresh', { status: 'pending_handoff', handoffCreatedAt: daysAgo(2), handoffSubmittedAt: null }),
        account('quiet', { lastTouchAt: daysAgo(21), handoffSubmittedAt: daysAgo(25) }),
        account('quiet-never', { lastTouchAt: null, handoffSubmittedAt: daysAgo(15), createdAt: daysAgo(40) }),
        account('busy', { lastTouchAt: daysAgo(3) }),
      ],
    }));
    expect(summary(lanes.close)).toEqual([
      'Company drop: Health fell from Healthy to Critical (35) yesterday → See which factors fell and set a CSM Pulse',
      'Company risk: At risk for 12 days → Agree a recovery plan with Pat Contact',
      'Company ae: Handoff waiting on the AE for 5 days → Nudge the AE',
      'Company quiet: No touch from us in 21 days → Check in with Pat Contact',
      'Company quiet-never: No touch from us in 15 days → Check in with Pat Contact',
    ]);
    expect(lanes.close.map((i) => i.key)).toEqual([
      'health:drop:2026-11-29:down', 'at_risk:risk:2026-11-18', 'handoff:ae:waiting', 'no_touch:quiet:2026-11-09', 'no_touch:quiet-never:2026-11-15',
    ]);
  });

  it('counts days in the organisation’s timezone', () => {
    // 02:00 UTC on Monday is still Sunday in Los Angeles: the task due Sunday is not late there yet.
    const early = new Date('2026-11-30T02:00:00Z');
    const f = facts({ accounts: [account('a')], overdueTasks: [{ id: 't', accountId: 'a', title: 'Call', dueDate: '2026-11-29' }] });
    expect(buildFollowUp(f, { now: early, timezone: 'UTC' }).owe).toHaveLength(1);
    expect(buildFollowUp(f, { now: early, timezone: 'America/Los_Angeles' }).owe).toHaveLength(0);
  });
});

describe('ranking', () => {
  it('orders by urgency, then the larger ARR, then the name', () => {
    const item = (name: string, urgency: number, arr: number): FollowUpItem => ({
      key: name, lane: 'owe', kind: 'task_overdue', accountId: name, accountName: name, arr, csmName: null, reason: '', nextStep: { label: '', anchor: '' }, urgency,
    });
    const ranked = rankLanes([item('small', 60, 10_000), item('big', 60, 900_000), item('urgent', 80, 1), item('also small', 60, 10_000)]);
    expect(ranked.owe.map((i) => i.accountName)).toEqual(['urgent', 'big', 'also small', 'small']);
    expect(ranked.news).toEqual([]);
  });

  it('puts the bigger account first when two have the same task as late', () => {
    const lanes = build(facts({
      accounts: [account('small', { arr: 12_000 }), account('big', { arr: 480_000 })],
      overdueTasks: [
        { id: 't1', accountId: 'small', title: 'Call', dueDate: '2026-11-25' },
        { id: 't2', accountId: 'big', title: 'Call', dueDate: '2026-11-25' },
      ],
    }));
    expect(lanes.owe.map((i) => i.accountId)).toEqual(['big', 'small']);
  });
});

describe('dismiss and snooze', () => {
  it('snoozes until tomorrow or next Monday, and hides until that day', () => {
    expect(snoozeUntil('tomorrow', '2026-11-30')).toBe('2026-12-01');
    expect(snoozeUntil('next_week', '2026-11-30')).toBe('2026-12-07'); // a Monday: the one after
    expect(nextMonday('2026-12-03')).toBe('2026-12-07'); // a Thursday
    expect(nextMonday('2026-12-06')).toBe('2026-12-07'); // a Sunday
    const snoozed = { itemKey: 'k', dismissedAt: null, snoozedUntil: '2026-12-01' };
    expect(isHidden(snoozed, '2026-11-30')).toBe(true);
    expect(isHidden(snoozed, '2026-12-01')).toBe(false);
    expect(isHidden({ itemKey: 'k', dismissedAt: NOW, snoozedUntil: null }, '2027-01-01')).toBe(true);
    expect(isHidden(undefined, '2026-11-30')).toBe(false);
  });
});
