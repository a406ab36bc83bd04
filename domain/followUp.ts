import { dayIn, HEALTH_TIER_LABELS, HEALTH_TIERS, type HealthTier } from './health.ts';
import type { LifecycleStatus } from './lifecycle.ts';
import { planMilestones } from './milestonePlan.ts';

/**
 * Daily Follow-Up (SPEC §4, issue 14): today's accounts of a CSM in three lanes, each item with its
 * reason in plain words, a next step, and a key naming its cause. Pure: the service reads the facts
 * in a fixed number of queries and hands them here, so the rules and the ranking are unit-tested.
 *
 * An item's key names its cause (`task:<id>:<due>`, `milestone:<id>:overdue`, `health:<account>:<day>:down`):
 * dismissing an item hides that key, so the same account comes back when something new happens.
 */

export const FOLLOW_UP_LANES = ['owe', 'news', 'close'] as const;
export type FollowUpLane = (typeof FOLLOW_UP_LANES)[number];

export const FOLLOW_UP_LANE_LABELS: Record<FollowUpLane, string> = {
  owe: 'We owe them something',
  news: 'News to share',
  close: 'Stay close',
};

/** How far back news counts, how long a handoff may wait on its AE, how long an account may go untouched. */
export const FOLLOW_UP_RULES = {
  newsDays: 7,
  healthChangeDays: 7,
  handoffWaitDays: 3,
  noTouchDays: 14,
  portalAnswerDays: 7,
} as const;

export type FollowUpKind =
  | 'task_overdue' | 'milestone_overdue' | 'email_unanswered' | 'portal_answered'
  | 'milestone_completed' | 'launch_ready' | 'back_to_active' | 'health_recovered' | 'handoff_completed'
  | 'health_dropped' | 'at_risk' | 'handoff_waiting' | 'no_touch';

export interface FollowUpAccount {
  id: string;
  name: string;
  arr: number;
  status: LifecycleStatus;
  csmName: string | null;
  primaryContactName: string;
  createdAt: Date;
  /** When the handoff was drafted (the AE's wait starts then) and when the AE submitted it. */
  handoffCreatedAt: Date | null;
  handoffSubmittedAt: Date | null;
  /** The last timeline entry made by a person of the organisation (a note, a task, an email, a status change). */
  lastTouchAt: Date | null;
  /** The latest status change into at_risk, while the account is at risk. */
  atRiskSince: Date | null;
  health: { score: number | null; tier: HealthTier | null; previousTier: HealthTier | null; tierSince: Date } | null;
}

