import type { Child } from 'hono/jsx';
import { HUBSPOT_SCOPES, type ConnectionStatus, type ConnectorProvider, type SyncOutcome } from '../../../domain/connectors.ts';
import { CONNECTION_STATUS_LABELS, cursorTime, PROVIDER_LABELS } from '../../../domain/crmLinks.ts';
import type { connectionView } from '../../../services/connectors/hubspot.ts';
import { count } from '../../format.ts';
import { CsrfField } from '../CsrfField.tsx';

export type ConnectionView = Awaited<ReturnType<typeof connectionView>>;

/** A connection as its card shows it, with where to see its runs in the Temporal UI. */
export interface ConnectionCardData { view: ConnectionView; scheduleUrl: string; runsUrl: string }

/** The HubSpot form as typed. The token and the client secret are not here: they are never shown back. */
export interface HubSpotFormValues { portalId: string; closedWonStageIds: string; templateName: string; intervalMinutes: string }
export type HubSpotFormField = keyof HubSpotFormValues | 'accessToken' | 'clientSecret';
export type HubSpotFormErrors = Partial<Record<HubSpotFormField | 'form', string>>;

export const HUBSPOT_FORM_DEFAULTS: HubSpotFormValues = { portalId: '', closedWonStageIds: 'closedwon', templateName: '', intervalMinutes: '5' };


export const CONNECTORS_CSS = `
.conn-status{display:inline-block;font-size:.78rem;font-weight:600;padding:2px 8px;border-radius:999px;vertical-align:middle;margin-left:6px}
.conn-active{background:#e6f6ec;color:#146c2e}.conn-paused{background:#fff4e6;color:#b35c00}
.conn-needs_reauth{background:#fdecec;color:#a61b1b}.conn-disconnected{background:#eceff3;color:#4b5563}
.conn-counts{display:flex;gap:10px;flex-wrap:wrap;list-style:none;padding:0;margin:12px 0}
.conn-counts li{background:#f4f5f7;border-radius:8px;padding:6px 12px;min-width:90px}
.conn-counts strong{display:block;font-size:1.2rem}
.connector-form input[type=password]{width:100%;font:inherit;padding:7px 10px;border:1px solid #cbd2dc;border-radius:6px;background:#fff}
.connector-form .hint{margin:2px 0 0}
`;

const formatTime = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function ConnectionStatusBadge(p: { status: ConnectionStatus }) {
  return <span class={`conn-status conn-${p.status}`} data-connection-status={p.status}>{CONNECTION_STATUS_LABELS[p.status]}</span>;
}

const COUNTED: { outcome: SyncOutcome; label: string }[] = [
  { outcome: 'created', label: 'Created' }, { outcome: 'linked', label: 'Linked' }, { outcome: 'skipped', label: 'Skipped' }, { outcome: 'failed', label: 'Failed' },
];

function Counts(p: { counts: ConnectionView['counts'] }) {
  return (
    <ul class="conn-counts" aria-label="Records synced">
      {COUNTED.map((c) => <li data-count={c.outcome}><strong>{count(p.counts[c.outcome] ?? 0)}</strong><span class="small muted">{c.label}</span></li>)}
    </ul>
  );
}

function PostButton(p: { action: string; label: string; csrfToken: string; secondary?: boolean; ariaLabel?: string }) {
  return (
    <form method="post" action={p.action} style="display:inline-flex;margin:0">
      <CsrfField token={p.csrfToken} />
      <button type="submit" class={p.secondary ? 'secondary' : undefined} aria-label={p.ariaLabel} style="margin:0">{p.label}</button>
    </form>
  );
}

const setting = (view: ConnectionView, key: string): unknown => (view.settings as Record<string, unknown>)[key];

