import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { getAccount, getAccountDetail } from '../../../db/repositories/accounts.ts';
import { accountCrmRecords } from '../../../db/repositories/connectors.ts';
import { addContact, addNote, listContacts, listNotes, listTasks } from '../../../db/repositories/accountWork.ts';
import { getAccountAction, listAccountActions } from '../../../db/repositories/actions.ts';
import { listTimeline } from '../../../db/repositories/timeline.ts';
import { listUserNames, listUsersByRole, listUsersWithLastSignIn } from '../../../db/repositories/users.ts';
import { TIMELINE_EVENT_TYPES } from '../../../domain/timeline.ts';
import { csmAssignmentSchema, statusChangeSchema } from '../../../domain/accountChanges.ts';
import { DATE_RANGE, fieldErrors, isSaneDate } from '../../../domain/accountInput.ts';
import { ACTION_COMMANDS, type ActionCommand, type ActionState } from '../../../domain/actions.ts';
import {
  assignAccountCsm, changeAccountStatus, commandAccountAction, completeAccountMilestone, completeAccountTask, resendAccountHandoffLink,
} from '../../../services/accountActions.ts';
import { RelayError } from '../../../services/errors.ts';
import { createTask, taskPrioritySchema } from '../../../services/tasks.ts';
import { retryConnectorRecord } from '../../../services/connectors/connections.ts';
import { PROVIDER_LABELS } from '../../../domain/crmLinks.ts';
import { loadAccountHealth } from '../../../services/health/accountHealth.ts';
import { pulseNoteSchema, pulseScoreSchema, setPulse } from '../../../services/health/pulse.ts';
import { accountPath } from '../../../ui/components/account/accountView.ts';
import { PLAYBOOK_ANCHOR, type FailedActionForm } from '../../../ui/components/account/ActionsCard.tsx';
import { humanize } from '../../../ui/components/account/formFields.tsx';
import { AccountDetailPage, AccountNotFoundPage, type AccountFormName } from '../../../ui/pages/AccountDetailPage.tsx';
import type { AppDeps, DashboardEnv } from '../../deps.ts';
import { readFormBody } from '../../middleware/storableInput.ts';
import { setFlash, takeFlash, type Flash } from './accountFlash.ts';
import { accountPortalRoutes } from '../portal.tsx';
import { loadPortalCard } from '../../../services/portal.ts';

const optionalText = (max: number) =>
  z.string().trim().max(max, `at most ${max} characters`).optional().transform((v) => v || undefined);

/** Ticked boxes send "yes"; unticked ones send nothing, which here means "no" (not the API's default). */
const checkbox = z.enum(['yes']).optional().transform((v) => v === 'yes');

const FORM_SCHEMAS = {
  status: statusChangeSchema,
  csm: csmAssignmentSchema.extend({ notifyCsm: checkbox, notifyContact: checkbox }),
  task: z.object({
    title: z.string({ error: 'the task needs a title' }).trim().min(1, 'the task needs a title').max(300, 'at most 300 characters'),
    dueDate: z.string().trim().optional().transform((v) => v || null)
      .refine((v) => v === null || isSaneDate(v), `due date must be a real date (YYYY-MM-DD) between ${DATE_RANGE.from} and ${DATE_RANGE.to}`),
    // Issue 14: who it is for (a user ID; empty: the account's CSM) and how pressing it is.
    assignee: z.string().trim().max(100, 'choose someone from the list').optional().transform((v) => v || null),
    priority: z.preprocess((v) => (v === '' ? undefined : v), taskPrioritySchema.optional()),
  }),
  contact: z.object({
    name: z.string({ error: 'name is required' }).trim().min(1, 'name is required').max(200, 'at most 200 characters'),
    email: z.string({ error: 'email is required' }).trim().toLowerCase().pipe(z.email('email is not a valid email')),
    role: optionalText(200).transform((v) => v ?? null),
  }),
  note: z.object({
    body: z.string({ error: 'the note is empty' }).trim().min(1, 'the note is empty').max(20_000, 'at most 20,000 characters'),
  }),
  // The form posts text: "" (nothing chosen) and anything not a whole number are refused like 0 or 11.
  pulse: z.object({
    score: z.string({ error: 'choose a pulse from 1 to 10' }).trim().min(1, 'choose a pulse from 1 to 10')
      .transform((v) => (/^\d{1,2}$/.test(v) ? Number(v) : Number.NaN)).pipe(pulseScoreSchema),
    note: pulseNoteSchema,
  }),
} satisfies Record<AccountFormName, z.ZodType>;

