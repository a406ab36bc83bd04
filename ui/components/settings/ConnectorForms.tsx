import type { Child } from 'hono/jsx';
import { HUBSPOT_MAPPING_DEFAULTS, HUBSPOT_MAPPING_OBJECT, type HubSpotMappedField } from '../../../domain/connectors.ts';
import { NOTION_MAPPED_FIELDS, type NotionMappedField } from '../../../domain/notionConnector.ts';
import { CsrfField } from '../CsrfField.tsx';

// The connectors page's forms beyond the HubSpot token (ConnectorCards.tsx): "Connect with HubSpot"
// by OAuth, the HubSpot property mapping, the backfill with its preview, "Test with a deal", and the
// Notion connection. Each is a plain form (no script); a refused one comes back with each error
// beside the field it names. No form ever holds a token: token fields are always empty.

export const CONNECTOR_FORMS_CSS = `
.connector-form fieldset{border:1px solid #e3e6eb;border-radius:8px;padding:6px 14px 10px;margin:14px 0}
.connector-form legend{font-weight:600;padding:0 6px}
.connector-form h3{margin-top:6px}
[data-oauth-form]{border-bottom:1px solid #e3e6eb;padding-bottom:14px;margin-bottom:14px}
`;

/** A form as typed and what was wrong with it, by field (the API's field paths, `mapping.arr`), `form` for the rest. */
export interface FormState<V> { values: V; errors: Record<string, string> }

function FieldError(p: { id: string; error: string | undefined }) {
  return p.error ? <p class="field-error" id={p.id}>{p.error}</p> : null;
}

/** A labelled text input with its hint and its error, wired for screen readers. */
function TextField(p: {
  prefix: string; name: string; label: string; value: string; hint?: string | undefined; error?: string | undefined; type?: string; placeholder?: string;
  extra?: Record<string, string>;
}) {
  const id = `${p.prefix}-${p.name.replace(/\./g, '-')}`;
  const described = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div>
      <label for={id}>{p.label}</label>
      {p.type === 'password'
        // No value attribute, ever: a secret typed once is never sent back to the browser.
        ? <input id={id} name={p.name} type="password" autocomplete="new-password" spellcheck={false} aria-describedby={described || undefined} {...(p.error ? { 'aria-invalid': 'true' } : {})} />
        : <input id={id} name={p.name} type={p.type ?? 'text'} value={p.value} placeholder={p.placeholder} aria-describedby={described || undefined} {...(p.error ? { 'aria-invalid': 'true' } : {})} {...p.extra ?? {}} />}
      {p.hint ? <p class="muted small hint" id={`${id}-hint`}>{p.hint}</p> : null}
      <FieldError id={`${id}-error`} error={p.error} />
    </div>
  );
}

function TemplateSelect(p: { prefix: string; name: string; label: string; value: string; templates: { name: string }[]; hint: string; error?: string | undefined }) {
  const id = `${p.prefix}-${p.name}`;
  const known = p.templates.some((t) => t.name === p.value);
  return (
    <div>
      <label for={id}>{p.label}</label>
      <select id={id} name={p.name} aria-describedby={`${id}-hint${p.error ? ` ${id}-error` : ''}`} {...(p.error ? { 'aria-invalid': 'true' } : {})}>
        <option value="" selected={!p.value}>Choose a template</option>
        {!known && p.value ? <option value={p.value} selected>{p.value} (no such template)</option> : null}
        {p.templates.map((t) => <option value={t.name} selected={t.name === p.value}>{t.name}</option>)}
      </select>
      <p class="muted small hint" id={`${id}-hint`}>{p.hint}</p>
      <FieldError id={`${id}-error`} error={p.error} />
    </div>
  );
}

// ---- HubSpot: OAuth ---------------------------------------------------------------------------------

export interface HubSpotOAuthValues { closedWonStageIds: string; templateName: string; intervalMinutes: string }

/**
 * "Connect with HubSpot": the settings the connection will have, then HubSpot's own install page.
 * Without an OAuth app configured, it says so and leaves the private-app token form below.
 */