/** State, last run, cursor, counts, the Temporal links and the actions a connection's state allows. */
function ConnectionSummary(p: { card: ConnectionCardData; csrfToken: string; facts?: Child }) {
  const { view } = p.card;
  const provider = view.provider as ConnectorProvider;
  const base = `/settings/connectors/${provider}`;
  const cursor = cursorTime(view.cursor);
  const live = view.status !== 'disconnected';
  return (
    <>
      {view.status === 'needs_reauth' ? (
        <p class="flash error" role="alert" data-last-error>
          Needs re-authorisation: {view.lastError ?? `${PROVIDER_LABELS[provider]} refused Relay's token.`} Nothing syncs until it is connected again with a valid token.
        </p>
      ) : view.lastError ? <p class="small muted" data-last-error>Last problem: {view.lastError}</p> : null}
      {view.status === 'paused' ? <p class="small muted">Paused: no polling, and webhooks start nothing, until resumed.</p> : null}
      {view.status === 'disconnected' ? <p class="small muted">Disconnected: its tokens were wiped and its schedule deleted. The accounts and records it brought in stay.</p> : null}
      <dl class="facts">
        {p.facts}
        <dt>Last run</dt><dd>{view.lastRunAt ? formatTime(view.lastRunAt) : <span class="muted">Not yet</span>}</dd>
        <dt>Synced up to</dt>
        <dd>{cursor ? <>records changed by {formatTime(cursor)}</> : <span class="muted">Nothing yet: the first sync reads every matching record</span>}</dd>
        {live ? <><dt>In Temporal</dt><dd><a href={p.card.scheduleUrl} target="_blank" rel="noopener noreferrer">Schedule {view.scheduleId}</a> · <a href={p.card.runsUrl} target="_blank" rel="noopener noreferrer">its runs</a></dd></> : null}
      </dl>
      <Counts counts={view.counts} />
      {live ? (
        <div class="button-row" style="margin-top:4px">
          {view.status !== 'paused' ? <PostButton action={`${base}/sync`} label="Sync now" csrfToken={p.csrfToken} /> : null}
          {view.status === 'paused'
            ? <PostButton action={`${base}/resume`} label="Resume" csrfToken={p.csrfToken} />
            : <PostButton action={`${base}/pause`} label="Pause" csrfToken={p.csrfToken} secondary />}
          <a class="button secondary" href={`${base}/disconnect`} style="margin:0">Disconnect…</a>
        </div>
      ) : null}
    </>
  );
}

