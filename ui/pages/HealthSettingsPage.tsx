import { AppLayout } from '../components/AppLayout.tsx';
import { CsrfField } from '../components/CsrfField.tsx';
import { HealthSettingsForm, type HealthFormErrors, type HealthFormValues } from '../components/settings/HealthSettingsForm.tsx';
import type { PageShell } from './TemplatesPages.tsx';

const formatTime = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export interface HealthSettingsFlash { kind: 'ok' | 'error'; text: string; link?: { href: string; text: string } }

/**
 * Health score settings (admins): factor weights and bands, penalties, the pulse share, the nightly
 * schedule, and "Score now". Each save that changes something is a new version; scores say which
 * version made them.
 */
export function HealthSettingsPage(p: PageShell & {
  values: HealthFormValues;
  errors: HealthFormErrors;
  /** The version in force: 0 while Relay's defaults are (nothing saved yet). */
  inForce: { version: number; createdAt: Date | null };
  versions: { version: number; createdAt: Date }[];
  flash?: HealthSettingsFlash;
}) {
  return (
    <AppLayout title="Health score settings" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}>
      <div class="page-head">
        <h1>Health score settings</h1>
        <a href="/settings">All settings</a>
      </div>
      {p.flash ? (
        <p class={`flash ${p.flash.kind}`} role={p.flash.kind === 'error' ? 'alert' : 'status'}>
          {p.flash.text}{p.flash.link ? <>{' '}<a href={p.flash.link.href}>{p.flash.link.text}</a></> : null}
        </p>
      ) : null}
      <section class="card" aria-labelledby="health-version">
        <h2 id="health-version">Version in force</h2>
        <p data-version={String(p.inForce.version)}>
          {p.inForce.version === 0 || !p.inForce.createdAt
            ? "Version 0: Relay's defaults. Nothing has been saved yet."
            : `Version ${p.inForce.version}, saved ${formatTime(p.inForce.createdAt)}.`}
        </p>
        <p class="muted small">
          Each save that changes something makes a new version, used from the next scoring on; every score records the version that made it.
          Saving without changes keeps the version in force.
        </p>
        {p.versions.length > 1 ? (
          <details>
            <summary>Earlier versions</summary>
            <ul class="small">{p.versions.map((v) => <li>Version {v.version}, saved {formatTime(v.createdAt)}</li>)}</ul>
          </details>
        ) : null}
        <form method="post" action="/settings/health/score-now" class="button-row">
          <CsrfField token={p.csrfToken} />
          <button type="submit" class="secondary">Score now</button>
          <span class="muted small">Scores every account with the version in force, as the nightly run does.</span>
        </form>
      </section>
      <HealthSettingsForm csrfToken={p.csrfToken} values={p.values} errors={p.errors} />
    </AppLayout>
  );
}

export interface HealthRunView { status: 'running' | 'completed'; scored: number; total: number; wentAtRisk: number; recovered: number }

/** One scoring run's progress; reloads itself every few seconds while it runs (no script: a meta refresh). */
export function HealthRunPage(p: PageShell & { id: string; progress: HealthRunView }) {
  const { progress: r } = p;
  const running = r.status === 'running';
  const percent = r.total > 0 ? Math.round((r.scored / r.total) * 100) : running ? 0 : 100;
  return (
    <AppLayout title="Health scoring run" section="settings" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox}
      head={running ? <meta http-equiv="refresh" content="3" /> : undefined}>
      <div class="page-head">
        <h1>Health scoring run</h1>
        <a href="/settings/health">Health score settings</a>
      </div>
      <section class="card" aria-labelledby="run-status">
        <h2 id="run-status">{running ? 'Scoring…' : 'Finished'}</h2>
        <p class="muted small">Run {p.id}</p>
        <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Accounts scored">
          <span style={`width:${percent}%`} />
        </div>
        <dl class="facts" style="margin-top:12px">
          <dt>Accounts scored</dt><dd>{r.scored} of {r.total}</dd>
          <dt>Went at risk</dt><dd>{r.wentAtRisk}</dd>
          <dt>Recovered to healthy</dt><dd>{r.recovered}</dd>
        </dl>
        {running ? <p class="muted small">This page refreshes itself until the run finishes.</p> : null}
      </section>
    </AppLayout>
  );
}
