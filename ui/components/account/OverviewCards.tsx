import { canWorkMilestones, manualTransitionError } from '../../../domain/lifecycle.ts';
import { lateLabel } from '../../../domain/milestonePlan.ts';
import { CsrfField } from '../CsrfField.tsx';
import { accountPath, type AccountView } from './accountView.ts';
import { dollars } from '../../format.ts';
import { humanize, StatusBadge, Time } from './formFields.tsx';
import { renderNoteMarkdown } from './noteMarkdown.ts';

export function milestoneProgress(detail: AccountView) {
  const completed = detail.milestones.filter((m) => m.status === 'completed').length;
  return { completed, total: detail.milestones.length };
}

/**
 * Right after create, the run is still copying the template's milestones and drafting the handoff
 * questions: the page says so in words and refreshes itself (no script) until both are there.
 */
export function accountSetupPending(detail: AccountView): boolean {
  return detail.account.status === 'pending_handoff' && (!detail.milestones.length || !detail.handoff?.drafter);
}

/** Seconds between the page's own refreshes while its set-up is pending. */
export const SETUP_REFRESH_SECONDS = 3;
/** How long after create the page keeps refreshing itself while set-up is pending. */
export const SETUP_REFRESH_WINDOW_MS = 10 * 60_000;

export function ProgressBar(p: { completed: number; total: number }) {
  if (!p.total) return <span class="muted small" data-progress-pending>Being set up</span>;
  const pct = p.total ? Math.round((p.completed / p.total) * 100) : 0;
  return (
    <span style="display:flex;gap:8px;align-items:center">
      <span class="progress" style="flex:1" role="img" aria-label={`${p.completed} of ${p.total} milestones done`}><span style={`width:${pct}%`} /></span>
      <span class="small">{p.completed} / {p.total}</span>
    </span>
  );
}

export function AccountOverview(p: { detail: AccountView }) {
  const { account, csm, template, domains } = p.detail;
  return (
    <section class="card" aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <dl class="facts">
        <dt>Company</dt><dd>{account.companyName}</dd>
        <dt>ARR</dt><dd>{dollars(account.arr)} <span class="muted">(MRR {dollars(Math.round(account.arr / 12))})</span></dd>
        <dt>Status</dt><dd><StatusBadge status={account.status} /></dd>
        <dt>CSM</dt><dd>{csm?.id ? `${csm.name} (${csm.email})` : <span class="muted">Not assigned yet</span>}</dd>
        <dt>Close date</dt><dd>{account.closeDate}</dd>
        <dt>Primary contact</dt>
        <dd>{account.primaryContactName}{account.primaryContactRole ? `, ${account.primaryContactRole}` : ''} · <a href={`mailto:${account.primaryContactEmail}`}>{account.primaryContactEmail}</a></dd>
        <dt>Domains</dt>
        <dd>{domains.length ? domains.map((d, i) => <>{i ? ', ' : ''}{d.domain}{d.isPrimary ? <span class="muted small"> (primary)</span> : null}</>) : <span class="muted">None</span>}</dd>
        <dt>Template</dt><dd>{template.name} <span class="muted">v{template.version}</span></dd>
        <dt>Milestones</dt><dd><ProgressBar {...milestoneProgress(p.detail)} /></dd>
        {account.website ? <><dt>Website</dt><dd>{account.website}</dd></> : null}
        {account.industry ? <><dt>Industry</dt><dd>{account.industry}</dd></> : null}
        {account.companySize ? <><dt>Size</dt><dd>{account.companySize} employees</dd></> : null}
        {account.aeEmail ? <><dt>AE</dt><dd>{account.aeEmail}</dd></> : null}
      </dl>
      {account.notes ? <><h3 style="margin-top:12px">Notes from creation</h3><div class="markdown" data-creation-notes dangerouslySetInnerHTML={{ __html: renderNoteMarkdown(account.notes) }} /></> : null}
    </section>
  );
}

