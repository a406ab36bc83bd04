import { randomUUID } from 'node:crypto';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, events, notes, outboxEmails, tasks, templates, users } from '../db/schema/index.ts';
import { DEFAULT_HANDOFF_QUESTIONS } from '../domain/handoffQuestions.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

/**
 * Every input route of the app, each text field (body, query, path) in turn, with the values that
 * used to get past the boundary and break later: NUL, other control characters, DEL, a lone UTF-16
 * surrogate, a very long string and a value of the wrong type. None may answer 5xx or hang, and a
 * refused request may leave nothing behind. The routes are a table: adding one is one line.
 */

let h: Harness;
let org: TestOrganisation;
let admin: DashboardClient;
/** An active account every account action is tried on, and a pending one whose handoff link is fuzzed. */
const ids = { account: '', milestone: '', task: '', template: '', importId: '', csm: '', csmEmail: '', handoffPath: '', email: '', writeKey: '' };

const KINDS = ['nul', 'c0', 'del', 'surrogate', 'long', 'type'] as const;
type Kind = (typeof KINDS)[number];

const RUN = randomUUID().slice(0, 8);
let seq = 0;
/** Every fuzzed value carries a marker of its own, so the database can be searched for it afterwards. */
const newMarker = () => `fz${RUN}n${(seq += 1)}z`;

function textPayload(kind: Exclude<Kind, 'type'>, marker: string, long = 200_000): string {
  switch (kind) {
    case 'nul': return `${marker} before\u0000after`;
    case 'c0': return `${marker} \u0001\u0008\u000b\u000c\u000e\u001b\u001f`;
    case 'del': return `${marker} \u007f`;
    case 'surrogate': return `${marker} \ud800`;
    case 'long': return `${marker}${'x'.repeat(long)}`;
  }
}

/** The same values in a URL: a lone surrogate cannot be percent-encoded, so it is sent as the invalid UTF-8 it would become. */
function urlPayload(kind: Kind, marker: string): string | null {
  if (kind === 'type') return null;
  if (kind === 'surrogate') return `${marker}%ED%A0%80`;
  return encodeURIComponent(textPayload(kind, marker, 5_000));
}

type Via = 'json' | 'form' | 'url' | 'csv';
interface Probe { field: string; kind: Kind; marker: string; via: Via; send(): Promise<Response> }
interface Target {
  route: string;
  /** Which table an accepted request adds a row to: the half-written check compares counts with accepted requests. */
  creates?: CountKey;
  probes(): Probe[];
}

// ---- how each kind of input is sent -------------------------------------------------------------

const api = (method: string, path: string, body?: unknown) => Promise.resolve(h.app.request(path, {
  method, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
}));
const apiRaw = (method: string, path: string, body: BodyInit, type?: string) => Promise.resolve(h.app.request(path, {
  method, headers: { authorization: `Bearer ${org.apiKey}`, ...(type ? { 'content-type': type } : {}) }, body,
}));

type Who = 'admin' | 'anon' | 'api';
function get(who: Who, path: string): Promise<Response> {
  if (who === 'admin') return admin.get(path);
  if (who === 'api') return api('GET', path);
  return Promise.resolve(h.app.request(path));
}
function postForm(who: Who, path: string, fields: Record<string, string | Blob>, csrf = true): Promise<Response> {
  const multipart = Object.values(fields).some((v) => v instanceof Blob);
  if (who === 'admin') {
    return multipart ? admin.postMultipart(path, fields, { csrf }) : admin.post(path, fields as Record<string, string>, { csrf });
  }
  if (who === 'api') return api('POST', path, {});
  const body = multipart ? new FormData() : new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) body.set(k, v as string);
  return Promise.resolve(h.app.request(path, { method: 'POST', body }));
}

/** A value of the wrong type for a JSON field: an object where text is expected, text where a number or flag is. */
const wrongJsonType = (valid: unknown) => (typeof valid === 'string' || valid === undefined ? { $gt: '' } : 'not-the-right-type');

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

// ---- target builders: one line per route in the table below ------------------------------------

/** JSON API body: the valid body with one field (a dot path) replaced. */
function json(route: string, path: () => string, validBody: () => Record<string, unknown>, fields: string[], opts: { creates?: CountKey } = {}): Target {
  const [method] = route.split(' ');
  return {
    route, ...opts,
    probes: () => fields.flatMap((field) => KINDS.map((kind): Probe => {
      const marker = newMarker();
      return {
        field, kind, marker, via: 'json',
        send: () => {
          const body = structuredClone(validBody());
          setPath(body, field, kind === 'type' ? wrongJsonType((body as Record<string, unknown>)[field]) : textPayload(kind, marker));
          return api(method!, path(), body);
        },
      };
    })),
  };
}

