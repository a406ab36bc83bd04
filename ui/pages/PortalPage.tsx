import { raw } from 'hono/html';
import type { FormField } from '../../domain/templates.ts';
import type { PortalMilestone, PortalRequest, PortalView } from '../../services/portal.ts';
import { Layout } from '../components/Layout.tsx';

// The customer portal (issue 12): what the account's primary contact sees through their link, and
// what their CSM sees through "View as customer" (the same page, read-only). No script, no login;
// laid out for a phone first.

const portalStyles = `
.plan{list-style:none;margin:0;padding:0}
.plan li{border-top:1px solid #e5e7eb;padding:12px 0}.plan li:first-child{border-top:0}
.plan .head{display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap;align-items:baseline}
.plan .name{font-weight:600}.plan li.current{background:#f5f7ff;margin:0 -12px;padding:12px;border-radius:8px}
.bar{height:8px;border-radius:999px;background:#e5e7eb;overflow:hidden;margin:6px 0 2px}
.bar span{display:block;height:100%;background:#3b5bdb}
.bar.big{height:12px}
.pill{display:inline-block;font-size:.75rem;font-weight:600;padding:2px 8px;border-radius:999px;background:#eef2ff;color:#3b5bdb}
.pill.done{background:#e6f4ea;color:#1e7b34}.pill.pending{background:#f3f4f6;color:#4b5563}
.dates{font-size:.85rem;color:#4b5563;margin:0}
.notice{background:#e6f4ea;color:#1e5b2e;border-radius:6px;padding:10px 12px;margin-bottom:12px}
.preview{background:#fff4e6;color:#7a3e00;border-radius:6px;padding:10px 12px;margin-bottom:16px}
input[type=file]{display:block;max-width:100%;font:inherit;margin-top:4px}
.request h3{font-size:1rem;margin:0 0 4px}.request{border-top:1px solid #e5e7eb;padding-top:12px;margin-top:12px}.request:first-of-type{border-top:0;margin-top:0;padding-top:0}
ul.done{margin:0;padding-left:20px}
button:disabled{opacity:.55;cursor:not-allowed}
`;

const day = (at: Date | null): string => (at ? at.toISOString().slice(0, 10) : '');

function ProgressBar(p: { percent: number; label: string; big?: boolean }) {
  return (
    <div class={`bar${p.big ? ' big' : ''}`} role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={String(p.percent)} aria-label={p.label}>
      <span style={`width:${p.percent}%`}></span>
    </div>
  );
}

function MilestoneDates(p: { m: PortalMilestone }) {
  const { m } = p;
  if (m.status === 'completed') return <p class="dates">Done {day(m.completedAt)}{m.startedAt ? ` · started ${day(m.startedAt)}` : ''}</p>;
  if (m.status === 'in_progress') return <p class="dates">Started {day(m.startedAt)}{m.plannedEnd ? ` · planned to finish by ${day(m.plannedEnd)}` : ''}</p>;
  return <p class="dates">{m.plannedStart ? `Planned ${day(m.plannedStart)} – ${day(m.plannedEnd)}` : 'Not scheduled yet'}</p>;
}

const STATUS_LABELS: Record<PortalMilestone['status'], [text: string, cls: string]> = {
  completed: ['Done', 'pill done'], in_progress: ['In progress', 'pill'], pending: ['Up next', 'pill pending'],
};