/** A change a worker accepted but has not finished applying (its database write is waiting, say). */
const STILL_APPLYING = 'Accepted: Relay is still applying this change; it will show here shortly.';

// ---- the playbook's action forms (issue 12) --------------------------------------------------------

const isActionCommand = (value: string): value is ActionCommand => (ACTION_COMMANDS as readonly string[]).includes(value);

/** A `datetime-local` value ("2026-05-01T09:30", seconds optional), read as UTC like every time on the page. */
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(?:\.\d{1,3})?)?$/;

/** A textarea posts CRLF line breaks; the draft was written with LF. */
const normaliseText = (value: string | undefined): string => (value ?? '').replace(/\r\n?/g, '\n').trim();

/**
 * What an action form posted, as the body `commandAccountAction` takes (the API's), or the errors of
 * the fields only the page has (its date-time input). The service checks the rest and names the field.
 */
function actionCommandBody(command: ActionCommand, values: Record<string, string>, draft: { draftSubject: string | null; draftBody: string | null }):
  { body: Record<string, string> } | { errors: Record<string, string> } {
  switch (command) {
    case 'skip': return { body: { reason: values.reason ?? '' } };
    case 'reschedule': {
      const raw = (values.dueAt ?? '').trim();
      if (!raw) return { errors: { dueAt: 'choose the new date and time (UTC)' } };
      const match = LOCAL_DATE_TIME.exec(raw);
      const iso = match ? `${match[1]}T${match[2]}${match[3] ?? ':00'}Z` : '';
      // Round-tripped, so 2026-02-30 or 25:00 is refused rather than rolled over to another day.
      if (!match || !isSaneDate(match[1]!) || Number.isNaN(Date.parse(iso)) || new Date(iso).toISOString().slice(0, 16) !== `${match[1]}T${match[2]}`) {
        return { errors: { dueAt: 'not a date and time: use YYYY-MM-DD HH:MM (UTC)' } };
      }
      return { body: { dueAt: iso } };
    }
    case 'approve': {
      if (values.subject === undefined && values.body === undefined) return { body: {} };
      const subject = normaliseText(values.subject);
      const body = normaliseText(values.body);
      // Sent as drafted: the draft keeps its drafter's label; anything changed goes as the reviewer's edit.
      if (subject === normaliseText(draft.draftSubject ?? undefined) && body === normaliseText(draft.draftBody ?? undefined)) return { body: {} };
      return { body: { subject, body } };
    }
    case 'complete':
    case 'run':
      return { body: {} };
  }
}

/** The outcome of a command, in words, from the action as the workflow now holds it. */
function actionOutcome(command: ActionCommand, label: string, action: ActionState | undefined): Flash {
  const name = `"${label}"`;
  switch (command) {
    case 'approve':
      return action?.status === 'executed'
        ? { kind: 'ok', message: `${name} approved and sent to the primary contact.` }
        : { kind: 'error', message: `${name} was not sent${action?.note ? `: ${action.note}` : ''}.` };
    case 'run':
      if (action?.status === 'review_pending') return { kind: 'ok', message: `${name} drafted: review it below, then approve to send it.` };
      if (action?.status === 'executed') return { kind: 'ok', message: `${name} sent.` };
      return { kind: 'ok', message: `${name} is ready.` };
    case 'skip': return { kind: 'ok', message: `${name} skipped.` };
    case 'reschedule': {
      const at = action?.dueAt ? new Date(action.dueAt).toISOString() : null;
      return { kind: 'ok', message: at ? `${name} rescheduled to ${at.slice(0, 10)} ${at.slice(11, 16)} UTC.` : `${name} rescheduled.` };
    }
    case 'complete': return { kind: 'ok', message: `${name} completed.` };
  }
}

const timelineTypeSchema = z.enum(TIMELINE_EVENT_TYPES, { error: 'not a kind of event the timeline records' }).optional();

type AccountContext = Context<DashboardEnv>;

