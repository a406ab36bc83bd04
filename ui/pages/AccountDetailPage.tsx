import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { AccountActions } from '../components/account/ActionCards.tsx';
import { ActionsCard, openBlockerLabels, type ActionRow, type FailedActionForm } from '../components/account/ActionsCard.tsx';
import { accountPath, type AccountView } from '../components/account/accountView.ts';
import { EMPTY_FORM, StatusBadge, type FormState } from '../components/account/formFields.tsx';
import { AccountOverview, accountSetupPending, HandoffCard, MilestonesCard, SETUP_REFRESH_SECONDS, SETUP_REFRESH_WINDOW_MS } from '../components/account/OverviewCards.tsx';
import { CrmCard } from '../components/account/CrmCard.tsx';
import { PortalCard } from '../components/account/PortalCard.tsx';
import type { PortalCardView } from '../../services/portal.ts';
import type { AccountCrmRecord } from '../../domain/crmLinks.ts';
import { TimelineCard, type TimelineRow } from '../components/account/TimelineCard.tsx';
import { ContactsCard, NotesCard, TasksCard, type ContactRow, type NoteRow, type TaskRow } from '../components/account/WorkCards.tsx';
import { HealthPanel } from '../components/health/HealthPanel.tsx';
import type { AccountHealthView } from '../../services/health/accountHealth.ts';

export type AccountFormName = 'status' | 'csm' | 'task' | 'contact' | 'note' | 'pulse';

export interface AccountDetailPageProps {
  viewer: Viewer;
  csrfToken: string;
  devOutbox: boolean;
  detail: AccountView;
  csms: { id: string; email: string; name: string }[];
  tasks: TaskRow[];
  contacts: ContactRow[];
  notes: NoteRow[];
  timeline: TimelineRow[];
  /** Everyone in the organisation: the timeline names its actors by name. */
  people: { email: string; name: string }[];
  /** The health score, its "why", history, CSM Pulse and recent events (issue 10). */
  health: AccountHealthView;
  timelineType: string | undefined;
  timelineTypeError?: string | undefined;
  temporalUrl: string;
  /** Today (YYYY-MM-DD, UTC): tasks due before it are overdue. */
  today: string;
  flash: { kind: 'ok' | 'error'; message: string } | null;
  /** A form that failed validation, re-rendered with what was typed and why it was refused. */
  failedForm?: { form: AccountFormName; state: FormState } | undefined;
  /** The CRM records linking the account (its HubSpot deal and company), with their sync (issue 11). */
  crm?: AccountCrmRecord[] | undefined;
  /** The playbook's actions of the milestones started so far (issue 12). */
  actions?: ActionRow[] | undefined;
  /** An action form (skip, reschedule, approve) refused on its fields, re-rendered with its error. */
  failedAction?: FailedActionForm | undefined;
  /** The customer portal: the contact's link and what the customer answered (issue 12). */
  portal?: PortalCardView | undefined;
  /** Whom a task may be for: the organisation's users (issue 14). */
  assignees?: { id: string; name: string; email: string }[] | undefined;
}

export function AccountDetailPage(p: AccountDetailPageProps) {
  const { account } = p.detail;
  const formState = (form: AccountFormName): FormState => (p.failedForm?.form === form ? p.failedForm.state : EMPTY_FORM);
  // A refused form is never refreshed away: what was typed stays on the page.
  const settingUp = accountSetupPending(p.detail);
  // Set-up takes seconds; one still pending after a while is stuck (no worker, a failed run), and a
  // page refreshing forever would hide that.
  const settingUpLong = settingUp && Date.now() - account.createdAt.getTime() > SETUP_REFRESH_WINDOW_MS;
  const refresh = settingUp && !settingUpLong && !p.failedForm && !p.failedAction;
  return (
    <AppLayout title={account.companyName} section="accounts" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}
      head={refresh ? <meta http-equiv="refresh" content={String(SETUP_REFRESH_SECONDS)} /> : undefined}>
      <div class="page-head">
        <div>
          <p class="small" style="margin:0"><a href="/accounts">← Accounts</a></p>
          <h1>{account.companyName} <StatusBadge status={account.status} /></h1>
        </div>
        <div class="button-row">
          <a class="button" href={accountPath(account.id, '/edit')} data-edit-account>Edit account</a>
          <a class="button secondary" href={p.temporalUrl} target="_blank" rel="noopener noreferrer">Open run in Temporal UI</a>
        </div>
      </div>
      {p.flash ? <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>{p.flash.message}</p> : null}
      {p.failedForm || p.failedAction ? <p class="flash error" role="alert">That was not saved: see the marked field below.</p> : null}
      {settingUp ? (
        <p class="flash ok" role="status" data-setup-pending>
          Relay is setting up this account: copying the template's milestones and drafting the handoff questions for the AE.
          {refresh ? ` This page refreshes itself every ${SETUP_REFRESH_SECONDS} seconds until they are ready.`
            : settingUpLong ? <> It is taking longer than it should: <a href={p.temporalUrl} target="_blank" rel="noopener noreferrer">open the run in Temporal UI</a> to see why.</>
              : ' Reload the page in a moment to see them.'}
        </p>
      ) : null}
      <HealthPanel accountId={account.id} health={p.health} csrfToken={p.csrfToken} pulseForm={formState('pulse')} />
      <div class="grid">
        <AccountOverview detail={p.detail} />
        <AccountActions detail={p.detail} csrfToken={p.csrfToken} csms={p.csms} statusForm={formState('status')} csmForm={formState('csm')} />
      </div>
      <div class="grid">
        <MilestonesCard
          detail={p.detail} csrfToken={p.csrfToken}
          heldBy={Object.fromEntries(p.detail.milestones.map((m) => [m.id, openBlockerLabels(p.actions ?? [], m.id)]))}
        />
        <HandoffCard detail={p.detail} csrfToken={p.csrfToken} />
      </div>
      <ActionsCard detail={p.detail} actions={p.actions ?? []} csrfToken={p.csrfToken} failed={p.failedAction} />
      {p.portal ? <PortalCard accountId={account.id} contactEmail={account.primaryContactEmail} portal={p.portal} csrfToken={p.csrfToken} /> : null}
      {p.crm?.length ? <CrmCard accountId={account.id} records={p.crm} csrfToken={p.csrfToken} /> : null}
      <div class="grid">
        <TasksCard accountId={account.id} tasks={p.tasks} today={p.today} csrfToken={p.csrfToken} form={formState('task')} assignees={p.assignees ?? p.csms} csmUserId={account.csmUserId} />
        <ContactsCard detail={p.detail} contacts={p.contacts} csrfToken={p.csrfToken} form={formState('contact')} />
      </div>
      <div class="grid">
        <NotesCard accountId={account.id} notes={p.notes} csrfToken={p.csrfToken} form={formState('note')} />
        <TimelineCard accountId={account.id} events={p.timeline} people={p.people} type={p.timelineType} typeError={p.timelineTypeError} />
      </div>
    </AppLayout>
  );
}

/** The same answer for an unknown ID and another organisation's: nothing says which it was. */
export function AccountNotFoundPage(p: { viewer: Viewer; csrfToken: string; devOutbox: boolean }) {
  return (
    <AppLayout title="Account not found" section="accounts" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="card">
        <h1>Account not found</h1>
        <p>There is no such account in your organisation. <a href="/accounts">Back to accounts</a>.</p>
      </div>
    </AppLayout>
  );
}