export interface FollowUpMilestone {
  id: string;
  accountId: string;
  sequence: number;
  name: string;
  durationDays: number;
  status: 'pending' | 'in_progress' | 'completed';
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface FollowUpFacts {
  accounts: FollowUpAccount[];
  /** Open tasks due before today. */
  overdueTasks: { id: string; accountId: string; title: string; dueDate: string }[];
  /** Every milestone of the accounts, any status. */
  milestones: FollowUpMilestone[];
  /** Customer emails still waiting for our reply (engagement threads). */
  openEmails: { accountId: string; threadKey: string; openedAt: Date }[];
  /** Information requests the customer answered in the portal lately. */
  portalAnswers: { id: string; accountId: string; label: string; submittedBy: string; submittedAt: Date }[];
  /** Status changes of the last days. */
  statusChanges: { id: string; accountId: string; from: string | null; to: string | null; occurredAt: Date }[];
}

export interface FollowUpItem {
  key: string;
  lane: FollowUpLane;
  kind: FollowUpKind;
  accountId: string;
  accountName: string;
  arr: number;
  csmName: string | null;
  /** The reason, in plain words ("Kickoff milestone 3 days late"). */
  reason: string;
  /** What to do about it, and where on the account's page (an anchor of the account page). */
  nextStep: { label: string; anchor: string };
  /** Higher is more urgent; ties go to the larger ARR. */
  urgency: number;
}

export type FollowUpLanes = Record<FollowUpLane, FollowUpItem[]>;

const DAY_MS = 86_400_000;
const dayNumber = (day: string): number => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);
const addDays = (day: string, days: number): string => new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** "today", "yesterday", "3 days ago". */
const ago = (days: number) => (days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`);
const tierRank = (tier: HealthTier) => HEALTH_TIERS.indexOf(tier);
const cap = (n: number, max: number) => Math.max(0, Math.min(n, max));
/** "Kickoff" → "Kickoff milestone"; a name that says "milestone" already keeps its words. */
const milestoneWords = (name: string) => (/milestone/i.test(name) ? name : `${name} milestone`);

/**
 * Each onboarding account's first open milestone past its due day, with how late it is: the due
 * days come from the onboarding plan (domain/milestonePlan.ts: each milestone due its duration after
 * the previous one ends, the plan starting when the first milestone started). Later milestones that
 * are late only because this one is are not listed again. Overdue milestone detection goes through
 * this one function.
 */
export function overdueMilestones(milestones: readonly FollowUpMilestone[], now: Date): { milestone: FollowUpMilestone; daysLate: number }[] {
  const byAccount = new Map<string, FollowUpMilestone[]>();
  for (const m of milestones) {
    const list = byAccount.get(m.accountId);
    if (list) list.push(m);
    else byAccount.set(m.accountId, [m]);
  }
  const late: { milestone: FollowUpMilestone; daysLate: number }[] = [];
  for (const list of byAccount.values()) {
    const planStart = list.reduce<Date | null>((min, m) => (m.startedAt && (!min || m.startedAt < min) ? m.startedAt : min), null);
    const plan = planMilestones(planStart, list.map((m) => ({ id: m.id, position: m.sequence, durationDays: m.durationDays, completedAt: m.completedAt })), now);
    const first = plan.find((p) => p.overdue);
    const milestone = first && list.find((m) => m.id === first.id);
    if (first && milestone) late.push({ milestone, daysLate: first.daysLate });
  }
  return late;
}

/** Monday after `today` (a week on when today is Monday): "next week". */
export function nextMonday(today: string): string {
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(today, ((8 - weekday) % 7) || 7);
}

/**
 * Builds the three lanes from the facts, for `today` (the organisation's day) at `now`, each lane
 * ranked by urgency, then ARR (larger first), then name.
 */
export function buildFollowUp(facts: FollowUpFacts, opts: { now: Date; timezone: string }): FollowUpLanes {
  const { now, timezone } = opts;
  const today = dayIn(now, timezone);
  const dayOf = (at: Date) => dayIn(at, timezone);
  const accounts = new Map(facts.accounts.map((a) => [a.id, a]));
  const onboarding = (a: FollowUpAccount) => a.status === 'active' || a.status === 'at_risk';
  const items: FollowUpItem[] = [];
  const add = (account: FollowUpAccount, item: Omit<FollowUpItem, 'accountId' | 'accountName' | 'arr' | 'csmName'>) => {
    items.push({ ...item, accountId: account.id, accountName: account.name, arr: account.arr, csmName: account.csmName });
  };

  // ---- we owe them something ----------------------------------------------------------------------
  for (const task of facts.overdueTasks) {
    const account = accounts.get(task.accountId);
    if (!account || account.status === 'churned') continue;
    const late = daysBetween(task.dueDate, today);
    if (late <= 0) continue;
    add(account, {
      key: `task:${task.id}:${task.dueDate}`, lane: 'owe', kind: 'task_overdue',
      reason: late === 1 ? `Task "${task.title}" was due yesterday` : `Task "${task.title}" is ${plural(late, 'day')} overdue`,
      nextStep: { label: `Do it or give it a new date: ${task.title}`, anchor: '#tasks' },
      urgency: 60 + cap(late, 20) * 2,
    });
  }

  for (const { milestone: m, daysLate } of overdueMilestones(facts.milestones, now)) {
    const account = accounts.get(m.accountId);
    if (!account || !onboarding(account) || daysLate <= 0) continue;
    add(account, {
      key: `milestone:${m.id}:overdue`, lane: 'owe', kind: 'milestone_overdue',
      reason: `${milestoneWords(m.name)} ${plural(daysLate, 'day')} late`,
      nextStep: { label: `Send ${account.primaryContactName} a progress update on ${m.name} with a new date`, anchor: '#milestones' },
      urgency: 65 + cap(daysLate, 20) * 2,
    });
  }

  for (const email of facts.openEmails) {
    const account = accounts.get(email.accountId);
    if (!account || account.status === 'churned') continue;
    const hours = Math.max(0, Math.floor((now.getTime() - email.openedAt.getTime()) / 3_600_000));
    const days = Math.floor(hours / 24);
    add(account, {
      key: `email:${email.accountId}:${email.threadKey}`, lane: 'owe', kind: 'email_unanswered',
      reason: `Customer email unanswered for ${days >= 1 ? plural(days, 'day') : plural(hours, 'hour')}`,
      nextStep: { label: `Reply to ${account.primaryContactName}`, anchor: '#timeline' },
      urgency: 70 + cap(days, 10) * 3,
    });
  }

  for (const answer of facts.portalAnswers) {
    const account = accounts.get(answer.accountId);
    if (!account || account.status === 'churned') continue;
    const age = daysBetween(dayOf(answer.submittedAt), today);
    if (age > FOLLOW_UP_RULES.portalAnswerDays) continue;
    add(account, {
      key: `portal:${answer.id}`, lane: 'owe', kind: 'portal_answered',
      reason: `The customer answered "${answer.label}" in the portal ${ago(age)}`,
      nextStep: { label: 'Review their answers and thank them', anchor: '#portal' },
      urgency: 55 - cap(age, 7),
    });
  }

  // ---- news to share ----------------------------------------------------------------------------
  const news = (at: Date) => {
    const age = daysBetween(dayOf(at), today);
    return age >= 0 && age <= FOLLOW_UP_RULES.newsDays ? age : null;
  };

  const byAccount = new Map<string, FollowUpMilestone[]>();
  for (const m of facts.milestones) {
    const list = byAccount.get(m.accountId);
    if (list) list.push(m);
    else byAccount.set(m.accountId, [m]);
  }
  for (const [accountId, list] of byAccount) {
    const account = accounts.get(accountId);
    if (!account || account.status === 'churned' || account.status === 'pending_handoff') continue;
    const allDone = list.every((m) => m.status === 'completed');
    const lastDone = list.filter((m) => m.completedAt).sort((a, b) => b.completedAt!.getTime() - a.completedAt!.getTime())[0];
    for (const m of list) {
      if (m.status !== 'completed' || !m.completedAt) continue;
      const age = news(m.completedAt);
      // A finished plan is one piece of news: the launch, not each of its milestones again.
      if (age === null || (allDone && m !== lastDone)) continue;
      if (allDone) {
        add(account, {
          key: `milestone:${m.id}:completed`, lane: 'news', kind: 'launch_ready',
          reason: `Every milestone done: ${m.name} completed ${ago(age)}`,
          nextStep: account.status === 'completed'
            ? { label: `Celebrate the launch with ${account.primaryContactName}`, anchor: '#milestones' }
            : { label: 'Share the launch and mark the account completed', anchor: '#actions' },
          urgency: 56 - age * 3,
        });
      } else {
        add(account, {
          key: `milestone:${m.id}:completed`, lane: 'news', kind: 'milestone_completed',
          reason: `${milestoneWords(m.name)} completed ${ago(age)}`,
          nextStep: { label: `Send the ${m.name} recap`, anchor: '#milestones' },
          urgency: 50 - age * 3,
        });
      }
    }
  }

  const backToActive = new Set<string>();
  // The latest return to active of each account, if several.
  for (const change of [...facts.statusChanges].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())) {
    const account = accounts.get(change.accountId);
    if (!account || change.to !== 'active' || change.from !== 'at_risk' || account.status !== 'active') continue;
    const age = news(change.occurredAt);
    if (age === null || backToActive.has(account.id)) continue;
    backToActive.add(account.id);
    add(account, {
      key: `status:${change.id}`, lane: 'news', kind: 'back_to_active',
      reason: `Back on track: moved from at risk to active ${ago(age)}`,
      nextStep: { label: `Tell ${account.primaryContactName} the risk is behind you`, anchor: '#timeline' },
      urgency: 58 - age * 3,
    });
  }

  for (const account of facts.accounts) {
    if (account.handoffSubmittedAt && onboarding(account)) {
      const age = news(account.handoffSubmittedAt);
      if (age !== null) {
        add(account, {
          key: `handoff:${account.id}:submitted`, lane: 'news', kind: 'handoff_completed',
          reason: `The AE completed the handoff ${ago(age)}`,
          nextStep: { label: `Welcome ${account.primaryContactName} and book the kickoff`, anchor: '#playbook' },
          urgency: 60 - age * 3,
        });
      }
    }
    const health = account.health;
    if (health?.tier && health.previousTier && onboarding(account)) {
      const age = daysBetween(dayOf(health.tierSince), today);
      const key = `health:${account.id}:${dayOf(health.tierSince)}`;
      const score = health.score === null ? '' : ` (${health.score})`;
      if (age >= 0 && age <= FOLLOW_UP_RULES.healthChangeDays) {
        // Back to active says it already (recovering to Healthy is what moves an account back).
        if (tierRank(health.tier) < tierRank(health.previousTier) && !backToActive.has(account.id)) {
          add(account, {
            key: `${key}:up`, lane: 'news', kind: 'health_recovered',
            reason: `Health recovered from ${HEALTH_TIER_LABELS[health.previousTier]} to ${HEALTH_TIER_LABELS[health.tier]}${score} ${ago(age)}`,
            nextStep: { label: `Share the progress with ${account.primaryContactName}`, anchor: '#health' },
            urgency: 45 - age * 3,
          });
        } else if (tierRank(health.tier) > tierRank(health.previousTier)) {
          const severity = health.tier === 'critical' ? 80 : health.tier === 'at_risk' ? 70 : 50;
          add(account, {
            key: `${key}:down`, lane: 'close', kind: 'health_dropped',
            reason: `Health fell from ${HEALTH_TIER_LABELS[health.previousTier]} to ${HEALTH_TIER_LABELS[health.tier]}${score} ${ago(age)}`,
            nextStep: { label: 'See which factors fell and set a CSM Pulse', anchor: '#health' },
            urgency: severity - age * 2,
          });
        }
      }
    }
  }

  // ---- stay close ---------------------------------------------------------------------------------
  const closeFor = new Set(items.filter((i) => i.lane === 'close').map((i) => i.accountId));
  for (const account of facts.accounts) {
    if (account.status === 'at_risk' && !closeFor.has(account.id)) {
      const since = account.atRiskSince ?? account.createdAt;
      const days = Math.max(0, daysBetween(dayOf(since), today));
      add(account, {
        key: `at_risk:${account.id}:${dayOf(since)}`, lane: 'close', kind: 'at_risk',
        reason: days === 0 ? 'Moved to at risk today' : `At risk for ${plural(days, 'day')}`,
        nextStep: { label: `Agree a recovery plan with ${account.primaryContactName}`, anchor: '#timeline' },
        urgency: 60 + cap(days, 30),
      });
      closeFor.add(account.id);
    }
    if (account.status === 'pending_handoff') {
      const since = account.handoffCreatedAt ?? account.createdAt;
      const days = daysBetween(dayOf(since), today);
      if (days > FOLLOW_UP_RULES.handoffWaitDays) {
        add(account, {
          key: `handoff:${account.id}:waiting`, lane: 'close', kind: 'handoff_waiting',
          reason: `Handoff waiting on the AE for ${plural(days, 'day')}`,
          nextStep: { label: 'Nudge the AE', anchor: '#handoff' },
          urgency: 50 + cap(days, 30),
        });
        closeFor.add(account.id);
      }
    }
  }
  for (const account of facts.accounts) {
    if (!onboarding(account) || closeFor.has(account.id)) continue;
    const base = [account.lastTouchAt, account.handoffSubmittedAt, account.createdAt]
      .filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0]!;
    const days = daysBetween(dayOf(base), today);
    if (days < FOLLOW_UP_RULES.noTouchDays) continue;
    add(account, {
      key: `no_touch:${account.id}:${dayOf(base)}`, lane: 'close', kind: 'no_touch',
      reason: `No touch from us in ${plural(days, 'day')}`,
      nextStep: { label: `Check in with ${account.primaryContactName}`, anchor: '#notes' },
      urgency: 30 + cap(days - FOLLOW_UP_RULES.noTouchDays, 30),
    });
  }

  return rankLanes(items);
}

/** Splits items into their lanes, most urgent first; equal urgency: larger ARR, then name, then key. */
export function rankLanes(items: readonly FollowUpItem[]): FollowUpLanes {
  const ranked = [...items].sort((a, b) =>
    b.urgency - a.urgency || b.arr - a.arr || a.accountName.localeCompare(b.accountName) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    owe: ranked.filter((i) => i.lane === 'owe'),
    news: ranked.filter((i) => i.lane === 'news'),
    close: ranked.filter((i) => i.lane === 'close'),
  };
}

// ---- dismiss and snooze ---------------------------------------------------------------------------

export interface FollowUpState { itemKey: string; dismissedAt: Date | null; snoozedUntil: string | null }

export const SNOOZE_CHOICES = ['tomorrow', 'next_week'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

/** The day a snooze ends (the item shows again that day). */
export function snoozeUntil(choice: SnoozeChoice, today: string): string {
  return choice === 'tomorrow' ? addDays(today, 1) : nextMonday(today);
}

/** Whether a person's dismissal or snooze hides the item today. */
export function isHidden(state: FollowUpState | undefined, today: string): boolean {
  if (!state) return false;
  if (state.dismissedAt) return true;
  return state.snoozedUntil !== null && state.snoozedUntil > today;
}