function RequestField(p: { field: FormField; name: string; value: string; error: string | undefined; accept: string }) {
  const { field } = p;
  const id = p.name;
  const describedBy = [field.help ? `${id}-help` : null, p.error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const invalid = p.error ? 'true' : undefined;
  const marks = field.required ? <span class="required">required</span> : null;
  const help = field.help ? <p class="help" id={`${id}-help`}>{field.help}</p> : null;
  const error = p.error ? <p class="field-error" id={`${id}-error`}>{p.error}</p> : null;
  if (field.kind === 'choice') {
    return (
      <fieldset class="choices" aria-describedby={describedBy}>
        <legend>{field.label}{marks}</legend>
        {help}
        {(field.options ?? []).map((option, i) => (
          <label class="choice" for={`${id}-${i}`}>
            <input type="radio" id={`${id}-${i}`} name={p.name} value={option} checked={p.value === option} required={field.required === true} aria-invalid={invalid} />
            {' '}{option}
          </label>
        ))}
        {error}
      </fieldset>
    );
  }
  return (
    <div>
      <label for={id}>{field.label}{marks}</label>
      {help}
      {field.kind === 'file'
        ? <input type="file" id={id} name={p.name} accept={p.accept} required={field.required === true} aria-describedby={describedBy} aria-invalid={invalid} />
        : field.kind === 'text'
          ? <input type="text" id={id} name={p.name} value={p.value} required={field.required === true} maxlength={2000} aria-describedby={describedBy} aria-invalid={invalid} />
          : <textarea id={id} name={p.name} required={field.required === true} maxlength={20000} aria-describedby={describedBy} aria-invalid={invalid}>{p.value}</textarea>}
      {field.kind === 'file' ? <p class="help" style="margin-top:4px">Up to 10 MB: PDF, PNG, JPEG, Word, Excel, CSV or text.</p> : null}
      {error}
    </div>
  );
}

/** What a refused submission brings back to its form: the message, the errors by input, what was typed. */
export interface PortalFormProblem { actionId: string; message: string; errors: Record<string, string>; values: Record<string, string> }

export interface PortalPageProps {
  view: PortalView;
  /** The customer's link (their forms post to it); null for the CSM's read-only "view as customer". */
  token: string | null;
  /** "View as customer": whose session is looking. */
  previewBy?: string | undefined;
  problem?: PortalFormProblem | undefined;
  /** Why a submission was not taken (the request closed meanwhile), shown at the top. */
  pageError?: string | undefined;
  /** The request the customer just answered, thanked for at the top. */
  answeredLabel?: string | undefined;
  accept: string;
  inputName: (key: string) => string;
}

function RequestForm(p: { request: PortalRequest; props: PortalPageProps }) {
  const { request, props } = p;
  const problem = props.problem?.actionId === request.actionId ? props.problem : undefined;
  const readOnly = props.token === null;
  const action = readOnly ? undefined : `/portal/${props.token}/requests/${encodeURIComponent(request.actionId)}`;
  return (
    <form class="request" id={`request-${request.actionId}`} method="post" action={action} enctype="multipart/form-data" data-request={request.actionId}>
      <h3>{request.label}</h3>
      <p class="muted" style="margin:0">{request.milestoneName}</p>
      {request.description ? <p style="margin:4px 0 0">{request.description}</p> : null}
      {problem ? <p class="error" role="alert" style="margin-top:12px">{problem.message}</p> : null}
      <fieldset disabled={readOnly} style="border:0;padding:0;margin:0;min-width:0">
        {request.fields.map((field) => {
          const name = props.inputName(field.key);
          return <RequestField field={field} name={name} value={problem?.values[name] ?? ''} error={problem?.errors[name]} accept={props.accept} />;
        })}
        <button type="submit">{readOnly ? 'Send (the customer only)' : `Send ${request.label}`}</button>
      </fieldset>
    </form>
  );
}

export function PortalPage(p: PortalPageProps) {
  const { view } = p;
  const current = view.milestones.find((m) => m.id === view.currentMilestoneId);
  const done = view.milestones.filter((m) => m.status === 'completed');
  return (
    <Layout title={`${view.companyName} onboarding`}>
      <style>{raw(portalStyles)}</style>
      {p.previewBy ? (
        <p class="preview" role="note" data-preview>
          Viewing as the customer ({view.contactName}), signed in as {p.previewBy}. This is what their link shows; the forms are read-only here.
        </p>
      ) : null}
      {p.pageError ? <p class="error" role="alert">{p.pageError}</p> : null}
      {p.answeredLabel ? <p class="notice" role="status">Thank you: "{p.answeredLabel}" was sent to your customer success team.</p> : null}
      <section class="card" aria-labelledby="portal-title">
        <h1 id="portal-title">{view.companyName} onboarding</h1>
        <p style="margin:0 0 8px">Hi {view.contactName}, this is your onboarding plan and where it stands.</p>
        <p style="margin:0" data-overall><strong>{view.percentDone}% done</strong> · {done.length} of {view.milestones.length} milestones</p>
        <ProgressBar percent={view.percentDone} label="Onboarding done" big />
        {current ? <p style="margin:8px 0 0" data-current>Now: <strong>{current.name}</strong></p> : null}
        {view.csm ? <p style="margin:8px 0 0" data-csm>Your customer success manager: <strong>{view.csm.name}</strong> (<a href={`mailto:${view.csm.email}`}>{view.csm.email}</a>)</p> : null}
      </section>

      <section class="card" id="requests" aria-labelledby="requests-title">
        <h2 id="requests-title">What we need from you</h2>
        {view.openRequests.length
          ? view.openRequests.map((request) => <RequestForm request={request} props={p} />)
          : <p class="muted" style="margin:0">Nothing right now. We will email you when we need something.</p>}
      </section>

      <section class="card" id="plan" aria-labelledby="plan-title">
        <h2 id="plan-title">Your onboarding plan</h2>
        <ol class="plan">
          {view.milestones.map((m) => (
            <li class={m.id === view.currentMilestoneId ? 'current' : undefined} data-milestone={m.name} aria-current={m.id === view.currentMilestoneId ? 'step' : undefined}>
              <div class="head">
                <span class="name">{m.name}</span>
                <span class={STATUS_LABELS[m.status][1]}>{STATUS_LABELS[m.status][0]} · {m.percentDone}%</span>
              </div>
              <ProgressBar percent={m.percentDone} label={`${m.name} done`} />
              <MilestoneDates m={m} />
            </li>
          ))}
        </ol>
      </section>

      <section class="card" id="done" aria-labelledby="done-title">
        <h2 id="done-title">Done so far</h2>
        {done.length || view.answered.length ? (
          <ul class="done">
            {done.map((m) => <li>{m.name}: completed {day(m.completedAt)}</li>)}
            {view.answered.map((a) => <li>You answered "{a.label}" on {day(a.submittedAt)}</li>)}
          </ul>
        ) : <p class="muted" style="margin:0">Nothing yet: your plan has just started.</p>}
      </section>
    </Layout>
  );
}

/** Says what is wrong with a link and nothing about any account. */
export function PortalLinkProblemPage(p: { reason: 'unknown' | 'expired' | 'revoked' | 'rate_limited' }) {
  const texts: Record<typeof p.reason, [title: string, body: string]> = {
    unknown: ['This portal link is not valid', 'Check that you opened the whole link from the latest email from your customer success manager.'],
    expired: ['This portal link has expired', 'Ask your customer success manager to send you a new link.'],
    revoked: ['This portal link no longer works', 'A newer link has replaced it, or it was turned off. Use the link in the latest email, or ask your customer success manager for a new one.'],
    rate_limited: ['Too many attempts', 'Please wait a minute, then open the link from your email again.'],
  };
  const [title, body] = texts[p.reason];
  return (
    <Layout title={title}>
      <div class="card">
        <h1>{title}</h1>
        <p>{body}</p>
      </div>
    </Layout>
  );
}
