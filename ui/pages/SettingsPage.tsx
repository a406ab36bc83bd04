import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import type { PageShell } from './TemplatesPages.tsx';

/** The handoff settings as typed: days, reminders as a comma-separated list. */
export interface HandoffSettingsForm { tokenLifetimeDays: string; reminderDelaysDays: string; escalationDelayDays: string }

export function SettingsPage(p: PageShell & {
  values: HandoffSettingsForm; errors: Record<string, string>; saved?: boolean;
  /** How many questions the handoff asks, and whether they are still Relay's defaults. */
  questions?: { count: number; usingDefaults: boolean };
}) {
  const field = (name: keyof HandoffSettingsForm, label: string, hint: string) => (
    <div>
      <label for={`settings-${name}`}>{label}</label>
      <input id={`settings-${name}`} name={name} type="text" inputmode="decimal" value={p.values[name]}
        aria-describedby={`settings-${name}-hint${p.errors[name] ? ` settings-${name}-error` : ''}`} {...(p.errors[name] ? { 'aria-invalid': 'true' } : {})} />
      <p class="muted small" id={`settings-${name}-hint`} style="margin:2px 0 0">{hint}</p>
      {p.errors[name] ? <p class="field-error" id={`settings-${name}-error`}>{p.errors[name]}</p> : null}
    </div>
  );
  const errorCount = Object.keys(p.errors).length;
  return (
    <AppLayout title="Settings" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head"><h1>Settings</h1></div>
      {p.saved ? <p class="flash ok" role="status">Saved. New accounts' handoffs use these settings.</p> : null}
      {errorCount > 0 ? <p class="flash error" role="alert">Nothing was saved: fix the {errorCount === 1 ? 'field' : `${errorCount} fields`} marked below.</p> : null}
      <form class="card" method="post" action="/settings" novalidate>
        <h2>AE handoff</h2>
        <p class="muted">Applies to accounts created from now on. Accounts already waiting for their AE keep the timing they started with.</p>
        <CsrfField token={p.csrfToken} />
        {field('tokenLifetimeDays', 'Handoff link lifetime (days)', 'How long the link in the handoff email works. Default 14.')}
        {field('reminderDelaysDays', 'Reminders after (days, comma-separated)', 'When to remind an AE who has not answered, counted from the first email, e.g. "2, 5". Leave empty for no reminders.')}
        {field('escalationDelayDays', 'Escalate to admins after (days)', 'When the organisation\'s admins hear about a handoff nobody answered. Default 7; after the last reminder.')}
        <button type="submit">Save settings</button>
      </form>
      <section class="card" aria-labelledby="settings-questions">
        <h2 id="settings-questions">Handoff questions</h2>
        <p class="muted">
          {p.questions ? `${p.questions.count} question${p.questions.count === 1 ? '' : 's'}${p.questions.usingDefaults ? " (Relay's defaults)" : ''}. ` : ''}
          What the AE answers on the handoff page: wording, kind of answer, required or optional, help text.
        </p>
        <a class="button secondary" href="/settings/questions">Edit handoff questions</a>
      </section>
      <section class="card" aria-labelledby="settings-health">
        <h2 id="settings-health">Health score</h2>
        <p class="muted">Factor weights and bands (each save a new version), the penalties, the CSM Pulse's share, and the hour and timezone of the nightly scoring. Score every account now.</p>
        <a class="button secondary" href="/settings/health">Edit health score settings</a>
      </section>
      <section class="card" aria-labelledby="settings-write-keys">
        <h2 id="settings-write-keys">Write keys</h2>
        <p class="muted">Keys for Segment and PostHog SDKs to send product events to Relay: shown once when made, stored hashed, revocable.</p>
        <a class="button secondary" href="/settings/write-keys">Manage write keys</a>
      </section>
      <section class="card" aria-labelledby="settings-connectors">
        <h2 id="settings-connectors">Connectors</h2>
        <p class="muted">HubSpot (and Notion): Closed Won deals become accounts. Connect, see each connection's state, counts and failures, sync now, pause, disconnect.</p>
        <a class="button secondary" href="/settings/connectors">Manage connectors</a>
      </section>
    </AppLayout>
  );
}