export function accountDetailRoutes(deps: AppDeps) {
  const notFound = (c: AccountContext) =>
    c.html(<AccountNotFoundPage viewer={c.get('user')} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox} />, 404);

  async function renderPage(c: AccountContext, accountId: string, opts: {
    failedForm?: { form: AccountFormName; state: { values: Record<string, string>; errors: Record<string, string> } };
    failedAction?: FailedActionForm;
    status?: 200 | 400;
  } = {}) {
    const user = c.get('user');
    const detail = await getAccountDetail(deps.db, user.orgId, accountId);
    if (!detail) return notFound(c);
    const typeQuery = c.req.query('type') || undefined;
    const typeParsed = timelineTypeSchema.safeParse(typeQuery);
    const [csms, people, tasks, contacts, notes, timeline, health, crm, actions, portal] = await Promise.all([
      listUsersByRole(deps.db, user.orgId, 'csm'),
      listUserNames(deps.db, user.orgId),
      listTasks(deps.db, user.orgId, accountId),
      listContacts(deps.db, user.orgId, accountId),
      listNotes(deps.db, user.orgId, accountId),
      listTimeline(deps.db, user.orgId, accountId),
      loadAccountHealth(deps.db, user.orgId, accountId, { recentEvents: true }),
      accountCrmRecords(deps.db, user.orgId, accountId),
      listAccountActions(deps.db, user.orgId, accountId),
      loadPortalCard(deps.db, user.orgId, accountId),
    ]);
    const type = typeParsed.success ? typeParsed.data : undefined;
    const flash = takeFlash(c);
    // Whom a task may be for (issue 14): everyone in the organisation.
    const assignees = (await listUsersWithLastSignIn(deps.db, user.orgId)).map((u) => ({ id: u.id, name: u.name, email: u.email }));
    return c.html(
      <AccountDetailPage
        viewer={user} csrfToken={c.get('csrfToken')} devOutbox={deps.devOutbox} detail={detail} csms={csms}
        tasks={tasks} contacts={contacts} notes={notes} health={health}
        // Per-account timelines are short (tens to hundreds of events): filtering here keeps one query.
        timeline={type ? timeline.filter((e) => e.type === type) : timeline}
        people={people} timelineType={type} timelineTypeError={typeParsed.success ? undefined : typeParsed.error.issues[0]?.message}
        temporalUrl={`${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${encodeURIComponent(detail.account.workflowId)}`}
        today={new Date().toISOString().slice(0, 10)} flash={flash} failedForm={opts.failedForm} crm={crm}
        actions={actions} failedAction={opts.failedAction} portal={portal} assignees={assignees}
      />,
      opts.status ?? (typeParsed.success ? 200 : 400),
    );
  }

  /**
   * Reads one of the page's forms. A bad one re-renders the page (400) with what was typed and an
   * error beside each refused field; a good one comes back typed.
   */
  async function readForm<F extends AccountFormName>(c: AccountContext, accountId: string, form: F):
    Promise<{ ok: true; data: z.infer<(typeof FORM_SCHEMAS)[F]> } | { ok: false; response: Response }> {
    // Text refused under the text rule is one more field error (the form shows it again without it).
    const { body, refused } = await readFormBody(c);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string' && key !== '_csrf') values[key] = value;
    const parsed = FORM_SCHEMAS[form].safeParse(values);
    if (parsed.success && !Object.keys(refused).length) return { ok: true, data: parsed.data as z.infer<(typeof FORM_SCHEMAS)[F]> };
    const errors: Record<string, string> = { ...refused };
    for (const { field, message } of parsed.success ? [] : fieldErrors(parsed.error)) errors[field] ??= message;
    return { ok: false, response: await renderPage(c, accountId, { failedForm: { form, state: { values, errors } }, status: 400 }) };
  }

  /** Back to the page, beside the form that was used (the anchor), with the outcome as a flash. */
  const back = (c: AccountContext, accountId: string, anchor: string, flash: Flash) => {
    setFlash(c, flash, deps.secureCookies);
    return c.redirect(accountPath(accountId, anchor), 303);
  };

  /**
   * Runs a workflow-backed action. The workflow's refusals (a transition it does not allow, a
   * milestone already done) come back as an error flash on the page, never as an error page.
   */
  async function workflowAction(c: AccountContext, accountId: string, anchor: string, action: () => Promise<string>) {
    try {
      return back(c, accountId, anchor, { kind: 'ok', message: await action() });
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      if (error.code === 'not_found') return notFound(c);
      return back(c, accountId, anchor, { kind: 'error', message: `Not done: ${error.message}` });
    }
  }

  const ownAccount = (c: AccountContext, accountId: string) => getAccount(deps.db, c.get('user').orgId, accountId);

  return new Hono<DashboardEnv>()
    .get('/:id', (c) => renderPage(c, c.req.param('id')))
    // Every action first proves the account is this organisation's; anything else is the same 404.
    .post('/:id/*', async (c, next) => {
      if (!await ownAccount(c, c.req.param('id'))) return notFound(c);
      await next();
    })

    .post('/:id/status', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'status');
      if (!form.ok) return form.response;
      const user = c.get('user');
      return workflowAction(c, id, '', async () => {
        const { state } = await changeAccountStatus(deps, user.orgId, id, form.data, user.email);
        return state ? `Status changed to ${humanize(state.status).toLowerCase()}.` : STILL_APPLYING;
      });
    })

    .post('/:id/csm', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'csm');
      if (!form.ok) return form.response;
      const user = c.get('user');
      return workflowAction(c, id, '#actions', async () => {
        const { state } = await assignAccountCsm(deps, user.orgId, id, form.data, user.email);
        if (!state) return STILL_APPLYING;
        const told = [form.data.notifyCsm ? 'the CSM' : null, form.data.notifyContact ? 'the customer contact' : null].filter(Boolean);
        return `${state.csm?.name ?? 'The CSM'} is now the CSM${told.length ? `; emailed ${told.join(' and ')}` : ''}.`;
      });
    })

    .post('/:id/milestones/:milestoneId/complete', async (c) => {
      const id = c.req.param('id');
      const user = c.get('user');
      return workflowAction(c, id, '#milestones', async () => {
        const done = await completeAccountMilestone(deps, user.orgId, id, c.req.param('milestoneId'), user.email);
        if (!done.progress) return STILL_APPLYING;
        return done.readyToComplete
          ? 'Last milestone completed. Mark the account completed when the customer has launched.'
          : `Milestone completed (${done.progress.completed} of ${done.progress.total}).`;
      });
    })

    .post('/:id/handoff/resend', async (c) => {
      const id = c.req.param('id');
      const user = c.get('user');
      return workflowAction(c, id, '#handoff', async () => {
        await resendAccountHandoffLink(deps, user.orgId, id, user.email);
        return 'A new handoff link is on its way to the AE; earlier links no longer work.';
      });
    })

    .post('/:id/tasks', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'task');
      if (!form.ok) return form.response;
      const user = c.get('user');
      try {
        await createTask(deps, user.orgId, { accountId: id, ...form.data }, { userId: user.id, email: user.email });
      } catch (error) {
        if (!(error instanceof RelayError) || error.code !== 'unprocessable') throw error;
        return back(c, id, '#tasks', { kind: 'error', message: `Not added: ${error.details.fields?.[0]?.message ?? error.message}` });
      }
      return back(c, id, '#tasks', { kind: 'ok', message: `Task added: ${form.data.title}` });
    })

    .post('/:id/tasks/:taskId/complete', async (c) => {
      const id = c.req.param('id');
      const user = c.get('user');
      let result: Awaited<ReturnType<typeof completeAccountTask>>;
      try {
        result = await completeAccountTask(deps, user.orgId, id, c.req.param('taskId'), { userId: user.id, email: user.email });
      } catch (error) {
        // The playbook action behind the task could not be completed (its workflow is not answering): nothing changed.
        if (!(error instanceof RelayError)) throw error;
        return back(c, id, '#tasks', { kind: 'error', message: `Not done: ${error.message}` });
      }
      if (result === 'not_found') return notFound(c);
      return back(c, id, '#tasks', { kind: 'ok', message: result === 'completed' ? 'Task done.' : 'That task was already done.' });
    })

    .post('/:id/contacts', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'contact');
      if (!form.ok) return form.response;
      const user = c.get('user');
      const added = await addContact(deps.db, user.orgId, id, form.data, { userId: user.id, email: user.email });
      if (added === 'duplicate') {
        const values = { name: form.data.name, email: form.data.email, role: form.data.role ?? '' };
        return renderPage(c, id, { failedForm: { form: 'contact', state: { values, errors: { email: 'this person is already a contact of the account' } } }, status: 400 });
      }
      return back(c, id, '#contacts', { kind: 'ok', message: `Contact added: ${form.data.name}` });
    })

    .post('/:id/pulse', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'pulse');
      if (!form.ok) return form.response;
      const user = c.get('user');
      const pulse = await setPulse(deps.db, user.orgId, id, form.data, { userId: user.id, label: user.email });
      return back(c, id, '#health', { kind: 'ok', message: `Pulse set to ${pulse.score}/10; it counts until ${pulse.expiresOn}. The health score updates within minutes.` });
    })

    // A failed or skipped CRM record of this account, imported again (issue 11); only one the account holds.
    .post('/:id/crm/retry', async (c) => {
      const id = c.req.param('id');
      const { body } = await readFormBody(c);
      const user = c.get('user');
      const record = (await accountCrmRecords(deps.db, user.orgId, id))
        .find((r) => r.provider === body.provider && r.externalId === body.externalId);
      if (!record) return back(c, id, '#crm', { kind: 'error', message: 'Not done: that CRM record is not linked to this account.' });
      const provider = PROVIDER_LABELS[record.provider];
      try {
        await retryConnectorRecord(deps, user.orgId, record.provider, record.externalId);
      } catch (error) {
        // "HubSpot is not connected" is about the connection, not the account: a flash, not the 404 page.
        if (!(error instanceof RelayError)) throw error;
        return back(c, id, '#crm', { kind: 'error', message: `Not done: ${error.message}` });
      }
      return back(c, id, '#crm', { kind: 'ok', message: `Retrying ${provider} ${record.externalId}: the outcome shows here once the sync has run (usually seconds).` });
    })

    // The playbook's actions (issue 12): the API's commands, as the signed-in user. A field the
    // service refuses comes back beside its input; the workflow's refusals (a blocker, a state that
    // does not allow it) come back as an error flash naming the reason.
    .post('/:id/actions/:actionId/:command', async (c) => {
      const id = c.req.param('id');
      const actionId = c.req.param('actionId');
      const command = c.req.param('command');
      if (!isActionCommand(command)) return notFound(c);
      const user = c.get('user');
      const { body, refused } = await readFormBody(c);
      const action = await getAccountAction(deps.db, user.orgId, id, actionId);
      if (!action) return back(c, id, PLAYBOOK_ANCHOR, { kind: 'error', message: 'Not done: that action is not on this account.' });
      const values: Record<string, string> = {};
      for (const [key, value] of Object.entries(body)) if (typeof value === 'string' && key !== '_csrf') values[key] = value;
      const refuse = (errors: Record<string, string>) =>
        renderPage(c, id, { failedAction: { actionId, command, state: { values, errors } }, status: 400 });
      if (Object.keys(refused).length) return refuse(refused);
      const input = actionCommandBody(command, values, action);
      if ('errors' in input) return refuse(input.errors);
      try {
        const { state } = await commandAccountAction(deps, user.orgId, id, actionId, command, input.body, user.email);
        const outcome = state ? actionOutcome(command, action.label, state.actions?.find((a) => a.id === actionId)) : { kind: 'ok' as const, message: STILL_APPLYING };
        return back(c, id, PLAYBOOK_ANCHOR, outcome);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        if (error.code === 'validation' && error.details.fields?.length) {
          const errors: Record<string, string> = {};
          for (const { field, message } of error.details.fields) errors[field] ??= message;
          return refuse(errors);
        }
        if (error.code === 'not_found') return notFound(c);
        return back(c, id, PLAYBOOK_ANCHOR, { kind: 'error', message: `Not done: ${error.message}` });
      }
    })

    .post('/:id/notes', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c, id, 'note');
      if (!form.ok) return form.response;
      const user = c.get('user');
      await addNote(deps.db, user.orgId, id, form.data.body, { userId: user.id, email: user.email });
      return back(c, id, '#notes', { kind: 'ok', message: 'Note added.' });
    })

    // The customer portal (issue 12): send / revoke the link, view as customer, download uploads.
    .route('/', accountPortalRoutes(deps));
}
