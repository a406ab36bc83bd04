import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { FieldError } from '../../domain/accountInput.ts';
import type { ListedAccount, ListedBehindPlan, ListedHealth, StatusCounts } from '../../db/repositories/accounts.ts';
import {
  ACCOUNT_HEALTH_FILTERS, ACCOUNT_SORTS, CSM_ANYONE, DEFAULT_SORT_DIRECTION, HEALTH_SPARKLINE_DAYS, type AccountHealthFilter, type AccountSort, type HealthTrend, type SortDirection,
} from '../../domain/accountList.ts';
import type { AccountFilterOptions } from '../../db/repositories/listOptions.ts';
import type { PortfolioSummary } from '../../db/repositories/accounts.ts';
import { ACCOUNT_CRM_FILTER_LABELS, ACCOUNT_CRM_FILTERS, PROVIDER_LABELS, type ListedCrm } from '../../domain/crmLinks.ts';
import { HEALTH_TIER_LABELS } from '../../domain/health.ts';
import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../domain/lifecycle.ts';
import { AppLayout, type Viewer } from '../components/AppLayout.tsx';
import { HealthBadge, Sparkline } from '../components/health/HealthBadge.tsx';
import { count, dollars, plural } from '../format.ts';
import { BulkForm, RowSelect, type BulkOptions } from '../components/accountList/BulkActions.tsx';
import { COCKPIT_CSS } from '../components/accountList/cockpitStyles.ts';
import { PortfolioHeader } from '../components/accountList/PortfolioHeader.tsx';
import { ViewsBar, type ViewLink } from '../components/accountList/SavedViews.tsx';

/** The list's query parameters, in the order links write them (the API's schema validates them). */
export const LIST_PARAMS = [
  'q', 'status', 'arrMin', 'arrMax', 'mrrMin', 'mrrMax', 'template', 'csm', 'activeWithin', 'inactiveFor',
  'activityFrom', 'activityTo', 'tier', 'scoreMin', 'scoreMax', 'crm', 'behindPlan', 'sort', 'dir', 'page', 'pageSize',
] as const;
export type ListParam = (typeof LIST_PARAMS)[number];
export type ListValues = Partial<Record<ListParam, string>>;

export interface AccountsListResult {
  items: ListedAccount[];
  counts: StatusCounts;
  /** Accounts matching every filter but status (the "All" tab). */
  all: number;
  /** Accounts matching every filter, status included. */
  total: number;
  page: number;
  pageSize: number;
  sort: AccountSort;
  dir: SortDirection;
}

export interface AccountsListPageProps {
  viewer: Viewer;
  csrfToken: string;
  devOutbox: boolean;
  /** The query string as received, so the form shows back what was typed even when it was refused. */
  values: ListValues;
  errors: FieldError[];
  options: AccountFilterOptions;
  /** Null when the query string was refused. */
  result: AccountsListResult | null;
  /** Every account of the org, whatever the filters; null when unknown. */
  orgTotal: number | null;
  /** The org's accounts a CRM record links (HubSpot, Notion), whatever the filters; null when unknown. */
  crmLinked?: number | null;
  now: Date;
  /** Issue 14's cockpit: portfolio header, views, bulk actions; absent when the query string was refused. */
  cockpit?: AccountsCockpit;
}

export interface AccountsCockpit {
  portfolio: PortfolioSummary;
  /** What the portfolio covers, in words ("your accounts", "all accounts", "these filters"). */
  scope: string;
  /** A CSM's own user ID: their list without `csm` shows their accounts; null for admins (everyone's). */
  csmDefault: string | null;
  views: ViewLink[];
  /** The list's query string with whose accounts written out: what "Save this view" saves. */
  query: string;
  /** The list's canonical query string as shown: where the bulk form comes back to. */
  current: string;
  bulk: BulkOptions;
  flash: { kind: 'ok' | 'error'; message: string } | null;
}

export const STATUS_LABELS: Record<LifecycleStatus, string> = {
  pending_handoff: 'Pending handoff', active: 'Active', at_risk: 'At risk', completed: 'Completed', churned: 'Churned',
};