/**
 * A form post: the valid fields with one replaced. "type" sends a file where text is expected. A lone
 * surrogate cannot travel in a form (the browser's encoding turns it into U+FFFD), so it is skipped.
 */
function form(route: string, who: Who, path: () => string, validFields: () => Record<string, string>, fields: string[],
  opts: { creates?: CountKey; skip?: Kind[] } = {}): Target {
  const skip = new Set<Kind>(['surrogate', ...(opts.skip ?? [])]);
  return {
    route, ...(opts.creates ? { creates: opts.creates } : {}),
    probes: () => fields.flatMap((field) => KINDS.filter((k) => !skip.has(k)).map((kind): Probe => {
      const marker = newMarker();
      return {
        field, kind, marker, via: 'form',
        send: () => {
          const value = kind === 'type' ? new Blob([marker], { type: 'text/plain' }) : textPayload(kind, marker);
          return postForm(who, path(), { ...validFields(), [field]: value }, field !== '_csrf');
        },
      };
    })),
  };
}

/** Query parameters, one at a time; "type" repeats the parameter. */
function query(route: string, who: Who, path: () => string, params: string[], send?: (url: string) => Promise<Response>): Target {
  return {
    route,
    probes: () => params.flatMap((param) => KINDS.map((kind): Probe => {
      const marker = newMarker();
      const value = urlPayload(kind, marker);
      const qs = value === null ? `${param}=${marker}&${param}=${marker}b` : `${param}=${value}`;
      const url = `${path()}${path().includes('?') ? '&' : '?'}${qs}`;
      return { field: param, kind, marker, via: 'url', send: () => (send ? send(url) : get(who, url)) };
    })),
  };
}

/** Path parameters, one at a time, the others real. */
function params(route: string, who: Who, values: Record<string, () => string>, body?: () => Record<string, string>): Target {
  const [method, template] = route.split(' ') as [string, string];
  return {
    route,
    probes: () => Object.keys(values).flatMap((param) => KINDS.filter((k) => k !== 'type').map((kind): Probe => {
      const marker = newMarker();
      return {
        field: `:${param}`, kind, marker, via: 'url',
        send: () => {
          const path = template.replace(/:(\w+)/g, (_, name: string) => (name === param ? urlPayload(kind, marker)! : values[name]!()));
          return method === 'GET' ? get(who, path) : postForm(who, path, body?.() ?? {});
        },
      };
    })),
  };
}

/** Routes that take no input still see the query string: one made-up parameter on each. */
function anyQuery(route: string, who: Who, paths: string[]): Target {
  return {
    route,
    probes: () => paths.flatMap((path) => KINDS.map((kind): Probe => {
      const marker = newMarker();
      const value = urlPayload(kind, marker) ?? marker;
      return { field: `${path}?x`, kind, marker, via: 'url', send: () => get(who, `${path}?x=${value}`) };
    })),
  };
}

// ---- CSV uploads: one file per kind, one row per column holding the value ----------------------

const CSV_COLUMNS = ['company_name', 'arr', 'close_date', 'primary_contact_name', 'primary_contact_email', 'ae_email', 'template_name',
  'primary_contact_role', 'industry', 'company_size', 'website', 'notes', 'raw_payload'];
const quoteCsv = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
function csvRow(i: number, column?: string, value?: string): string {
  const slug = `fuzz-${RUN}-${i}`;
  const valid: Record<string, string> = {
    company_name: `Fuzz ${slug}`, arr: '50000', close_date: '2026-11-01', primary_contact_name: 'Pat Fuzz', primary_contact_email: `pat@${slug}.example`,
    ae_email: 'ae@relay.test', template_name: 'Quick Start', primary_contact_role: 'CTO', industry: 'Software', company_size: '51-500',
    website: `${slug}.example`, notes: 'n', raw_payload: 'r',
  };
  return CSV_COLUMNS.map((c) => quoteCsv(c === column ? value! : valid[c]!)).join(',');
}
function fuzzCsv(kind: Exclude<Kind, 'type' | 'surrogate'>, marker: string): string {
  return [CSV_COLUMNS.join(','), ...CSV_COLUMNS.map((c, i) => csvRow(i, c, textPayload(kind, `${marker}c${i}`, 250_000)))].join('\r\n');
}
function csvUpload(route: string, send: (csv: string | null, marker: string) => Promise<Response>): Target {
  return {
    route,
    probes: () => KINDS.filter((k) => k !== 'surrogate').map((kind): Probe => {
      const marker = newMarker();
      return { field: '(cells)', kind, marker, via: 'csv', send: () => send(kind === 'type' ? null : fuzzCsv(kind, marker), marker) };
    }),
  };
}

// ---- the routes -----------------------------------------------------------------------------------

