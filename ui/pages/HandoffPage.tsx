import type { HandoffAnswer } from '../../db/schema/handoffs.ts';
import { Layout } from '../components/Layout.tsx';
import { dollars } from '../format.ts';

export interface HandoffPageProps {
  account: { companyName: string; arr: number; closeDate: string; primaryContactName: string; primaryContactEmail: string; primaryContactRole: string | null; website: string | null };
  drafter: 'rule_based' | 'openai';
  qa: HandoffAnswer[];
  csms: { id: string; name: string; email: string }[];
  expiresAt: Date | null;
  error?: string;
  /** Problems with single answers, by question key, shown under the question. */
  answerErrors?: Record<string, string>;
  chosenCsmUserId?: string;
  /** What is wrong with the CSM picked (none picked, say), shown beside the picker. */
  csmError?: string;
  /** Names this submission: the browser sending the form again (a retry) is the same submission. */
  submissionId: string;
}

const YES_NO_LABELS: Record<string, string> = { yes: 'Yes', no: 'No' };

/** A text box tall enough for its draft: a row per line (long lines wrap at about 70 characters), at least 3, at most 30. */
export function textareaRows(text: string): number {
  const lines = text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 70)), 0);
  return Math.min(30, Math.max(3, lines));
}

/** One question, drawn by its kind; handoffs drafted before kinds existed are long text. */
function QuestionField(p: { item: HandoffAnswer; error: string | undefined }) {
  const { item } = p;
  const id = `answer_${item.key}`;
  const kind = item.kind ?? 'long_text';
  const describedBy = [item.help ? `${id}-help` : null, p.error ? `${id}-error` : null].filter(Boolean).join(' ');
  const described = describedBy ? { 'aria-describedby': describedBy } : {};
  const invalid = p.error ? { 'aria-invalid': 'true' } : {};
  const marks = (
    <>
      {item.required ? <span class="required">required</span> : null}
      {item.verified ? null : <span class="badge">unverified draft</span>}
    </>
  );
  const help = item.help ? <p class="help" id={`${id}-help`}>{item.help}</p> : null;
  const error = p.error ? <p class="field-error" id={`${id}-error`}>{p.error}</p> : null;
  if (kind === 'multiple_choice' || kind === 'yes_no') {
    const choices = kind === 'yes_no' ? ['yes', 'no'] : item.options ?? [];
    return (
      <fieldset class={`choices${kind === 'yes_no' ? ' inline' : ''}`} {...described}>
        <legend>{item.question}{marks}</legend>
        {help}
        {choices.map((choice, i) => (
          <label class="choice" for={`${id}-choice-${i}`}>
            <input type="radio" id={`${id}-choice-${i}`} name={id} value={choice} checked={item.answer === choice} required={item.required === true} {...invalid} />
            {' '}{kind === 'yes_no' ? YES_NO_LABELS[choice] : choice}
          </label>
        ))}
        {error}
      </fieldset>
    );
  }
  return (
    <div>
      <label for={id}>{item.question}{marks}</label>
      {help}
      {kind === 'text'
        ? <input type="text" id={id} name={id} value={item.answer} required={item.required === true} {...described} {...invalid} />
        : <textarea id={id} name={id} rows={textareaRows(item.answer)} required={item.required === true} {...described} {...invalid}>{item.answer}</textarea>}
      {error}
    </div>
  );
}


export function HandoffPage(p: HandoffPageProps) {
  const drafterNote = p.drafter === 'rule_based'
    ? 'These answers were pre-filled by a rule-based drafter from the CRM notes. Please check and correct each one.'
    : 'These answers were drafted by AI from the CRM notes. Please check and correct each one.';
  return (
    <Layout title={`Handoff: ${p.account.companyName}`}>
      <div class="card">
        <h1>Hand {p.account.companyName} over to customer success</h1>
        <dl class="summary">
          <dt>ARR</dt><dd>{dollars(p.account.arr)} (MRR {dollars(Math.round(p.account.arr / 12))})</dd>
          <dt>Close date</dt><dd>{p.account.closeDate}</dd>
          <dt>Primary contact</dt><dd>{p.account.primaryContactName}{p.account.primaryContactRole ? `, ${p.account.primaryContactRole}` : ''} · {p.account.primaryContactEmail}</dd>
          {p.account.website ? <><dt>Website</dt><dd>{p.account.website}</dd></> : null}
          {p.expiresAt ? <><dt>Link valid until</dt><dd>{p.expiresAt.toUTCString()}</dd></> : null}
        </dl>
      </div>
      <form class="card" method="post">
        <input type="hidden" name="submissionId" value={p.submissionId} />
        <h2>Handoff Q&amp;A</h2>
        {p.error ? <p class="error" role="alert">{p.error}</p> : null}
        <p class="muted">{drafterNote}</p>
        {p.qa.map((item) => <QuestionField item={item} error={p.answerErrors?.[item.key]} />)}
        <label for="csmUserId">CSM who will onboard this customer</label>
        <select id="csmUserId" name="csmUserId" required {...(p.csmError ? { 'aria-invalid': 'true', 'aria-describedby': 'csmUserId-error' } : {})}>
          <option value="">Choose a CSM…</option>
          {p.csms.map((csm) => <option value={csm.id} selected={csm.id === p.chosenCsmUserId}>{csm.name} ({csm.email})</option>)}
        </select>
        {p.csmError ? <p class="field-error" id="csmUserId-error">{p.csmError}</p> : null}
        <button type="submit">Submit handoff</button>
      </form>
    </Layout>
  );
}

export function HandoffDonePage(p: { companyName: string; csmName: string }) {
  return (
    <Layout title="Handoff submitted">
      <div class="card">
        <h1>Thank you: the handoff is in</h1>
        <p>{p.companyName} is now with {p.csmName}, who has been notified and will start onboarding.</p>
        <p class="muted">This link no longer works; you can close this page.</p>
      </div>
    </Layout>
  );
}

/** Says what is wrong with a link and nothing about any account. */
export function HandoffLinkProblemPage(p: { reason: 'unknown' | 'expired' | 'used' | 'rate_limited' }) {
  const texts: Record<typeof p.reason, [title: string, body: string]> = {
    unknown: ['This handoff link is not valid', 'Check that you opened the whole link from the latest email. A newer email replaces older links.'],
    expired: ['This handoff link has expired', 'Ask your customer success team to send a new link.'],
    used: ['This handoff has already been submitted', 'Each link works once. Nothing more is needed from you.'],
    rate_limited: ['Too many attempts', 'Please wait a minute, then open the link from your email again.'],
  };
  const text = texts[p.reason];
  return (
    <Layout title={text[0]}>
      <div class="card">
        <h1>{text[0]}</h1>
        <p>{text[1]}</p>
      </div>
    </Layout>
  );
}
