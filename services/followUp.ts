import { z } from 'zod';
import type { Queryable } from '../db/client.ts';
import {
  dismissFollowUpItem, followUpAccounts, followUpFacts, listFollowUpStates, restoreFollowUpItem, snoozeFollowUpItem, type FollowUpScope,
} from '../db/repositories/followUp.ts';
import { currentHealthConfig } from '../db/repositories/health.ts';
import { findUserByEmail, findUserById } from '../db/repositories/users.ts';
import {
  buildFollowUp, FOLLOW_UP_LANES, FOLLOW_UP_RULES, isHidden, SNOOZE_CHOICES, snoozeUntil,
  type FollowUpItem, type FollowUpLanes, type FollowUpState,
} from '../domain/followUp.ts';
import { dayIn } from '../domain/health.ts';
import type { UserRole } from '../domain/users.ts';
import { RelayError } from './errors.ts';

/**
 * Daily Follow-Up (issue 14): a person's lanes for today. Eight queries whatever the size of the book
 * (the organisation's timezone, the accounts, five kinds of facts, the person's dismissals), then the
 * pure rules of domain/followUp.ts.
 */

export interface FollowUpViewer { orgId: string; userId: string; role: UserRole }

/** An item a person dismissed or snoozed, still true today: listed apart, with a way to show it again. */
export interface HiddenFollowUpItem extends FollowUpItem { dismissed: boolean; snoozedUntil: string | null }

export interface FollowUpView {
  /** The organisation's day, and its timezone (health scoring's). */
  today: string;
  timezone: string;
  /** Whose accounts: a CSM's user ID, or null for the whole organisation. */
  csmUserId: string | null;
  lanes: FollowUpLanes;
  hidden: HiddenFollowUpItem[];
}

/**
 * Whose book a viewer sees: a CSM always their own; an admin the CSM they picked, or everyone's
 * (`null`). A CSM's pick is ignored rather than refused: nobody sees another CSM's follow-up by URL.
 */
export function followUpOwner(viewer: FollowUpViewer, picked: string | null): string | null {
  return viewer.role === 'csm' ? viewer.userId : picked;
}

async function lanesFor(db: Queryable, orgId: string, csmUserId: string | null, userId: string | null, now: Date) {
  const { config } = await currentHealthConfig(db, orgId);
  const timezone = config.schedule.timezone;
  const today = dayIn(now, timezone);
  // A day more than the longest look-back, so "7 days ago" in the organisation's timezone is always read.
  const since = new Date(now.getTime() - (Math.max(FOLLOW_UP_RULES.newsDays, FOLLOW_UP_RULES.portalAnswerDays) + 1) * 86_400_000);
  const scope: FollowUpScope = { orgId, csmUserId, since, today };
  const [accounts, facts, states] = await Promise.all([
    followUpAccounts(db, scope),
    followUpFacts(db, scope),
    userId ? listFollowUpStates(db, orgId, userId) : Promise.resolve([]),
  ]);
  return { today, timezone, lanes: buildFollowUp({ accounts, ...facts }, { now, timezone }), states };
}

const noSuchPerson = () => new RelayError('validation', 'csm: no such person in this organisation', { fields: [{ field: 'csm', message: 'no such person in this organisation' }] });

export async function loadFollowUp(db: Queryable, viewer: FollowUpViewer, picked: string | null, now = new Date()): Promise<FollowUpView> {
  const csmUserId = followUpOwner(viewer, picked);
  if (csmUserId && csmUserId !== viewer.userId && !await findUserById(db, viewer.orgId, csmUserId)) throw noSuchPerson();
  const { today, timezone, lanes, states } = await lanesFor(db, viewer.orgId, csmUserId, viewer.userId, now);
  const byKey = new Map<string, FollowUpState>(states.map((s) => [s.itemKey, s]));
  const visible: FollowUpLanes = { owe: [], news: [], close: [] };
  const hidden: HiddenFollowUpItem[] = [];
  for (const lane of FOLLOW_UP_LANES) {
    for (const item of lanes[lane]) {
      const state = byKey.get(item.key);
      if (isHidden(state, today)) hidden.push({ ...item, dismissed: Boolean(state!.dismissedAt), snoozedUntil: state!.snoozedUntil });
      else visible[lane].push(item);
    }
  }
  return { today, timezone, csmUserId, lanes: visible, hidden };
}

/**
 * The organisation's follow-up as the API gives it (an API key is nobody's, so nothing is dismissed
 * or snoozed): one CSM's, named by user ID or email, or everyone's (`all`).
 */
export async function loadOrganisationFollowUp(db: Queryable, orgId: string, csm: string, now = new Date()): Promise<Omit<FollowUpView, 'hidden'> & { csm: { id: string; name: string; email: string } | null }> {
  let person: { id: string; name: string; email: string } | null = null;
  if (csm !== 'all') {
    person = csm.includes('@') ? await findUserByEmail(db, orgId, csm) : await findUserById(db, orgId, csm);
    if (!person) throw noSuchPerson();
  }
  const { today, timezone, lanes } = await lanesFor(db, orgId, person?.id ?? null, null, now);
  return { today, timezone, csmUserId: person?.id ?? null, csm: person ? { id: person.id, name: person.name, email: person.email } : null, lanes };
}

// ---- dismiss, snooze, show again -----------------------------------------------------------------

export const followUpChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('dismiss'), key: z.string().min(1).max(500) }),
  z.object({ action: z.literal('snooze'), key: z.string().min(1).max(500), until: z.enum(SNOOZE_CHOICES, { error: 'until: choose tomorrow or next_week' }) }),
  z.object({ action: z.literal('restore'), key: z.string().min(1).max(500) }),
]);
export type FollowUpChange = z.infer<typeof followUpChangeSchema>;

/**
 * Dismisses, snoozes or shows again one of the viewer's items. Only an item that is on the viewer's
 * follow-up today (any of their accounts, everyone's for an admin) can be dismissed or snoozed, so a
 * made-up key stores nothing; showing again only removes the viewer's own row. Answers what it did, in words.
 */
export async function changeFollowUpItem(db: Queryable, viewer: FollowUpViewer, change: FollowUpChange, now = new Date()): Promise<string> {
  const ref = { orgId: viewer.orgId, userId: viewer.userId, itemKey: change.key };
  if (change.action === 'restore') {
    await restoreFollowUpItem(db, ref);
    return 'Back on your follow-up.';
  }
  const { today, lanes } = await lanesFor(db, viewer.orgId, followUpOwner(viewer, null), null, now);
  const item = FOLLOW_UP_LANES.flatMap((lane) => lanes[lane]).find((i) => i.key === change.key);
  if (!item) throw new RelayError('not_found', 'That item is not on your follow-up any more (it may have been dealt with already).');
  if (change.action === 'dismiss') {
    await dismissFollowUpItem(db, ref);
    return `Dismissed: ${item.accountName} — ${item.reason}. It comes back if something new happens.`;
  }
  const until = snoozeUntil(change.until, today);
  await snoozeFollowUpItem(db, ref, until);
  return `Snoozed until ${until}: ${item.accountName} — ${item.reason}.`;
}