const LIST_PARAMS = ['status', 'q', 'arrMin', 'arrMax', 'mrrMin', 'mrrMax', 'template', 'csm', 'activeWithin', 'inactiveFor',
  'activityFrom', 'activityTo', 'behindPlan', 'sort', 'dir', 'page', 'pageSize'];
const ACCOUNT_FIELDS = ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail', 'primaryContactRole', 'industry',
  'companySize', 'website', 'notes', 'aeEmail', 'templateName', 'templateId', 'rawPayload'];
const FORM_ACCOUNT_FIELDS = ACCOUNT_FIELDS.filter((f) => f !== 'templateName');
const ANSWER_FIELDS = DEFAULT_HANDOFF_QUESTIONS.map((q) => `answer_${q.key}`);
const validTemplate = (): Record<string, string> => ({
  name: `Fuzz template ${RUN}`, description: 'd', estimatedDurationDays: '10', targetSegment: 'SMB', _op: 'save',
  'milestones[0][name]': 'Kickoff', 'milestones[0][durationDays]': '3', 'milestones[0][actions][0][label]': 'Say hello',
  'milestones[0][actions][0][kind]': 'email', 'milestones[0][actions][0][trigger]': 'milestone_start',
  'milestones[0][actions][0][delayHours]': '4', 'milestones[0][actions][0][description]': 'Welcome them',
});
const TEMPLATE_FIELDS = Object.keys(validTemplate());
const validQuestions = (): Record<string, string> => ({
  _op: 'save', 'questions[0][key]': '', 'questions[0][text]': 'What matters most?', 'questions[0][kind]': 'multiple_choice',
  'questions[0][help]': 'h', 'questions[0][options]': 'Speed\nPrice',
});
const formAccount = (): Record<string, string> => {
  const b = accountBody();
  return {
    companyName: b.companyName, arr: String(b.arr), closeDate: b.closeDate, primaryContactName: b.primaryContactName,
    primaryContactEmail: b.primaryContactEmail, primaryContactRole: b.primaryContactRole, industry: 'Software', companySize: '51-500',
    website: b.website, aeEmail: b.aeEmail, templateId: ids.template, notes: 'n', rawPayload: b.rawPayload,
  };
};
const account = () => ids.account;
const csvBody = (marker: string) => [CSV_COLUMNS.join(','), csvRow(100 + seq, 'company_name', `Clean ${marker}`)].join('\r\n');
/** One event per request, each with an ID of its own, so every accepted request stores exactly one. */
const apiEvent = () => ({ events: [{ type: 'login', domain: 'fuzz.example', email: 'pat@fuzz.example', occurredAt: new Date().toISOString(), id: randomUUID(), properties: { note: 'n' } }] });
const segmentTrack = () => ({ type: 'track', userId: 'fuzz-user', event: 'Fuzzed', messageId: randomUUID(), timestamp: new Date().toISOString(), properties: { note: 'n' }, context: { groupId: 'g' } });
const posthogEvent = () => ({ event: 'fuzzed', distinct_id: 'fuzz-user', uuid: randomUUID(), timestamp: new Date().toISOString(), properties: { note: 'n', $groups: { company: 'c' } } });
const SEGMENT_FIELDS = ['batch.0.event', 'batch.0.userId', 'batch.0.messageId', 'batch.0.timestamp', 'batch.0.properties.note', 'batch.0.context.groupId'];
const POSTHOG_FIELDS = ['batch.0.event', 'batch.0.distinct_id', 'batch.0.uuid', 'batch.0.timestamp', 'batch.0.properties.note', 'batch.0.properties.$groups.company'];