/** Parameters whose absence already means this value: left out of links so URLs stay short. */
const DEFAULTS: ListValues = { page: '1', pageSize: '25' };
const MORE_FILTERS: ListParam[] = ['arrMin', 'arrMax', 'mrrMin', 'mrrMax', 'activeWithin', 'inactiveFor', 'activityFrom', 'activityTo'];
const FILTER_PARAMS: ListParam[] = [
  'q', 'arrMin', 'arrMax', 'mrrMin', 'mrrMax', 'template', 'csm', 'activeWithin', 'inactiveFor', 'activityFrom', 'activityTo',
  'tier', 'scoreMin', 'scoreMax', 'crm', 'behindPlan',
];

const HEALTH_FILTER_LABELS: Record<AccountHealthFilter, string> = { ...HEALTH_TIER_LABELS, unscored: 'Not scored' };

/**
 * The health column's own rules. On a phone a column of its own would widen a table that already
 * scrolls inside its card, so there the column folds into the status column: the badge and the
 * arrow under the status (free to wrap, so never wider than the status pill), the sparkline left out,
 * and the sort link under the Status heading.
 */
const HEALTH_CSS = `
.health-cell{white-space:nowrap}.health-cell .sparkline{display:block;margin-top:3px}
.trend{display:inline-block;font-weight:700;margin-left:4px;min-width:1em;text-align:center}
.trend-up{color:#1a7f37}.trend-down{color:#cf222e}.trend-flat{color:#6b7280}
.health-sm{display:none}
@media (max-width:640px){.health-col,.health-cell{display:none}.health-sm{display:block;margin-top:4px}th .health-sm{font-size:.75rem}}
`;

/**
 * The CRM column: the provider's badge linking to the deal when linked, "sync error" (with the
 * problem in words as its title) linking to the account's CRM card otherwise. On a phone it moves
 * under the company name, like health folds under the status.
 */
const CRM_CSS = `
.crm-badge{display:inline-block;font-size:.75rem;font-weight:600;padding:1px 7px;border-radius:999px;text-decoration:none;white-space:nowrap}
.crm-linked{background:#fff0e8;color:#b4400f}.crm-error{background:#fdecec;color:#a61b1b}
.crm-sm{display:none}
@media (max-width:640px){.crm-col,.crm-cell{display:none}.crm-sm{display:block;margin-top:3px}}
`;

function CrmIndicator(p: { accountId: string; crm: ListedCrm }) {
  const provider = PROVIDER_LABELS[p.crm.provider];
  if (p.crm.state === 'sync_error') {
    const why = `${provider} sync error: ${p.crm.problem ?? 'see the account'}`;
    return <a class="crm-badge crm-error" href={`/accounts/${p.accountId}#crm`} title={why}>sync error<span class="visually-hidden"> ({why})</span></a>;
  }
  return p.crm.recordUrl
    ? <a class="crm-badge crm-linked" href={p.crm.recordUrl} target="_blank" rel="noopener noreferrer" title={`Open the ${provider} record`}>{provider}</a>
    : <span class="crm-badge crm-linked">{provider}</span>;
}

/** A link to the list with some parameters changed (undefined removes one); blanks and defaults are dropped. */
export function listHref(values: ListValues, changes: ListValues = {}): string {
  const merged: ListValues = { ...values, ...changes };
  // Newest first is the list's own order: written out, it is the same view under a longer URL.
  if ((merged.sort?.trim() || 'created') === 'created' && (merged.dir?.trim() || 'desc') === 'desc') {
    merged.sort = undefined;
    merged.dir = undefined;
  }
  const params = new URLSearchParams();
  for (const key of LIST_PARAMS) {
    const value = merged[key]?.trim();
    if (value && value !== DEFAULTS[key]) params.set(key, value);
  }
  const query = params.toString();
  return query ? `/accounts?${query}` : '/accounts';
}


/** Recent activity reads better as "3 days ago"; past a month the date says more. */
export function describeLastActivity(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  const hours = Math.floor(ms / 3_600_000);
  const days = Math.floor(ms / 86_400_000);
  if (ms < 3_600_000) return 'within the hour';
  if (hours < 24) return `${hours} h ago`;
  if (days === 1) return 'yesterday';
  if (days < 30) return `${days} days ago`;
  return at.toISOString().slice(0, 10);
}