/** The latest failed and skipped records, with why, a link to the record and (HubSpot, still connected) Retry. */
function RecentFailures(p: { card: ConnectionCardData; csrfToken: string; canRetry: boolean }) {
  const failures = p.card.view.recentFailures;
  const provider = p.card.view.provider as ConnectorProvider;
  const kind = provider === 'hubspot' ? 'Deal' : 'Record';
  if (!failures.length) return <p class="muted small">No failed or skipped records.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Recent failures</caption>
        <thead><tr><th>{kind}</th><th>Outcome</th><th>Reason</th><th class="hide-sm">When</th>{p.canRetry ? <th><span class="visually-hidden">Retry</span></th> : null}</tr></thead>
        <tbody>
          {failures.map((f) => (
            <tr data-failure={f.externalId}>
              <td>{f.recordUrl ? <a href={f.recordUrl} target="_blank" rel="noopener noreferrer">{kind} {f.externalId}</a> : `${kind} ${f.externalId}`}</td>
              <td>{f.outcome === 'failed' ? 'Failed' : 'Skipped'}</td>
              <td>{f.reason ?? <span class="muted">No reason recorded</span>}</td>
              <td class="hide-sm small">{formatTime(f.syncedAt)}</td>
              {p.canRetry ? (
                <td>
                  <PostButton action={`/settings/connectors/hubspot/deals/${encodeURIComponent(f.externalId)}/retry`} label="Retry" csrfToken={p.csrfToken}
                    secondary ariaLabel={`Retry ${kind.toLowerCase()} ${f.externalId}`} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The HubSpot form: a private app's access token and client secret (password fields, always empty:
 * Relay never shows them back, not even after an error), the portal, the Closed Won stages, the
 * template and the polling interval.
 */
export function HubSpotConnectForm(p: {
  csrfToken: string; values: HubSpotFormValues; errors: HubSpotFormErrors; templates: { name: string }[]; reconnect: boolean;
}) {
  const described = (name: HubSpotFormField) => `hubspot-${name}-hint${p.errors[name] ? ` hubspot-${name}-error` : ''}`;
  const invalid = (name: HubSpotFormField) => (p.errors[name] ? { 'aria-invalid': 'true' } : {});
  const after = (name: HubSpotFormField, hint: string) => (
    <>
      <p class="muted small hint" id={`hubspot-${name}-hint`}>{hint}</p>
      {p.errors[name] ? <p class="field-error" id={`hubspot-${name}-error`}>{p.errors[name]}</p> : null}
    </>
  );
  const text = (name: keyof HubSpotFormValues, label: string, hint: string, extra: Record<string, string> = {}) => (
    <div>
      <label for={`hubspot-${name}`}>{label}</label>
      <input id={`hubspot-${name}`} name={name} type="text" value={p.values[name]} aria-describedby={described(name)} {...invalid(name)} {...extra} />
      {after(name, hint)}
    </div>
  );
  const secret = (name: 'accessToken' | 'clientSecret', label: string, hint: string) => (
    <div>
      <label for={`hubspot-${name}`}>{label}</label>
      {/* No value attribute, ever: a secret typed once is never sent back to the browser. */}
      <input id={`hubspot-${name}`} name={name} type="password" autocomplete="new-password" spellcheck={false} aria-describedby={described(name)} {...invalid(name)} />
      {after(name, hint)}
    </div>
  );
  const templateKnown = p.templates.some((t) => t.name === p.values.templateName);
  return (
    <form class="connector-form" method="post" action="/settings/connectors/hubspot" novalidate>
      <CsrfField token={p.csrfToken} />
      {p.errors.form ? <p class="field-error" role="alert">{p.errors.form}</p> : null}
      {secret('accessToken', 'Private app access token', `From HubSpot: Settings → Integrations → Private apps → your app → Auth. Scopes: ${HUBSPOT_SCOPES.join(', ')}.${p.reconnect ? ' Enter it again: Relay never shows it.' : ''}`)}
      {secret('clientSecret', 'Client secret', `On the same Auth tab; Relay checks each webhook's signature (v3) with it.${p.reconnect ? ' Enter it again: Relay never shows it.' : ''}`)}
      {text('portalId', 'Portal ID (Hub ID)', 'The number in your HubSpot URLs, e.g. app.hubspot.com/contacts/12345678.', { inputmode: 'numeric', autocomplete: 'off' })}
      {text('closedWonStageIds', 'Closed Won stage IDs', 'Comma-separated deal stage IDs that mean Closed Won. HubSpot\'s default pipeline calls it closedwon.', { autocomplete: 'off' })}
      <div>
        <label for="hubspot-templateName">Template for new accounts</label>
        <select id="hubspot-templateName" name="templateName" aria-describedby={described('templateName')} {...invalid('templateName')}>
          <option value="" selected={!p.values.templateName}>Choose a template</option>
          {!templateKnown && p.values.templateName ? <option value={p.values.templateName} selected>{p.values.templateName} (no such template)</option> : null}
          {p.templates.map((t) => <option value={t.name} selected={t.name === p.values.templateName}>{t.name}</option>)}
        </select>
        {after('templateName', 'The onboarding template each account made from a deal gets (per pipeline: through the API, pipelineTemplates).')}
      </div>
      {text('intervalMinutes', 'Poll every (minutes)', 'The safety-net search for deals whose webhook never came, from 1 to 1440 minutes. Default 5.', { inputmode: 'numeric' })}
      <button type="submit">{p.reconnect ? 'Reconnect HubSpot' : 'Connect HubSpot'}</button>
    </form>
  );
}

/** Where HubSpot sends its webhooks, and what to subscribe to: shown beside the form. */
function HubSpotSetupNote(p: { publicUrl: string }) {
  return (
    <div class="small" data-webhook-setup>
      <h3>In HubSpot</h3>
      <ol>
        <li>Create a private app with the scopes <code>{HUBSPOT_SCOPES.join(', ')}</code>.</li>
        <li>Under Webhooks, set the target URL to <code data-webhook-url>{`${p.publicUrl}/webhooks/hubspot`}</code> and subscribe to
          <code> deal.propertyChange</code> on the property <code>dealstage</code>.</li>
        <li>Paste the app's access token and client secret here. Deals that reach a Closed Won stage become accounts in seconds; a search every few minutes catches any webhook that never came.</li>
      </ol>
    </div>
  );
}

export interface HubSpotCardProps {
  card: ConnectionCardData | null;
  csrfToken: string;
  templates: { name: string }[];
  publicUrl: string;
  /** The form as typed after a refused post (open, with its errors); otherwise filled from the settings. */
  form: { values: HubSpotFormValues; errors: HubSpotFormErrors } | null;
  /** "Connect with HubSpot" (OAuth), shown before the token form; and a live connection's mapping, backfill and test (ConnectorForms.tsx). */
  oauth?: Child;
  tools?: Child;
}

function formValuesOf(view: ConnectionView): HubSpotFormValues {
  const stages = setting(view, 'closedWonStageIds');
  return {
    portalId: view.externalAccountId,
    closedWonStageIds: Array.isArray(stages) ? stages.join(', ') : HUBSPOT_FORM_DEFAULTS.closedWonStageIds,
    templateName: String(setting(view, 'templateName') ?? ''),
    intervalMinutes: String(setting(view, 'intervalMinutes') ?? HUBSPOT_FORM_DEFAULTS.intervalMinutes),
  };
}

export function HubSpotCard(p: HubSpotCardProps) {
  const view = p.card?.view;
  const form = p.form ?? { values: view ? formValuesOf(view) : HUBSPOT_FORM_DEFAULTS, errors: {} };
  const formProps = { csrfToken: p.csrfToken, values: form.values, errors: form.errors, templates: p.templates };
  if (!p.card || !view) {
    return (
      <section class="card" id="connector-hubspot" aria-labelledby="hubspot-title">
        <h2 id="hubspot-title">HubSpot <span class="conn-status conn-disconnected">Not connected</span></h2>
        <p class="muted">Closed Won deals become accounts: company, ARR, contact, owner as AE and the deal's notes for the handoff.</p>
        {p.oauth}
        <HubSpotSetupNote publicUrl={p.publicUrl} />
        <HubSpotConnectForm {...formProps} reconnect={false} />
      </section>
    );
  }
  const pipelines = setting(view, 'pipelineTemplates');
  const perPipeline = pipelines && typeof pipelines === 'object' ? Object.entries(pipelines as Record<string, unknown>) : [];
  const stages = setting(view, 'closedWonStageIds');
  const disconnected = view.status === 'disconnected';
  return (
    <section class="card" id="connector-hubspot" aria-labelledby="hubspot-title">
      <h2 id="hubspot-title">HubSpot <ConnectionStatusBadge status={view.status as ConnectionStatus} /></h2>
      <ConnectionSummary card={p.card} csrfToken={p.csrfToken} facts={<>
        <dt>Portal</dt><dd>{view.externalAccountId}</dd>
        <dt>Closed Won stages</dt><dd>{Array.isArray(stages) ? stages.join(', ') : '—'}</dd>
        <dt>Template</dt>
        <dd>{String(setting(view, 'templateName') ?? '—')}{perPipeline.length ? <span class="muted small"> (per pipeline: {perPipeline.map(([k, v]) => `${k} → ${String(v)}`).join('; ')})</span> : null}</dd>
        <dt>Polls every</dt><dd>{String(setting(view, 'intervalMinutes') ?? '—')} minutes</dd>
      </>} />
      <h3 style="margin-top:14px">Recent failures</h3>
      <RecentFailures card={p.card} csrfToken={p.csrfToken} canRetry={!disconnected} />
      {disconnected ? null : p.tools}
      {disconnected ? (
        <>
          <h3 style="margin-top:14px">Connect HubSpot again</h3>
          {p.oauth}
          <HubSpotSetupNote publicUrl={p.publicUrl} />
          <HubSpotConnectForm {...formProps} reconnect />
        </>
      ) : (
        <details open={p.form !== null || view.status === 'needs_reauth'} style="margin-top:14px">
          <summary>Reconnect or change settings</summary>
          {p.oauth}
          <HubSpotSetupNote publicUrl={p.publicUrl} />
          <HubSpotConnectForm {...formProps} reconnect />
        </details>
      )}
    </section>
  );
}

/** Notion: its state and failures once connected, and the connect form (`connectForm`, ConnectorForms.tsx). */
export function NotionCard(p: { card: ConnectionCardData | null; csrfToken: string; connectForm?: Child; connectFormOpen?: boolean }) {
  const view = p.card?.view;
  return (
    <section class="card" id="connector-notion" aria-labelledby="notion-title">
      <h2 id="notion-title">Notion {view ? <ConnectionStatusBadge status={view.status as ConnectionStatus} /> : <span class="conn-status conn-disconnected">Not connected</span>}</h2>
      <p class="muted">
        Rows of a Notion database (one per closed customer) become accounts: connect an internal integration below, or through the API
        (<code>PUT /api/connectors/notion</code>, README “Connect Notion”).
      </p>
      {p.card && view ? (
        <>
          <ConnectionSummary card={p.card} csrfToken={p.csrfToken}
            facts={typeof setting(view, 'databaseTitle') === 'string' ? <><dt>Database</dt><dd>{String(setting(view, 'databaseTitle'))}</dd></> : null} />
          <h3 style="margin-top:14px">Recent failures</h3>
          <RecentFailures card={p.card} csrfToken={p.csrfToken} canRetry={false} />
        </>
      ) : null}
      {!view || view.status === 'disconnected' ? p.connectForm : (
        <details open={p.connectFormOpen === true || view.status === 'needs_reauth'} style="margin-top:14px" data-notion-reconnect>
          <summary>Reconnect or change settings</summary>
          {p.connectForm}
        </details>
      )}
    </section>
  );
}