const TARGETS: Target[] = [
  // JSON API
  json('POST /api/accounts', () => '/api/accounts', () => accountBody({ companyName: 'Fuzz API' }), ACCOUNT_FIELDS, { creates: 'accounts' }),
  query('GET /api/accounts', 'api', () => '/api/accounts', LIST_PARAMS),
  params('GET /api/accounts/:id', 'api', { id: account }),
  json('POST /api/accounts/:id/status', () => `/api/accounts/${ids.account}/status`, () => ({ status: 'at_risk', note: 'n' }), ['status', 'note']),
  json('POST /api/accounts/:id/csm', () => `/api/accounts/${ids.account}/csm`,
    () => ({ csmEmail: ids.csmEmail, note: 'n', notifyCsm: false, notifyContact: false }), ['csmEmail', 'note', 'notifyCsm', 'notifyContact']),
  params('POST /api/accounts/:id/status', 'api', { id: account }),
  params('POST /api/accounts/:id/milestones/:milestoneId/complete', 'api', { id: account, milestoneId: () => ids.milestone }),
  params('POST /api/accounts/:id/handoff/resend', 'api', { id: account }),
  json('PATCH /api/accounts/:id', () => `/api/accounts/${ids.account}`, () => ({ companyName: 'Fuzz Edited', notes: 'n' }),
    ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail', 'primaryContactRole', 'industry', 'companySize', 'notes', 'primaryDomain', 'secondaryDomains']),
  query('GET /api/follow-up', 'api', () => '/api/follow-up', ['csm']),
  query('GET /api/outbox', 'api', () => '/api/outbox', ['accountId', 'limit']),
  // Tasks across accounts (issue 14)
  query('GET /api/tasks', 'api', () => '/api/tasks', ['assignee', 'accountId']),
  json('POST /api/tasks', () => '/api/tasks', () => ({ accountId: ids.account, title: 't', dueDate: '2026-12-01', assignee: ids.csmEmail, priority: 'high' }),
    ['accountId', 'title', 'dueDate', 'assignee', 'priority'], { creates: 'tasks' }),
  json('PATCH /api/tasks/:id', () => `/api/tasks/${ids.task}`, () => ({ assignee: ids.csmEmail, priority: 'high' }), ['assignee', 'priority']),
  params('POST /api/tasks/:id/complete', 'api', { id: () => ids.task }),
  csvUpload('POST /api/imports (text/csv)', (text, marker) => (text === null
    ? apiRaw('POST', '/api/imports', (() => { const f = new FormData(); f.set('file', marker); return f; })())
    : apiRaw('POST', '/api/imports?filename=fuzz.csv', text, 'text/csv'))),
  query('POST /api/imports ?filename', 'api', () => '/api/imports', ['filename'], (url) => apiRaw('POST', url, csvBody(newMarker()), 'text/csv')),
  params('GET /api/imports/:id', 'api', { id: () => ids.importId }),
  params('POST /api/imports/:id/confirm', 'api', { id: () => ids.importId }),
  // Events in: Relay's own API, Segment's and PostHog's formats (their write key rides in the body)
  json('POST /api/events', () => '/api/events', apiEvent,
    ['events.0.type', 'events.0.domain', 'events.0.email', 'events.0.occurredAt', 'events.0.id', 'events.0.properties.note'], { creates: 'events' }),
  query('GET /api/events/unmatched', 'api', () => '/api/events/unmatched', ['limit']),
  json('POST /api/write-keys', () => '/api/write-keys', () => ({ name: 'fuzz' }), ['name']),
  json('POST /v1/batch', () => '/v1/batch', () => ({ writeKey: ids.writeKey, batch: [segmentTrack()] }), ['writeKey', ...SEGMENT_FIELDS], { creates: 'events' }),
  json('POST /v1/identify', () => '/v1/identify', () => ({ writeKey: ids.writeKey, userId: 'fuzz-user', messageId: randomUUID(), traits: { email: 'pat@fuzz.example' } }),
    ['userId', 'traits.email'], { creates: 'events' }),
  json('POST /batch/ (PostHog)', () => '/batch/', () => ({ api_key: ids.writeKey, batch: [posthogEvent()] }), ['api_key', ...POSTHOG_FIELDS], { creates: 'events' }),
  json('POST /capture/ (PostHog)', () => '/capture/', () => ({ api_key: ids.writeKey, ...posthogEvent() }), ['event', 'distinct_id', 'properties.note'], { creates: 'events' }),
  // Dashboard: accounts
  query('GET /accounts', 'admin', () => '/accounts', LIST_PARAMS),
  form('POST /accounts/new', 'admin', () => '/accounts/new', formAccount, FORM_ACCOUNT_FIELDS, { creates: 'accounts' }),
  params('GET /accounts/:id', 'admin', { id: account }),
  query('GET /accounts/:id ?type', 'admin', () => `/accounts/${ids.account}`, ['type']),
  form('POST /accounts/:id/status', 'admin', () => `/accounts/${ids.account}/status`, () => ({ status: 'at_risk', note: 'n' }), ['status', 'note']),
  form('POST /accounts/:id/csm', 'admin', () => `/accounts/${ids.account}/csm`, () => ({ csmEmail: ids.csmEmail, note: 'n' }), ['csmEmail', 'note', 'notifyCsm', 'notifyContact']),
  form('POST /accounts/:id/tasks', 'admin', () => `/accounts/${ids.account}/tasks`, () => ({ title: 't', dueDate: '2026-12-01', assignee: ids.csm, priority: 'high' }),
    ['title', 'dueDate', 'assignee', 'priority'], { creates: 'tasks' }),
  form('POST /accounts/:id/edit', 'admin', () => `/accounts/${ids.account}/edit`, () => ({ companyName: 'Fuzz Form Edited', arr: '50000', closeDate: '2026-11-01', primaryContactName: 'Pat', primaryContactEmail: 'pat@fuzz-edit.example' }),
    ['companyName', 'arr', 'closeDate', 'primaryContactName', 'primaryContactEmail', 'primaryContactRole', 'industry', 'companySize', 'notes', 'primaryDomain', 'secondaryDomains', 'version']),
  form('POST /accounts/bulk', 'admin', () => '/accounts/bulk', () => ({ action: 'assign_csm', ids: ids.account, csmUserId: ids.csm }), ['action', 'ids', 'pageIds', 'allOnPage', 'csmUserId', 'status', 'requestId', 'back']),
  form('POST /accounts/views', 'admin', () => '/accounts/views', () => ({ name: 'Fuzz view', query: 'status=active' }), ['name', 'shared', 'query']),
  params('POST /accounts/views/:viewId/delete', 'admin', { viewId: () => ids.account }),
  query('GET /follow-up', 'admin', () => '/follow-up', ['csm']),
  form('POST /follow-up/items', 'admin', () => '/follow-up/items', () => ({ do: 'dismiss', key: `task:${ids.task}:none` }), ['do', 'key', 'csm']),
  query('GET /tasks', 'admin', () => '/tasks', ['assignee']),
  form('POST /tasks/:id', 'admin', () => `/tasks/${ids.task}`, () => ({ assignee: ids.csm, priority: 'high', returnTo: 'account' }), ['assignee', 'priority', 'returnTo']),
  params('POST /tasks/:id', 'admin', { id: () => ids.task }, () => ({ priority: 'high' })),
  params('POST /tasks/:id/complete', 'admin', { id: () => ids.task }),
  form('POST /accounts/:id/contacts', 'admin', () => `/accounts/${ids.account}/contacts`,
    () => ({ name: 'Kim', email: `kim-${randomUUID().slice(0, 8)}@c.example`, role: 'r' }), ['name', 'email', 'role'], { creates: 'contacts' }),
  form('POST /accounts/:id/notes', 'admin', () => `/accounts/${ids.account}/notes`, () => ({ body: 'b' }), ['body'], { creates: 'notes' }),
  params('POST /accounts/:id/notes', 'admin', { id: account }, () => ({ body: 'b' })),
  params('POST /accounts/:id/milestones/:milestoneId/complete', 'admin', { id: account, milestoneId: () => ids.milestone }),
  params('POST /accounts/:id/tasks/:taskId/complete', 'admin', { id: account, taskId: () => ids.task }),
  params('POST /accounts/:id/handoff/resend', 'admin', { id: account }),
  // Dashboard: templates, users, settings, questions
  form('POST /templates/new', 'admin', () => '/templates/new', validTemplate, TEMPLATE_FIELDS),
  form('POST /templates/:id/edit', 'admin', () => `/templates/${ids.template}/edit`, validTemplate, TEMPLATE_FIELDS),
  params('GET /templates/:id', 'admin', { id: () => ids.template }),
  params('GET /templates/:id/versions/:version', 'admin', { id: () => ids.template, version: () => '1' }),
  params('GET /templates/:id/edit', 'admin', { id: () => ids.template }),
  query('GET /templates/:id ?saved', 'admin', () => `/templates/${ids.template}`, ['saved', 'unchanged']),
  form('POST /users/invite', 'admin', () => '/users/invite', () => ({ name: 'Nia', email: `nia-${randomUUID().slice(0, 8)}@relay.test`, role: 'csm' }),
    ['name', 'email', 'role'], { creates: 'users' }),
  form('POST /users/:id/role', 'admin', () => `/users/${ids.csm}/role`, () => ({ role: 'csm' }), ['role']),
  params('POST /users/:id/role', 'admin', { id: () => ids.csm }, () => ({ role: 'csm' })),
  params('POST /users/:id/sign-in-link', 'admin', { id: () => `${ids.csm}` }),
  query('GET /users ?done&user', 'admin', () => '/users', ['done', 'user']),
  form('POST /settings', 'admin', () => '/settings', () => ({ tokenLifetimeDays: '14', reminderDelaysDays: '2, 5', escalationDelayDays: '7' }),
    ['tokenLifetimeDays', 'reminderDelaysDays', 'escalationDelayDays']),
  query('GET /settings ?saved', 'admin', () => '/settings', ['saved']),
  form('POST /settings/questions', 'admin', () => '/settings/questions', validQuestions, Object.keys(validQuestions())),
  query('GET /settings/questions ?saved', 'admin', () => '/settings/questions', ['saved', 'reset']),
  form('POST /logout', 'admin', () => '/logout', () => ({}), ['_csrf']),
  // Dashboard: imports
  csvUpload('POST /imports (multipart)', (text, marker) => admin.postMultipart('/imports',
    { file: text === null ? marker : new Blob([text], { type: 'text/csv' }) })),
  form('POST /imports', 'admin', () => '/imports', () => ({}), ['_csrf']),
  params('GET /imports/:id', 'admin', { id: () => ids.importId }),
  query('GET /imports/:id ?page', 'admin', () => `/imports/${ids.importId}`, ['page']),
  params('POST /imports/:id/confirm', 'admin', { id: () => ids.importId }),
  // Sign-in
  form('POST /login', 'anon', () => '/login', () => ({ email: ids.email, next: '/accounts' }), ['email', 'next']),
  query('GET /login ?next', 'anon', () => '/login', ['next']),
  query('GET /login/verify', 'anon', () => '/login/verify', ['token', 'next']),
  form('POST /login/verify', 'anon', () => '/login/verify', () => ({ token: 'x'.repeat(43), next: '/accounts' }), ['token', 'next']),
  // The AE's handoff page. A long answer is cut to 10,000 characters and a file in an answer field
  // reads as "left as drafted": both are valid submissions, so they are not tried here.
  params('GET /handoff/:token', 'anon', { token: () => ids.handoffPath.split('/').at(-1)! }),
  params('POST /handoff/:token', 'anon', { token: () => ids.handoffPath.split('/').at(-1)! }),
  form('POST /handoff/:token', 'anon', () => ids.handoffPath,
    () => ({ ...Object.fromEntries(ANSWER_FIELDS.map((f) => [f, 'fine'])), csmUserId: ids.csm }), [...ANSWER_FIELDS], { skip: ['long', 'type'] }),
  form('POST /handoff/:token csmUserId', 'anon', () => ids.handoffPath, () => ({ csmUserId: ids.csm }), ['csmUserId']),
  // Development only, but mounted in tests.
  params('GET /dev/outbox/:id', 'anon', { id: () => ids.importId }),
  // Every other GET: lists, downloads, health, empty forms.
  anyQuery('GET /api/* (no inputs) ?x', 'api', ['/api/health', '/api/ready', '/api/imports', '/api/imports/template.csv', '/api/exports/accounts.csv', '/api/write-keys']),
  anyQuery('GET pages (no inputs) ?x', 'admin', ['/', '/accounts/new', '/templates', '/templates/new', '/users', '/imports', '/imports/template.csv', '/imports/export/accounts.csv']),
  anyQuery('GET /dev/outbox ?x', 'anon', ['/dev/outbox']),
];

// ---- what was written -----------------------------------------------------------------------------

type CountKey = 'accounts' | 'tasks' | 'contacts' | 'notes' | 'users' | 'events';
async function counts(): Promise<Record<CountKey, number>> {
  const db = h.database.db;
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  return {
    accounts: await n(db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, org.orgId))),
    tasks: await n(db.select({ n: count() }).from(tasks).where(eq(tasks.orgId, org.orgId))),
    contacts: await n(db.select({ n: count() }).from(contacts).where(eq(contacts.orgId, org.orgId))),
    notes: await n(db.select({ n: count() }).from(notes).where(eq(notes.orgId, org.orgId))),
    users: await n(db.select({ n: count() }).from(users).where(eq(users.orgId, org.orgId))),
    events: await n(db.select({ n: count() }).from(events).where(eq(events.orgId, org.orgId))),
  };
}

