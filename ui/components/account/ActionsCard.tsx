import type { Child } from 'hono/jsx';
import type { listAccountActions } from '../../../db/repositories/actions.ts';
import { isActionDone, TASK_LIST_KINDS, type ActionCommand } from '../../../domain/actions.ts';
import { canWorkMilestones } from '../../../domain/lifecycle.ts';
import type { TemplateAction } from '../../../domain/templates.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath, type AccountView } from './accountView.ts';
import { EMPTY_FORM, FieldError, humanize, Time, type FormState } from './formFields.tsx';

// The playbook's actions on the account page (issue 12): what each started milestone's actions are
// waiting for, and the person's part in them (review a draft, run, complete, skip, reschedule).
// Plain forms: the workflow decides, the route answers with a flash or the form again with its error.

export type ActionRow = Awaited<ReturnType<typeof listAccountActions>>[number];

/** An action form that was refused on its fields, shown again with what was typed. */
export interface FailedActionForm { actionId: string; command: ActionCommand; state: FormState }

/** The anchor the action forms come back to. */
export const PLAYBOOK_ANCHOR = '#playbook';

/** The labels of a milestone's blockers still open: what holds it from being completed. */
export function openBlockerLabels(actions: ActionRow[], milestoneId: string): string[] {
  return actions.filter((a) => a.milestoneId === milestoneId && a.blocker && !isActionDone(a.status)).map((a) => a.label);
}

/** `<milestoneId>:<index>`: the template's order within its milestone. */
const actionIndex = (a: ActionRow): number => Number(a.actionId.slice(a.actionId.lastIndexOf(':') + 1)) || 0;

/** A `datetime-local` value in UTC (the page's times are all UTC). */
const utcLocalInput = (at: Date): string => at.toISOString().slice(0, 16);

const DRAFTER_LABELS: Record<string, string> = {
  rule_based: 'Rule-based draft',
  edited: 'Draft edited by a reviewer',
  openai: 'Drafted by AI — review before sending',
};

/** Who drafted it, in words: an AI draft is stored as `openai:<model>` and named with its model. */
function drafterLabel(drafter: string): string {
  const model = /^openai:(.+)$/.exec(drafter)?.[1];
  if (model) return `Drafted by AI (${model}) — review before sending`;
  return DRAFTER_LABELS[drafter] ?? humanize(drafter);
}

const STATUS_COLOURS: Record<ActionRow['status'], string> = {
  pending: '#4b5563', ready: '#b35c00', review_pending: '#b35c00', executed: '#146c2e', completed: '#146c2e', skipped: '#6b7280',
};

/** The action's state in words, as a person reads it. */
function StatusWords(p: { action: ActionRow }) {
  const a = p.action;
  switch (a.status) {
    case 'pending': return a.dueAt ? <>Waiting until <Time at={a.dueAt} /></> : <>Waiting for a person</>;
    case 'ready': return <>Ready</>;
    case 'review_pending': return <>Draft waiting for review</>;
    case 'executed': return <>{a.kind === 'email' ? 'Sent' : 'Done'}</>;
    case 'completed': return <>Completed</>;
    case 'skipped': return <>Skipped: {a.note ?? 'no reason given'}</>;
  }
}