function StatusTabs(p: { values: ListValues; counts: StatusCounts; all: number }) {
  const current = p.values.status;
  const tab = (status: LifecycleStatus | undefined, label: string, n: number) => (
    <a href={listHref(p.values, { status, page: undefined })} aria-current={current === status ? 'page' : undefined}>
      {label}<span class="count">{count(n)}</span>
    </a>
  );
  return (
    <nav class="tabs" aria-label="Status">
      {tab(undefined, 'All', p.all)}
      {LIFECYCLE_STATUSES.map((s) => tab(s, STATUS_LABELS[s], p.counts[s]))}
    </nav>
  );
}

function Field(p: {
  name: ListParam; label: string; values: ListValues; errors: Map<string, string>; type?: string; placeholder?: string; inputmode?: 'numeric';
  min?: number; max?: number;
}) {
  const error = p.errors.get(p.name);
  return (
    <div>
      <label for={`f-${p.name}`}>{p.label}</label>
      <input id={`f-${p.name}`} name={p.name} type={p.type ?? 'text'} value={p.values[p.name] ?? ''} placeholder={p.placeholder}
        inputmode={p.inputmode} min={p.min} max={p.max} step={p.type === 'number' ? 1 : undefined} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `e-${p.name}` : undefined} />
      {error ? <div class="field-error" id={`e-${p.name}`}>{error}</div> : null}
    </div>
  );
}

function Choice(p: { name: ListParam; label: string; values: ListValues; errors: Map<string, string>; choices: { value: string; label: string }[] }) {
  const error = p.errors.get(p.name);
  const selected = p.values[p.name] ?? '';
  return (
    <div>
      <label for={`f-${p.name}`}>{p.label}</label>
      <select id={`f-${p.name}`} name={p.name} aria-invalid={error ? 'true' : undefined}>
        {p.choices.map((c) => <option value={c.value} selected={c.value === selected}>{c.label}</option>)}
      </select>
      {error ? <div class="field-error">{error}</div> : null}
    </div>
  );
}

const SORT_LABELS: Record<AccountSort, string> = {
  created: 'Date created', name: 'Company', arr: 'ARR', status: 'Status', lastActivity: 'Last activity', progress: 'Milestones', health: 'Health',
};

