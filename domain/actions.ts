import type { ActionKind, TemplateAction } from './templates.ts';

// The onboarding playbook's actions (issue 12), as the account's workflow runs them. Pure: the
// workflow, the API and the pages share these rules.

/**
 * pending (waiting for its time, or for a person when manual) → ready (drafted, or open for a person)
 * → review_pending (an email waiting for approval) → executed (sent) → completed; or skipped.
 */
export const ACTION_STATUSES = ['pending', 'ready', 'review_pending', 'executed', 'completed', 'skipped'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const ACTION_COMMANDS = ['approve', 'skip', 'reschedule', 'complete', 'run'] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

/** One action of one of the account's milestones, as its workflow holds it. */
export interface ActionState {
  /** `<milestoneId>:<index in the milestone's actions>`: stable across replays and continue-as-new. */
  id: string;
  milestoneId: string;
  kind: ActionKind;
  label: string;
  description: string;
  blocker: boolean;
  manual: boolean;
  /** Sent without waiting for review (emails). */
  autoSend: boolean;
  /** Workflow time (epoch ms) it fires at; null for a manual action nobody ran yet. */
  dueAt: number | null;
  status: ActionStatus;
  /** Why it was skipped. */
  note: string | null;
}

/** An action nobody has to do anything about any more (a sent email is done; completing it only files it). */
export const isActionDone = (status: ActionStatus): boolean => status === 'executed' || status === 'completed' || status === 'skipped';

/** The actions a milestone gets when it starts: timed ones due at start + delay, manual ones waiting. */
export function actionsForMilestone(milestoneId: string, actions: TemplateAction[], startedAt: number, hourMs: number): ActionState[] {
  return actions.map((a, index) => ({
    id: `${milestoneId}:${index}`, milestoneId, kind: a.kind, label: a.label, description: a.description, blocker: a.blocker,
    manual: a.trigger.type === 'manual', autoSend: a.autoSend === true,
    dueAt: a.trigger.type === 'manual' ? null : startedAt + a.trigger.delayHours * hourMs,
    status: 'pending', note: null,
  }));
}

/** The milestone's blockers still open: what stops it from being completed, by name. */
export function openBlockers(actions: ActionState[] | undefined, milestoneId: string): ActionState[] {
  return (actions ?? []).filter((a) => a.milestoneId === milestoneId && a.blocker && !isActionDone(a.status));
}

/** Why a command cannot apply to an action in its state, or null when it can. */
export function actionCommandError(action: ActionState, command: ActionCommand): string | null {
  if (command === 'complete' && action.status === 'executed') return null;
  if (isActionDone(action.status)) return `"${action.label}" is already ${action.status}`;
  switch (command) {
    case 'approve': return action.status === 'review_pending' ? null : `"${action.label}" is not waiting for review (it is ${action.status})`;
    case 'run': return action.status === 'pending' ? null : `"${action.label}" has already run (it is ${action.status})`;
    case 'reschedule': return action.status === 'pending' ? null : `only a pending action can be rescheduled ("${action.label}" is ${action.status})`;
    case 'complete': return action.kind === 'email' && action.status !== 'executed'
      ? `an email completes when it is sent: approve "${action.label}" instead`
      : null;
    case 'skip': return null;
  }
}

/** Fills `{{company_name}}`-style variables; an unknown one is left as written, so a person sees it. */
export function fillVariables(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The kinds of action that put a task on the account's task list when they become ready (issue 12). */
export const TASK_LIST_KINDS: readonly ActionKind[] = ['task'];

/**
 * The variables an action's email may hold, filled when it is sent (a reviewer sees them as written,
 * and the CSM's name is the one assigned at send time).
 */
export const EMAIL_VARIABLES = ['company_name', 'primary_contact_name', 'primary_contact_first_name', 'csm_name', 'csm_email', 'scheduling_link', 'portal_link'] as const;

/**
 * The first milestone's emails introduce the customer portal: they carry `{{portal_link}}`, which the
 * send fills with a portal link for the primary contact (services/portal.ts `portalLinkForEmail`).
 */
export const introducesPortal = (milestoneSequence: number): boolean => milestoneSequence === 1;

/** The portal link on its own paragraph before the sign-off, when an introducing email does not offer it already. */
export function withPortalLink(body: string, milestoneSequence: number): string {
  if (!introducesPortal(milestoneSequence) || body.includes('{{portal_link}}')) return body;
  const paragraphs = body.split('\n\n');
  const signOff = paragraphs.length > 1 && /^(best|thanks|regards|kind regards|cheers|sincerely)\b/i.test(paragraphs.at(-1) ?? '') ? paragraphs.pop() : undefined;
  paragraphs.push('Your onboarding plan, and anything we need from you, is here: {{portal_link}}');
  if (signOff) paragraphs.push(signOff);
  return paragraphs.join('\n\n');
}