export function HubSpotOAuthConnect(p: {
  csrfToken: string; configured: boolean; redirectUri: string; scopes: readonly string[]; templates: { name: string }[]; form: FormState<HubSpotOAuthValues>; reconnect: boolean;
}) {
  if (!p.configured) {
    return (
      <p class="small muted" data-oauth-not-configured>
        Connect with HubSpot (OAuth) is not configured on this Relay: its operator sets <code>HUBSPOT_CLIENT_ID</code> and <code>HUBSPOT_CLIENT_SECRET</code> (a HubSpot
        public app whose redirect URL is <code>{p.redirectUri}</code>). Until then, connect with a private app's access token below.
      </p>
    );
  }
  const e = p.form.errors;
  return (
    <form class="connector-form" method="post" action="/settings/connectors/hubspot/oauth/start" novalidate data-oauth-form>
      <h3>{p.reconnect ? 'Reconnect with HubSpot' : 'Connect with HubSpot'} (OAuth)</h3>
      <p class="muted small">
        HubSpot asks you to pick the portal and to grant read access to deals, companies, contacts and owners (<code>{p.scopes.join(' ')}</code>), then sends you back here.
        Relay keeps the tokens encrypted and refreshes them itself.
      </p>
      <CsrfField token={p.csrfToken} />
      {e.form ? <p class="field-error" role="alert">{e.form}</p> : null}
      <TextField prefix="oauth" name="closedWonStageIds" label="Closed Won stage IDs" value={p.form.values.closedWonStageIds} error={e.closedWonStageIds}
        hint="Comma-separated deal stage IDs that mean Closed Won (HubSpot's default pipeline: closedwon)." extra={{ autocomplete: 'off' }} />
      <TemplateSelect prefix="oauth" name="templateName" label="Template for new accounts" value={p.form.values.templateName} templates={p.templates} error={e.templateName}
        hint="The onboarding template each account made from a deal gets." />
      <TextField prefix="oauth" name="intervalMinutes" label="Poll every (minutes)" value={p.form.values.intervalMinutes} error={e.intervalMinutes}
        hint="The safety-net search for deals whose webhook never came, from 1 to 1440 minutes." extra={{ inputmode: 'numeric' }} />
      <button type="submit">{p.reconnect ? 'Reconnect with HubSpot' : 'Connect with HubSpot'}</button>
    </form>
  );
}

// ---- HubSpot: mapping ---------------------------------------------------------------------------------

const MAPPING_LABELS: Record<HubSpotMappedField, string> = {
  companyName: 'Company name', domain: 'Company domain', website: 'Website (when the domain is empty)', industry: 'Industry', employees: 'Employees (company size)',
  arr: 'ARR', closeDate: 'Close date', aeEmail: 'AE (an owner property, or one holding an email)', notes: 'Notes for the handoff',
};

export type HubSpotMappingValues = Partial<Record<HubSpotMappedField, string>>;

/** Which HubSpot property feeds each account field; empty keeps HubSpot's default (shown as the placeholder). */
export function HubSpotMappingForm(p: { csrfToken: string; form: FormState<HubSpotMappingValues> }) {
  const fields = Object.keys(HUBSPOT_MAPPING_DEFAULTS) as HubSpotMappedField[];
  return (
    <form class="connector-form" method="post" action="/settings/connectors/hubspot/mapping" novalidate data-mapping-form>
      <CsrfField token={p.csrfToken} />
      <p class="muted small">
        The internal name of the HubSpot property each account field is read from. Leave a field empty for HubSpot's default (shown greyed). The primary contact is
        the deal's first contact with an email; the deal's name and your notes property become the text the handoff Q&amp;A is drafted from.
      </p>
      {p.form.errors.form ? <p class="field-error" role="alert">{p.form.errors.form}</p> : null}
      {fields.map((f) => (
        <TextField prefix="mapping" name={f} label={`${MAPPING_LABELS[f]} · ${HUBSPOT_MAPPING_OBJECT[f]} property`} value={p.form.values[f] ?? ''}
          placeholder={HUBSPOT_MAPPING_DEFAULTS[f]} error={p.form.errors[`mapping.${f}`]} extra={{ autocomplete: 'off', spellcheck: 'false' }} />
      ))}
      <button type="submit">Save the mapping</button>
    </form>
  );
}

// ---- HubSpot: backfill and test with a deal -------------------------------------------------------------

export interface BackfillState { since: string; error?: string | undefined; preview?: { deals: number } | undefined }