function FilterForm(p: { values: ListValues; errors: Map<string, string>; options: AccountFilterOptions; csmDefault?: string | null | undefined }) {
  const common = { values: p.values, errors: p.errors };
  const sort = (p.values.sort || 'created') as AccountSort;
  const hasFilters = FILTER_PARAMS.some((k) => p.values[k]?.trim());
  return (
    <form class="card" method="get" action="/accounts" role="search" aria-label="Filter accounts">
      {/* The tab and the sort stay as they are when filters change; the page starts over. */}
      {p.values.status ? <input type="hidden" name="status" value={p.values.status} /> : null}
      <div class="filters">
        <Field {...common} name="q" label="Search" placeholder="Company, contact, email, domain" />
        <Choice {...common} name="template" label="Template" choices={[{ value: '', label: 'Any template' }, ...p.options.templates.map((t) => ({ value: t.id, label: t.name }))]} />
        <Choice {...common} values={{ ...p.values, csm: p.values.csm ?? p.csmDefault ?? '' }} name="csm" label="CSM" choices={[
          { value: p.csmDefault ? CSM_ANYONE : '', label: 'Anyone' }, { value: 'unassigned', label: 'Unassigned' },
          ...p.options.owners.map((u) => ({ value: u.id, label: u.role === 'admin' ? `${u.name} (admin)` : u.name })),
        ]} />
        <Choice {...common} name="tier" label="Health" choices={[
          { value: '', label: 'Any health' }, ...ACCOUNT_HEALTH_FILTERS.map((t) => ({ value: t, label: HEALTH_FILTER_LABELS[t] })),
        ]} />
        <Field {...common} name="scoreMin" label="Score from" type="number" min={0} max={100} inputmode="numeric" placeholder="0" />
        <Field {...common} name="scoreMax" label="Score to" type="number" min={0} max={100} inputmode="numeric" placeholder="100" />
        <Choice {...common} name="crm" label="CRM" choices={[
          { value: '', label: 'Any' }, ...ACCOUNT_CRM_FILTERS.map((f) => ({ value: f, label: ACCOUNT_CRM_FILTER_LABELS[f] })),
        ]} />
        <Choice {...common} name="behindPlan" label="Plan" choices={[{ value: '', label: 'Any' }, { value: 'true', label: 'Behind plan' }]} />
        <Choice {...common} name="pageSize" label="Rows per page" choices={['25', '50', '100'].map((n) => ({ value: n, label: n }))} />
        {/* The sort the headers set, shown and changeable here too (a phone's cards have no headers). */}
        <Choice {...common} values={{ ...p.values, sort }} name="sort" label="Sort by" choices={ACCOUNT_SORTS.map((s) => ({
          value: s, label: s === 'created' ? 'Date created (default)' : SORT_LABELS[s],
        }))} />
        <Choice {...common} name="dir" label="Order" choices={[
          { value: '', label: `Usual (${DEFAULT_SORT_DIRECTION[sort] === 'asc' ? 'ascending' : 'descending'})` },
          { value: 'asc', label: 'Ascending' }, { value: 'desc', label: 'Descending' },
        ]} />
      </div>
      {/* Folded away on first sight (a phone shows the list sooner); open whenever one is in use or wrong. */}
      <details open={MORE_FILTERS.some((k) => p.values[k]?.trim() || p.errors.has(k))}>
        <summary>ARR, MRR and activity filters</summary>
        <div class="filters">
          <Field {...common} name="arrMin" label="ARR from ($)" inputmode="numeric" />
          <Field {...common} name="arrMax" label="ARR to ($)" inputmode="numeric" />
          <Field {...common} name="mrrMin" label="MRR from ($)" inputmode="numeric" />
          <Field {...common} name="mrrMax" label="MRR to ($)" inputmode="numeric" />
          <Field {...common} name="activeWithin" label="Active in the last (days)" inputmode="numeric" />
          <Field {...common} name="inactiveFor" label="Inactive for over (days)" inputmode="numeric" />
          <Field {...common} name="activityFrom" label="Last activity from" type="date" />
          <Field {...common} name="activityTo" label="Last activity to" type="date" />
        </div>
      </details>
      {/* Named, so the list knows a form sent it and answers with the clean URL (blank fields dropped). */}
      <button type="submit" name="apply" value="1">Apply filters</button>
      {hasFilters ? <> <a class="button secondary" href={listHref({ status: p.values.status, sort: p.values.sort, dir: p.values.dir })}>Clear filters</a></> : null}
    </form>
  );
}

function SortLink(p: { column: AccountSort; label: string; result: AccountsListResult; values: ListValues }) {
  const active = p.result.sort === p.column;
  const nextDir = active ? (p.result.dir === 'asc' ? 'desc' : 'asc') : DEFAULT_SORT_DIRECTION[p.column];
  return (
    <a href={listHref(p.values, { sort: p.column, dir: nextDir, page: undefined })}>
      {p.label}{active ? (p.result.dir === 'asc' ? ' ▲' : ' ▼') : ''}
    </a>
  );
}

function SortHeader(p: { column: AccountSort; label: string; result: AccountsListResult; values: ListValues; class?: string; children?: Child }) {
  const active = p.result.sort === p.column;
  const ariaSort = active ? (p.result.dir === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} class={p.class}>
      <SortLink column={p.column} label={p.label} result={p.result} values={p.values} />
      {p.children}
    </th>
  );
}

function Progress(p: { done: number; total: number }) {
  const percent = p.total ? Math.round((p.done / p.total) * 100) : 0;
  return (
    <div>
      <div class="progress" role="progressbar" aria-label="Milestones done" aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done}>
        <span style={`width:${percent}%`}></span>
      </div>
      <span class="small muted">{p.done}/{p.total}</span>
    </div>
  );
}

const TREND_ARROWS: Record<HealthTrend['direction'], string> = { up: '↑', down: '↓', flat: '→' };

/** "up 12 points in 7 days": what the arrow means, for a screen reader and a hovering pointer. */
function describeTrend(t: HealthTrend): string {
  const points = plural(Math.abs(t.change), 'point');
  const days = plural(t.days, 'day');
  if (t.change === 0) return `no change in ${days}`;
  const moved = `${t.change > 0 ? 'up' : 'down'} ${points} in ${days}`;
  return t.direction === 'flat' ? `steady: ${moved}` : moved;
}