/** Every marker of this run found anywhere in the database. */
async function storedMarkers(): Promise<Set<string>> {
  const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
  const tables = rowsOf<{ table_name: string }>(await h.database.db.execute(sql`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`));
  const found = new Set<string>();
  const pattern = new RegExp(`fz${RUN}n\\d+z`, 'g');
  for (const { table_name: table } of tables) {
    const rows = rowsOf<{ t: string }>(await h.database.db.execute(sql`select t::text as t from ${sql.identifier(table)} t where t::text like ${`%fz${RUN}n%`}`));
    for (const { t } of rows) for (const m of t.matchAll(pattern)) found.add(m[0]);
  }
  return found;
}

// ---- setup ----------------------------------------------------------------------------------------

async function handoffLinkOf(accountId: string): Promise<string> {
  const link = await eventually(async () => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, accountId)))
    .find((e) => e.kind === 'handoff_link')?.links[0], { what: 'the handoff email' });
  return new URL(link).pathname;
}

beforeAll(async () => {
  h = await createHarness();
  org = await h.newOrganisation();
  admin = await signIn(h, org.adminEmail);
  ids.email = org.adminEmail;
  ids.csm = org.csms[0]!.id;
  ids.csmEmail = org.csms[0]!.email;
  const created = async () => {
    const res = await api('POST', '/api/accounts', accountBody());
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const [active, pending] = await Promise.all([created(), created()]);
  ids.account = active;
  const activePath = await handoffLinkOf(active);
  ids.handoffPath = await handoffLinkOf(pending);
  // The account actions need an account past its handoff.
  const submitted = await h.app.request(activePath, { method: 'POST', body: new URLSearchParams({ csmUserId: ids.csm }) });
  expect(submitted.status).toBe(200);
  const detail = await (await api('GET', `/api/accounts/${active}`)).json() as { status: string; milestones: { id: string }[] };
  ids.milestone = detail.milestones[0]!.id;
  await eventually(async () => ((await (await api('GET', `/api/accounts/${active}`)).json()) as { status: string }).status === 'active', { what: 'the account to be active' });
  await admin.post(`/accounts/${active}/tasks`, { title: 'Setup task', dueDate: '' });
  ids.task = (await h.database.db.select().from(tasks).where(eq(tasks.accountId, active)))[0]!.id;
  ids.template = (await h.database.db.select().from(templates).where(and(eq(templates.orgId, org.orgId), eq(templates.name, 'Quick Start'))))[0]!.id;
  const preview = await apiRaw('POST', '/api/imports?filename=clean.csv', csvBody('setup'), 'text/csv');
  expect(preview.status).toBe(201);
  ids.importId = ((await preview.json()) as { id: string }).id;
  const writeKey = await api('POST', '/api/write-keys', { name: 'fuzz' });
  expect(writeKey.status).toBe(201);
  ids.writeKey = ((await writeKey.json()) as { writeKey: string }).writeKey;
}, 120_000);
afterAll(async () => { await h?.close(); });

// ---- the run ----------------------------------------------------------------------------------------

const HANG_MS = 4_000;
type Outcome = number | 'hang';
async function withTimeout(p: Promise<Response>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), HANG_MS); });
  try {
    const res = await Promise.race([p, hang]);
    if (res === 'hang') return res;
    await res.arrayBuffer();
    return res.status;
  } finally {
    clearTimeout(timer);
  }
}