/** Choose a date, see how many deals it would bring in, then confirm. */
export function HubSpotBackfillForm(p: { csrfToken: string; state: BackfillState }) {
  const error = p.state.error;
  return (
    <div data-backfill>
      <form class="connector-form" method="post" action="/settings/connectors/hubspot/backfill/preview" novalidate>
        <CsrfField token={p.csrfToken} />
        <TextField prefix="backfill" name="since" type="date" label="Bring in deals closed since" value={p.state.since} error={error}
          hint="Deals in a Closed Won stage whose close date is on or after this day. Deals already imported are not imported again." />
        <button type="submit" class="secondary">Preview</button>
      </form>
      {p.state.preview ? (
        <form method="post" action="/settings/connectors/hubspot/backfill" class="button-row" data-backfill-preview>
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="since" value={p.state.since} />
          <p role="status">
            <strong data-backfill-count>{p.state.preview.deals}</strong> Closed Won {p.state.preview.deals === 1 ? 'deal' : 'deals'} closed since {p.state.since}.
          </p>
          {p.state.preview.deals > 0 ? <button type="submit">Import {p.state.preview.deals === 1 ? 'it' : `these ${p.state.preview.deals}`}</button> : null}
        </form>
      ) : null}
    </div>
  );
}

export interface TestDealState {
  dealId: string;
  error?: string | undefined;
  result?: { account: Record<string, unknown> | null; problem: { field: string; message: string } | null } | undefined;
}

const ACCOUNT_FIELD_LABELS: [string, string][] = [
  ['companyName', 'Company'], ['website', 'Website'], ['arr', 'ARR'], ['closeDate', 'Close date'], ['primaryContactName', 'Primary contact'],
  ['primaryContactEmail', 'Contact email'], ['primaryContactRole', 'Contact role'], ['aeEmail', 'AE'], ['industry', 'Industry'], ['companySize', 'Company size'],
  ['templateName', 'Template'], ['rawPayload', 'Notes for the handoff'],
];

/** A deal ID in, the account it would become (or why it would not) out; nothing is created. */
export function HubSpotTestDeal(p: { state: TestDealState }) {
  const result = p.state.result;
  return (
    <div data-test-deal>
      <form class="connector-form" method="get" action="/settings/connectors/hubspot/test-deal" novalidate>
        <TextField prefix="test" name="dealId" label="Deal ID" value={p.state.dealId} error={p.state.error}
          hint="The number at the end of the deal's URL in HubSpot. Relay reads it with your mapping and shows the account it would become, creating nothing."
          extra={{ inputmode: 'numeric', autocomplete: 'off' }} />
        <button type="submit" class="secondary">Test with this deal</button>
      </form>
      {result?.account ? (
        <div data-test-deal-account>
          <p role="status">Deal {p.state.dealId} would become this account (nothing was created):</p>
          <dl class="facts">
            {ACCOUNT_FIELD_LABELS.filter(([k]) => result.account![k] !== undefined).map(([k, label]) => (
              <><dt>{label}</dt><dd style="white-space:pre-wrap">{String(result.account![k])}</dd></>
            ))}
          </dl>
        </div>
      ) : null}
      {result?.problem ? (
        <p class="flash error" role="alert" data-test-deal-problem>
          Deal {p.state.dealId} would not become an account: {result.problem.message} (field <code>{result.problem.field}</code>).
        </p>
      ) : null}
    </div>
  );
}

// ---- Notion ---------------------------------------------------------------------------------------------

export interface NotionFormValues {
  databaseId: string;
  mapping: Partial<Record<NotionMappedField, string>>;
  filterProperty: string;
  filterEquals: string;
  templateName: string;
  templateProperty: string;
  intervalMinutes: string;
}

export const NOTION_FORM_DEFAULTS: NotionFormValues = {
  databaseId: '', mapping: {}, filterProperty: '', filterEquals: '', templateName: '', templateProperty: '', intervalMinutes: '5',
};

const NOTION_FIELD_LABELS: Record<NotionMappedField, [string, string]> = {
  companyName: ['Company name', 'A title or text property, e.g. Name'],
  arr: ['ARR', 'A number property'],
  closeDate: ['Close date', 'A date property'],
  primaryContactName: ['Primary contact name', 'A text or people property'],
  primaryContactEmail: ['Primary contact email', 'An email property'],
  aeEmail: ['AE (optional)', 'A people or email property'],
  website: ['Website (optional)', 'A URL property; the company domain comes from it'],
  notes: ['Notes (optional)', 'A text property: what the handoff Q&A is drafted from'],
};
const NOTION_REQUIRED: readonly NotionMappedField[] = ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail'];