export function ActionsCard(p: {
  detail: AccountView; actions: ActionRow[]; csrfToken: string; failed?: FailedActionForm | undefined;
}) {
  const { account, milestones } = p.detail;
  const workable = canWorkMilestones(account.status);
  const groups = [...milestones].sort((a, b) => a.sequence - b.sequence)
    .map((m) => ({ milestone: m, actions: p.actions.filter((a) => a.milestoneId === m.id).sort((a, b) => actionIndex(a) - actionIndex(b)) }))
    .filter((g) => g.actions.length);
  const later = milestones.some((m) => m.status === 'pending');
  return (
    <section class="card" id="playbook" aria-labelledby="playbook-title">
      <h2 id="playbook-title">Playbook</h2>
      {!groups.length ? (
        <p class="muted">{account.status === 'pending_handoff'
          ? 'The playbook starts when the AE submits the handoff.'
          : 'No playbook actions yet: they appear when a milestone with actions starts.'}</p>
      ) : null}
      {groups.length && !workable ? <p class="muted small">This account is {humanize(account.status).toLowerCase()}: its actions can no longer be worked.</p> : null}
      {groups.map(({ milestone, actions }) => (
        <div data-milestone={milestone.name} style="margin-top:12px">
          <h3 style="margin:0 0 4px">{milestone.sequence}. {milestone.name}</h3>
          <ol class="timeline">
            {actions.map((a) => (
              <ActionItem
                action={a} template={milestone.actions[actionIndex(a)]} accountId={account.id} contactEmail={account.primaryContactEmail} workable={workable} csrfToken={p.csrfToken}
                failed={p.failed?.actionId === a.actionId ? p.failed : undefined}
              />
            ))}
          </ol>
        </div>
      ))}
      {groups.length && later ? <p class="muted small" style="margin:8px 0 0">Later milestones' actions appear here when those milestones start.</p> : null}
    </section>
  );
}

function ActionItem(p: { action: ActionRow; template: TemplateAction | undefined; accountId: string; contactEmail: string; workable: boolean; csrfToken: string; failed: FailedActionForm | undefined }) {
  const a = p.action;
  const open = p.workable && !isActionDone(a.status);
  const path = (command: ActionCommand) => accountPath(p.accountId, `/actions/${encodeURIComponent(a.actionId)}/${command}`);
  const state = (command: ActionCommand): FormState => (p.failed?.command === command ? p.failed.state : EMPTY_FORM);
  // Element IDs from the action's position, not its ID (a UUID and a colon): short, and unique on the page.
  const key = `${a.milestoneId.slice(0, 8)}-${actionIndex(a)}`;
  const canRun = open && a.status === 'pending';
  // A sent email is done; completing it only files it.
  const canComplete = p.workable && (a.status === 'ready' || (a.status === 'executed' && a.kind === 'email'));
  return (
    <li data-action-id={a.actionId} data-status={a.status} style="min-width:0">
      <div style="display:flex;gap:6px 10px;flex-wrap:wrap;align-items:baseline">
        <strong>{a.label}</strong>
        {a.blocker ? <span class={`status ${isActionDone(a.status) ? 'status-milestone-pending' : 'status-overdue'}`} title="The milestone cannot be completed while this is open">Blocker</span> : null}
      </div>
      <p class="small" style="margin:2px 0 0">
        <span class="muted">{humanize(a.kind)}{a.manual ? ' · started by a person' : null} · </span>
        <span data-action-status style={`font-weight:600;color:${STATUS_COLOURS[a.status]}`}><StatusWords action={a} /></span>
        {a.dueAt && (a.status === 'ready' || a.status === 'review_pending') ? <span class="muted"> · due <Time at={a.dueAt} /></span> : null}
      </p>
      {p.template?.schedulingUrl?.startsWith('https://') ? (
        <p class="small" style="margin:2px 0 0;overflow-wrap:anywhere" data-scheduling-link>
          <span class="muted">Scheduling link: </span>
          <a href={p.template.schedulingUrl} target="_blank" rel="noopener noreferrer">{p.template.schedulingUrl}</a>
        </p>
      ) : null}
      {TASK_LIST_KINDS.includes(a.kind) && a.status === 'ready' ? (
        <p class="small muted" style="margin:2px 0 0" data-on-task-list>On the <a href="#tasks">task list</a>; completing it here completes the task.</p>
      ) : null}
      {a.note && a.status !== 'skipped' ? <p class="small" style="margin:2px 0 0;color:#a61b1b">{a.note}</p> : null}
      {a.status === 'executed' && a.draftSubject ? <p class="small muted" style="margin:2px 0 0;overflow-wrap:anywhere">Sent to {p.contactEmail}: “{a.draftSubject}”</p> : null}

      {open && a.status === 'review_pending' ? <DraftForm action={a} htmlKey={key} contactEmail={p.contactEmail} post={path('approve')} csrfToken={p.csrfToken} state={state('approve')} /> : null}

      {canRun || canComplete ? (
        <div class="button-row" style="margin-top:6px">
          {canRun ? (
            <form method="post" action={path('run')}>
              <CsrfField token={p.csrfToken} />
              <button type="submit" class="secondary" style="margin:0" aria-label={`Run now ${a.label}`}>Run now</button>
            </form>
          ) : null}
          {canComplete ? (
            <form method="post" action={path('complete')}>
              <CsrfField token={p.csrfToken} />
              <button type="submit" class="secondary" style="margin:0" aria-label={`Complete ${a.label}`}>Complete</button>
            </form>
          ) : null}
        </div>
      ) : null}

      {open && a.status === 'pending' ? (
        <InlineForm
          action={path('reschedule')} csrfToken={p.csrfToken} id={`reschedule-${key}`} name="dueAt" type="datetime-local"
          label={<>New time <span class="muted small">(UTC)</span></>} button="Reschedule" buttonLabel={`Reschedule ${a.label}`}
          value={state('reschedule').values.dueAt ?? (a.dueAt ? utcLocalInput(a.dueAt) : '')} error={state('reschedule').errors.dueAt}
          hint="Times on this page are UTC."
        />
      ) : null}
      {open ? (
        <InlineForm
          action={path('skip')} csrfToken={p.csrfToken} id={`skip-${key}`} name="reason" type="text" required
          label="Reason to skip" button="Skip" buttonLabel={`Skip ${a.label}`}
          value={state('skip').values.reason ?? ''} error={state('skip').errors.reason} hint="Required: it goes on the timeline."
        />
      ) : null}
    </li>
  );
}

/** The email as drafted, editable, addressed to the primary contact; sent once on approval. */
function DraftForm(p: { action: ActionRow; htmlKey: string; contactEmail: string; post: string; csrfToken: string; state: FormState }) {
  const a = p.action;
  const subject = p.state.values.subject ?? a.draftSubject ?? '';
  const body = p.state.values.body ?? a.draftBody ?? '';
  const drafter = a.drafter ? drafterLabel(a.drafter) : null;
  const fieldAttrs = (name: 'subject' | 'body') => ({
    id: `draft-${name}-${p.htmlKey}`, name,
    'aria-invalid': p.state.errors[name] ? 'true' : undefined,
    'aria-describedby': p.state.errors[name] ? `draft-${name}-${p.htmlKey}-error` : undefined,
  });
  return (
    <form method="post" action={p.post} data-draft style="margin-top:8px;padding:10px 12px;border:1px solid #dde2ea;border-radius:8px;max-width:48rem">
      <CsrfField token={p.csrfToken} />
      <p class="small" style="margin:0;display:flex;gap:6px;flex-wrap:wrap;align-items:center">
        {drafter ? <span class="status status-drafter">{drafter}</span> : null}
        <span class="muted" style="overflow-wrap:anywhere">To {p.contactEmail}</span>
      </p>
      <label for={`draft-subject-${p.htmlKey}`} style="margin-top:6px">Subject</label>
      <input type="text" value={subject} required maxlength={300} {...fieldAttrs('subject')} />
      <FieldError id={`draft-subject-${p.htmlKey}`} message={p.state.errors.subject} />
      <label for={`draft-body-${p.htmlKey}`}>Body</label>
      <textarea rows={7} required {...fieldAttrs('body')}>{body}</textarea>
      <FieldError id={`draft-body-${p.htmlKey}`} message={p.state.errors.body} />
      <p class="muted small" style="margin:2px 0 6px">Variables such as {'{{company_name}}'}, {'{{primary_contact_name}}'}, {'{{csm_name}}'}, {'{{scheduling_link}}'} and {'{{portal_link}}'} (a customer portal link made for this email) are filled in when it is sent.</p>
      <button type="submit" aria-label={`Approve & send ${a.label}`}>Approve &amp; send</button>
    </form>
  );
}

/** One field and its button on one line (wrapping on a phone), the error under both. */
function InlineForm(p: {
  action: string; csrfToken: string; id: string; name: string; type: 'text' | 'datetime-local'; required?: boolean;
  label: Child; button: string; buttonLabel: string; value: string; error: string | undefined; hint: string;
}) {
  return (
    <form method="post" action={p.action} style="margin-top:6px;max-width:44rem">
      <CsrfField token={p.csrfToken} />
      <label for={p.id} style="margin:4px 0 2px;font-size:.9rem">{p.label}</label>
      <div style="display:flex;gap:8px;flex-wrap:wrap;align-items:center">
        <input
          id={p.id} name={p.name} type={p.type} value={p.value} required={p.required} maxlength={p.type === 'text' ? 1000 : undefined}
          style="flex:1 1 12rem;min-width:0;width:auto;font:inherit;padding:6px 10px;border:1px solid #cbd2dc;border-radius:6px;background:#fff"
          aria-invalid={p.error ? 'true' : undefined} aria-describedby={p.error ? `${p.id}-error` : `${p.id}-hint`}
        />
        <button type="submit" class="secondary" style="margin:0" aria-label={p.buttonLabel}>{p.button}</button>
      </div>
      {p.error ? <FieldError id={p.id} message={p.error} /> : <p class="muted small" id={`${p.id}-hint`} style="margin:2px 0 0">{p.hint}</p>}
    </form>
  );
}