function printTable(results: { route: string; kind: Kind; outcome: Outcome }[]) {
  const cells = new Map<string, Map<Kind, Set<string>>>();
  for (const r of results) {
    const row = cells.get(r.route) ?? new Map<Kind, Set<string>>();
    cells.set(r.route, row);
    const cell = row.get(r.kind) ?? new Set<string>();
    row.set(r.kind, cell);
    cell.add(String(r.outcome));
  }
  const width = Math.max(...[...cells.keys()].map((k) => k.length));
  const head = `${'route'.padEnd(width)} | ${KINDS.map((k) => k.padEnd(11)).join(' | ')}`;
  const lines = [...cells].map(([route, row]) => `${route.padEnd(width)} | ${KINDS.map((k) => [...(row.get(k) ?? ['-'])].sort().join('/').padEnd(11)).join(' | ')}`);
  console.log(`input fuzz: ${results.length} requests\n${head}\n${'-'.repeat(head.length)}\n${lines.join('\n')}`);
}

describe('every input route refuses text it cannot store', () => {
  it('answers no 5xx and hangs on nothing, and a refused request writes nothing', async () => {
    const before = await counts();
    const results: { route: string; field: string; kind: Kind; marker: string; via: Via; outcome: Outcome; creates?: CountKey }[] = [];
    for (const target of TARGETS) {
      for (const probe of target.probes()) {
        const outcome = await withTimeout(probe.send());
        results.push({ route: target.route, field: probe.field, kind: probe.kind, marker: probe.marker, via: probe.via, outcome, ...(target.creates ? { creates: target.creates } : {}) });
      }
    }
    printTable(results);

    const failures = results.filter((r) => r.outcome === 'hang' || r.outcome >= 500);
    const perRoute: Record<string, number> = {};
    for (const f of failures) perRoute[f.route] = (perRoute[f.route] ?? 0) + 1;
    if (failures.length) console.log('5xx or hung, per route:', perRoute);
    expect.soft(failures.map((f) => `${f.route} ${f.field} ${f.kind} → ${f.outcome}`)).toEqual([]);

    // Control characters (and, in JSON, lone surrogates) are refused wherever they come in; a CSV
    // cell makes its row an error instead (csvImportParsing.test.ts checks the preview).
    const refusable = (r: { kind: Kind; via: Via }) => ['nul', 'c0', 'del'].includes(r.kind) || (r.kind === 'surrogate' && r.via === 'json');
    const accepted = results.filter((r) => refusable(r) && r.via !== 'csv' && r.outcome !== 'hang' && r.outcome < 400);
    expect.soft(accepted.map((r) => `${r.route} ${r.field} ${r.kind} → ${r.outcome}`)).toEqual([]);

    // Nothing half-written: rows only for accepted requests, and no refused value anywhere in the database.
    const after = await counts();
    for (const key of Object.keys(before) as CountKey[]) {
      const acceptedCreates = results.filter((r) => r.creates === key && r.outcome !== 'hang' && r.outcome < 400).length;
      expect.soft(after[key] - before[key], `${key} rows`).toBe(acceptedCreates);
    }
    const refused = new Set(results.filter((r) => r.outcome === 'hang' || r.outcome >= 400).map((r) => r.marker));
    const leaked = [...await storedMarkers()].filter((m) => refused.has(m));
    expect(leaked.map((m) => results.find((r) => r.marker === m)).map((r) => `${r?.route} ${r?.field} ${r?.kind}`)).toEqual([]);
  }, 600_000);
});