export function MilestonesCard(p: {
  detail: AccountView; csrfToken: string;
  /** Per milestone, the labels of its open blocker actions: what holds it from being completed (issue 12). */
  heldBy?: Record<string, string[]> | undefined;
}) {
  const { account, milestones } = p.detail;
  const workable = canWorkMilestones(account.status);
  const progress = milestoneProgress(p.detail);
  const allDone = progress.total > 0 && progress.completed === progress.total;
  const canComplete = manualTransitionError(account.status, 'completed') === null;
  return (
    <section class="card" id="milestones" aria-labelledby="milestones-title">
      <h2 id="milestones-title">Milestones</h2>
      <ProgressBar {...progress} />
      {!milestones.length ? <p class="muted">The template's milestones are being set up.</p> : null}
      {account.status === 'pending_handoff' && milestones.length ? <p class="muted small">Milestones start when the AE submits the handoff.</p> : null}
      <ol class="timeline">
        {milestones.map((m) => (
          <li style="display:flex;justify-content:space-between;gap:12px;align-items:center;flex-wrap:wrap">
            <span>
              <strong>{m.sequence}. {m.name}</strong> <span class={`status status-milestone-${m.status}`}>{humanize(m.status)}</span>
              {m.overdue ? <> <span class="status status-overdue" data-milestone-late>{lateLabel(m.daysLate)}</span></> : null}
              <br /><span class="muted small">
                {m.durationDays} days
                {m.dueOn ? <> · <span data-milestone-due>due {m.dueOn}</span></> : null}
                {m.startedAt ? <> · started <Time at={m.startedAt} /></> : null}
                {m.completedAt ? <> · completed <Time at={m.completedAt} />{m.daysLate ? ` (${lateLabel(m.daysLate)})` : ''}</> : null}
              </span>
              {m.status !== 'completed' && p.heldBy?.[m.id]?.length ? (
                <><br /><span class="small" data-held-by style="color:#a61b1b">Held by: {(p.heldBy[m.id] ?? []).map((label) => `"${label}"`).join(', ')} <a href="#playbook">(playbook)</a></span></>
              ) : null}
            </span>
            {workable && m.status !== 'completed' ? (
              <form method="post" action={accountPath(account.id, `/milestones/${encodeURIComponent(m.id)}/complete`)}>
                <CsrfField token={p.csrfToken} />
                <button type="submit" class="secondary" style="margin:0" aria-label={`Complete milestone ${m.name}`}>Complete</button>
              </form>
            ) : null}
          </li>
        ))}
      </ol>
      {allDone && canComplete ? (
        <form method="post" action={accountPath(account.id, '/status')} class="flash ok" style="margin-top:12px">
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="status" value="completed" />
          <input type="hidden" name="note" value="All milestones completed" />
          <p style="margin:0">Every milestone is done. Mark the account completed when the customer has launched.</p>
          <button type="submit">Mark completed</button>
        </form>
      ) : null}
    </section>
  );
}

export function HandoffCard(p: { detail: AccountView; csrfToken: string }) {
  const { account, handoff } = p.detail;
  if (!handoff?.drafter) {
    return (
      <section class="card" id="handoff" aria-labelledby="handoff-title">
        <h2 id="handoff-title">Handoff Q&amp;A</h2>
        <p class="muted">The handoff questions are being drafted.</p>
      </section>
    );
  }
  const unverified = handoff.qa.some((q) => !q.verified);
  const drafterLabel = handoff.drafter === 'openai'
    ? (unverified ? 'Drafted by AI — unverified' : 'Drafted by AI, confirmed by the AE')
    : (unverified ? 'Drafted by rules — unverified' : 'Drafted by rules, confirmed by the AE');
  const pending = !handoff.submittedAt && account.status === 'pending_handoff';
  return (
    <section class="card" id="handoff" aria-labelledby="handoff-title">
      <h2 id="handoff-title">Handoff Q&amp;A</h2>
      <p style="margin:0 0 8px"><span class="status status-drafter">{drafterLabel}</span></p>
      {handoff.submittedAt ? <p>Submitted by the AE <Time at={handoff.submittedAt} />.</p> : null}
      {pending ? (
        <form method="post" action={accountPath(account.id, '/handoff/resend')} style="margin-bottom:8px">
          <CsrfField token={p.csrfToken} />
          <p style="margin:0">
            Waiting for the AE{account.aeEmail ? ` (${account.aeEmail})` : ''}.
            {handoff.tokenExpiresAt ? <> The link expires <Time at={handoff.tokenExpiresAt} />.</> : null}
          </p>
          <button type="submit" class="secondary">Resend handoff link</button>
        </form>
      ) : null}
      {!handoff.submittedAt && !pending ? <p class="muted">The handoff closed without a submission.</p> : null}
      <dl class="qa">
        {handoff.qa.map((q) => (
          <>
            <dt><strong>{q.question}</strong>{q.verified ? null : <span class="status status-unverified" style="margin-left:6px">unverified</span>}</dt>
            <dd style="margin:2px 0 10px;white-space:pre-wrap">{q.answer ? q.answer : <span class="muted">No answer</span>}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}