/** The score, its tier and the arrow; "Not scored" without a score. */
function HealthSummary(p: { health: ListedHealth | null }) {
  if (!p.health) return <HealthBadge score={null} tier={null} />;
  const trend = p.health.trend;
  return (
    <>
      <HealthBadge score={p.health.score} tier={p.health.tier} />
      {trend
        ? <span class={`trend trend-${trend.direction}`} role="img" aria-label={describeTrend(trend)} title={describeTrend(trend)}>{TREND_ARROWS[trend.direction]}</span>
        : null}
    </>
  );
}

function HealthCell(p: { health: ListedHealth | null }) {
  return (
    <td class="health-cell">
      <HealthSummary health={p.health} />
      {p.health ? <Sparkline points={p.health.sparkline} width={96} height={24} label={`Health over the last ${HEALTH_SPARKLINE_DAYS} days`} /> : null}
    </td>
  );
}

function AccountsTable(p: { result: AccountsListResult; values: ListValues; now: Date; selectable?: boolean }) {
  const header = (column: AccountSort, label: string) => <SortHeader column={column} label={label} result={p.result} values={p.values} />;
  return (
    <div class="card table-wrap accounts-table-wrap">
      <table class="accounts-table">
        <thead>
          <tr>
            {header('name', 'Company')}{header('arr', 'ARR / MRR')}
            <SortHeader column="status" label="Status" result={p.result} values={p.values}>
              <div class="health-sm"><SortLink column="health" label="Health" result={p.result} values={p.values} /></div>
            </SortHeader>
            <SortHeader column="health" label="Health" result={p.result} values={p.values} class="health-col" />
            <th scope="col">CSM</th>{header('progress', 'Milestones')}{header('lastActivity', 'Last activity')}
            <th scope="col" class="crm-col">CRM</th>
          </tr>
        </thead>
        <tbody>
          {p.result.items.map((a) => (
            <tr>
              <td>
                <a href={`/accounts/${a.id}`}>{a.companyName}</a>{a.primaryDomain ? <div class="small muted">{a.primaryDomain}</div> : null}
                {a.crm ? <div class="crm-sm"><CrmIndicator accountId={a.id} crm={a.crm} /></div> : null}
                {p.selectable ? <RowSelect id={a.id} name={a.companyName} /> : null}
              </td>
              <td data-label="ARR / MRR">{dollars(a.arr)}<div class="small muted">{dollars(a.mrr)} / mo</div></td>
              <td data-label="Status">
                <span class={`status status-${a.status}`}>{STATUS_LABELS[a.status]}</span>
                <div class="health-sm"><HealthSummary health={a.health} /></div>
              </td>
              <HealthCell health={a.health} />
              <td data-label="CSM">{a.csmName ?? <span class="muted">Unassigned</span>}</td>
              <td data-label="Milestones">
                <Progress done={a.milestonesCompleted} total={a.milestonesTotal} />
                {a.behindPlan ? <BehindPlanBadge accountId={a.id} behind={a.behindPlan} /> : null}
              </td>
              <td data-label="Last activity"><time datetime={a.lastActivityAt.toISOString()} title={a.lastActivityAt.toISOString()}>{describeLastActivity(a.lastActivityAt, p.now)}</time></td>
              <td class="crm-cell">{a.crm ? <CrmIndicator accountId={a.id} crm={a.crm} /> : <span class="muted small">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The overdue marker: open milestones past their due day (issue 14), linking to the account's milestones. */
function BehindPlanBadge(p: { accountId: string; behind: ListedBehindPlan }) {
  const why = `${plural(p.behind.overdueMilestones, 'milestone')} overdue, ${plural(p.behind.daysLate, 'day')} behind plan`;
  return <div><a class="status status-overdue" style="text-decoration:none" data-behind-plan href={`/accounts/${p.accountId}#milestones`} title={why}>{plural(p.behind.daysLate, 'day')} late<span class="visually-hidden"> ({why})</span></a></div>;
}

function Pager(p: { result: AccountsListResult; values: ListValues }) {
  const { page, pageSize, total } = p.result;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted">Showing {count(first)}–{count(last)} of {count(total)}</span>
      {page > 1 ? <a class="button secondary" rel="prev" href={listHref(p.values, { page: String(Math.min(page - 1, pages)) })}>Previous</a> : null}
      <span class="small muted">Page {page} of {pages}</span>
      {page < pages ? <a class="button secondary" rel="next" href={listHref(p.values, { page: String(page + 1) })}>Next</a> : null}
    </nav>
  );
}

function EmptyState(p: { result: AccountsListResult; values: ListValues; orgTotal: number | null }) {
  const pages = Math.ceil(p.result.total / p.result.pageSize);
  if (p.result.total > 0 && p.result.page > pages) {
    return (
      <div class="card">
        <p>There is no page {p.result.page}: these filters match {p.result.total} accounts.</p>
        <a href={listHref(p.values, { page: undefined })}>Go to the first page</a>
      </div>
    );
  }
  if (p.orgTotal === 0) {
    return (
      <div class="card">
        <h2>No accounts yet</h2>
        <p>Accounts appear here as deals are handed over: from the form, a CSV upload, HubSpot, Notion or the API.</p>
        <a class="button" href="/accounts/new">Create an account</a>
      </div>
    );
  }
  return (
    <div class="card">
      <h2>No accounts match</h2>
      <p>Nothing in this view matches the filters.</p>
      <a href={listHref({ sort: p.values.sort, dir: p.values.dir })}>Show all accounts</a>
    </div>
  );
}

export function AccountsListPage(p: AccountsListPageProps) {
  const errors = new Map(p.errors.map((e) => [e.field, e.message]));
  const r = p.result;
  const k = p.cockpit;
  return (
    <AppLayout title="Accounts" section="accounts" viewer={p.viewer} csrfToken={p.csrfToken} devOutbox={p.devOutbox} head={<style>{raw(HEALTH_CSS + CRM_CSS + COCKPIT_CSS)}</style>}>
      <div class="page-head">
        <div>
          <h1>Accounts</h1>
          {p.orgTotal !== null ? <span class="muted">{plural(p.orgTotal, 'account')} in total</span> : null}
          {p.crmLinked !== undefined && p.crmLinked !== null
            ? <span class="muted" data-crm-linked> · <a href={listHref({ crm: 'linked' })}>{count(p.crmLinked)} linked to a CRM</a></span> : null}
        </div>
        <span>
          <a class="button secondary" href="/imports/export/accounts.csv">Export CSV</a>{' '}
          <a class="button secondary" href="/imports">Import CSV</a>{' '}
          <a class="button" href="/accounts/new">New account</a>
        </span>
      </div>
      {p.errors.length ? (
        <div class="flash error" role="alert">
          <strong>This link has filters Relay cannot use:</strong>
          <ul>{p.errors.map((e) => <li><code>{e.field}</code>: {e.message}</li>)}</ul>
          <a href="/accounts">Start over with all accounts</a>
        </div>
      ) : null}
      {k?.flash ? <div class={`flash ${k.flash.kind}`} role={k.flash.kind === 'error' ? 'alert' : 'status'} data-flash>{k.flash.message}</div> : null}
      {k ? <PortfolioHeader summary={k.portfolio} scope={k.scope} now={p.now} hrefFor={(status) => listHref(p.values, { status, page: undefined })} /> : null}
      {k ? (
        <ViewsBar csrfToken={p.csrfToken} views={k.views} query={k.query} scope={k.csmDefault ? {
          mine: { href: listHref(p.values, { csm: undefined, page: undefined }), current: p.values.csm === undefined || p.values.csm === k.csmDefault },
          all: { href: listHref(p.values, { csm: CSM_ANYONE, page: undefined }), current: p.values.csm === CSM_ANYONE },
        } : null} />
      ) : null}
      {r ? <StatusTabs values={p.values} counts={r.counts} all={r.all} /> : null}
      <FilterForm values={p.values} errors={errors} options={p.options} csmDefault={k?.csmDefault} />
      {r && r.items.length && k ? (
        <BulkForm csrfToken={p.csrfToken} options={k.bulk} back={k.current} pageIds={r.items.map((a) => a.id)}>
          <AccountsTable result={r} values={p.values} now={p.now} selectable />
        </BulkForm>
      ) : null}
      {r && r.items.length && !k ? <AccountsTable result={r} values={p.values} now={p.now} /> : null}
      {r && r.items.length ? <Pager result={r} values={p.values} /> : null}
      {r && !r.items.length ? <EmptyState result={r} values={p.values} orgTotal={p.orgTotal} /> : null}
    </AppLayout>
  );
}