/**
 * The Notion connection: the internal integration's token, the database, which property holds each
 * account field, an optional row filter, the template (fixed, or named by a select property), and
 * the polling interval. Errors come back beside the field they name.
 */
export function NotionConnectForm(p: { csrfToken: string; templates: { name: string }[]; form: FormState<NotionFormValues>; reconnect: boolean }) {
  const { values: v, errors: e } = p.form;
  const filterError = e['filter.property'] ?? e.filter;
  return (
    <form class="connector-form" method="post" action="/settings/connectors/notion" novalidate data-notion-form>
      <CsrfField token={p.csrfToken} />
      {e.form ? <p class="field-error" role="alert">{e.form}</p> : null}
      <TextField prefix="notion" name="token" type="password" label="Internal integration token" value="" error={e.token}
        hint={`From notion.so/my-integrations → your integration → Internal integration secret (needs "Read content"; "Update content" lets Relay write its link back).${p.reconnect ? ' Enter it again: Relay never shows it.' : ''}`} />
      <TextField prefix="notion" name="databaseId" label="Database ID or URL" value={v.databaseId} error={e.databaseId}
        hint="Open the database in Notion and copy its link (or its 32-character ID). Share it with the integration: ••• → Connections." extra={{ autocomplete: 'off' }} />
      <fieldset>
        <legend>Which Notion property holds each account field</legend>
        {NOTION_MAPPED_FIELDS.map((f) => (
          <TextField prefix="notion" name={`mapping.${f}`} label={NOTION_FIELD_LABELS[f][0]} value={v.mapping[f] ?? ''} hint={NOTION_FIELD_LABELS[f][1]}
            error={e[`mapping.${f}`] ?? (NOTION_REQUIRED.includes(f) && e.mapping ? e.mapping : undefined)} extra={{ autocomplete: 'off' }} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Only rows where (optional)</legend>
        <TextField prefix="notion" name="filter.property" label="Property" value={v.filterProperty} error={filterError}
          hint="A select, status or text property, e.g. Stage." extra={{ autocomplete: 'off' }} />
        <TextField prefix="notion" name="filter.equals" label="Equals" value={v.filterEquals} error={e['filter.equals']}
          hint="The value a row needs to become an account, e.g. Closed Won." extra={{ autocomplete: 'off' }} />
      </fieldset>
      <TemplateSelect prefix="notion" name="templateName" label="Template for new accounts" value={v.templateName} templates={p.templates} error={e.templateName}
        hint="Every new account's template, or the fallback when the template property below names none." />
      <TextField prefix="notion" name="templateProperty" label="Template from property (optional)" value={v.templateProperty} error={e.templateProperty}
        hint="A select property whose option names the template row by row." extra={{ autocomplete: 'off' }} />
      <TextField prefix="notion" name="intervalMinutes" label="Poll every (minutes)" value={v.intervalMinutes} error={e.intervalMinutes}
        hint="How often Relay reads rows edited since its last run, from 1 to 1440 minutes. Default 5." extra={{ inputmode: 'numeric' }} />
      <button type="submit">{p.reconnect ? 'Reconnect Notion' : 'Connect Notion'}</button>
    </form>
  );
}

/** The HubSpot card's tools for a live connection: the mapping, the backfill and "Test with a deal". */
export function HubSpotTools(p: { csrfToken: string; mapping: FormState<HubSpotMappingValues>; backfill: BackfillState; testDeal: TestDealState; open: 'mapping' | 'backfill' | 'test' | null }) {
  const section = (key: 'mapping' | 'backfill' | 'test', title: string, body: Child) => (
    <details open={p.open === key} style="margin-top:14px" id={`hubspot-${key}`}>
      <summary>{title}</summary>
      {body}
    </details>
  );
  return (
    <>
      {section('test', 'Test with a deal', <HubSpotTestDeal state={p.testDeal} />)}
      {section('mapping', 'Property mapping', <HubSpotMappingForm csrfToken={p.csrfToken} form={p.mapping} />)}
      {section('backfill', 'Backfill deals closed earlier', <HubSpotBackfillForm csrfToken={p.csrfToken} state={p.backfill} />)}
    </>
  );
}