describe('what a refusal says', () => {
  interface ErrorBody { error: { code: string; message: string; requestId: string; fields: { field: string; message: string }[] } }
  const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

  it('names the field by its path in the JSON API, for the body, the query and the path', async () => {
    const created = await api('POST', '/api/accounts', accountBody({ companyName: 'Acme\u0000 Ltd' }));
    expect(created.status).toBe(400);
    expect(await errorOf(created)).toMatchObject({
      code: 'validation', message: expect.stringMatching(/^The field "companyName" contains an invisible control character \(U\+0000\)/),
      requestId: expect.any(String),
      fields: [{ field: 'companyName', message: 'contains an invisible control character (U+0000), which Relay does not accept in text' }],
    });
    const nested = await api('POST', `/api/accounts/${ids.account}/status`, { status: 'at_risk', answers: [{ answer: 'ok' }, { answer: 'bell\u0007' }] });
    expect((await errorOf(nested)).fields).toEqual([{ field: 'answers.1.answer', message: expect.stringContaining('U+0007') }]);
    const surrogate = await api('POST', `/api/accounts/${ids.account}/status`, { status: 'at_risk', note: 'half an emoji \ud83d' });
    expect((await errorOf(surrogate)).fields).toEqual([{ field: 'note', message: expect.stringContaining('unpaired UTF-16 surrogate, U+D83D') }]);
    const inQuery = await api('GET', '/api/accounts?q=%7F');
    expect(inQuery.status).toBe(400);
    expect((await errorOf(inQuery)).fields).toEqual([{ field: 'q', message: expect.stringContaining('U+007F') }]);
    const inPath = await api('GET', '/api/accounts/%00');
    expect(inPath.status).toBe(400);
    expect((await errorOf(inPath)).fields).toEqual([{ field: '(path)', message: expect.stringContaining('U+0000') }]);
  });

  it('walks a deeply nested body without overflowing, and names a bad key', async () => {
    const depth = 200_000;
    const deep = await apiRaw('POST', `/api/accounts/${ids.account}/status`, `${'['.repeat(depth)}"x\\u0000"${']'.repeat(depth)}`, 'application/json');
    expect(deep.status).toBe(400);
    expect((await errorOf(deep)).fields[0]!.field).toMatch(/^(0\.){199999}0$/);
    const key = await api('POST', `/api/accounts/${ids.account}/status`, { status: 'at_risk', 'no\u0000te': 'x' });
    expect((await errorOf(key)).fields).toEqual([{ field: 'no\\u0000te', message: expect.stringMatching(/^the field name contains .*U\+0000/) }]);
  });

  it('takes tab, line feed, carriage return and any other Unicode as text', async () => {
    const body = 'Line one\r\n\tLine two: caf\u00e9, \u{1F680}, \u05e9\u05dc\u05d5\u05dd, a\u200db, C1 \u0085';
    const res = await admin.post(`/accounts/${ids.account}/notes`, { body });
    expect(res.status).toBe(303);
    const stored = await h.database.db.select().from(notes).where(eq(notes.accountId, ids.account));
    expect(stored.map((n) => n.body)).toContain(body);
  });

  it('shows a page form again with the error beside the field, without the character, and saves nothing', async () => {
    const res = await admin.post(`/accounts/${ids.account}/tasks`, { title: 'Call\u0000 the champion', dueDate: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('This field contained an invisible control character (U+0000)');
    expect(html).toContain('value="Call the champion"');
    expect(await h.database.db.select().from(tasks).where(eq(tasks.title, 'Call the champion'))).toEqual([]);
  });

  it('gives the AE their answers back with the bad one marked, and does not submit the handoff', async () => {
    const fields = { ...Object.fromEntries(ANSWER_FIELDS.map((f) => [f, `kept ${f}`])), answer_goals: 'Launch\u000c by May', csmUserId: ids.csm };
    const res = await h.app.request(ids.handoffPath, { method: 'POST', body: new URLSearchParams(fields) });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('One answer needs your attention');
    expect(html).toContain('This field contained an invisible control character (U+000C)');
    expect(html).toContain('Launch by May');
    expect(html).toContain('kept answer_risks');
    const page = await h.app.request(ids.handoffPath);
    expect(page.status).toBe(200); // the link still works: nothing was submitted
  });

  it('answers a page request with a bad query or path with the error page naming it', async () => {
    const res = await admin.get('/accounts?q=%1B');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The query parameter &quot;q&quot; contains an invisible control character (U+001B)');
    const handoff = await h.app.request('/handoff/%00');
    expect(handoff.status).toBe(400);
  });
});
