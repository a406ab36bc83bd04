import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { reply, type FakeReply, type RecordedRequest } from './jsonServer.ts';
import { listenOnLoopback } from './loopbackServer.ts';

/**
 * A HubSpot portal stand-in speaking the CRM v3 (objects, search, batch read), v4 associations
 * batch read, owners, pipelines and OAuth v1 wire formats as
 * `@hubspot/api-client` 14 calls them (paths, repeated `properties=`/`associations=` query
 * parameters, form-encoded token requests, HubSpot's error bodies).
 */

type Properties = Record<string, string | null>;
type ObjectType = 'deals' | 'companies' | 'contacts';

interface CrmRecord { id: string; properties: Properties; createdAt: number; updatedAt: number }
interface DealRecord extends CrmRecord { companyIds: string[]; contactIds: string[] }
export interface HubSpotOwner { id: string; email: string; firstName: string; lastName: string; userId: number; createdAt: number }
export interface HubSpotStage { id: string; label: string; probability: number; isClosed: boolean }
export interface HubSpotPipeline { id: string; label: string; stages: HubSpotStage[] }

export interface CompanyInput { name: string; domain?: string; industry?: string; numberofemployees?: number; website?: string }
export interface ContactInput { firstname: string; lastname: string; email: string; jobtitle?: string }
export interface DealInput {
  dealname: string;
  amount?: number;
  /** ISO date or date-time. */
  closedate?: string;
  pipeline?: string;
  dealstage?: string;
  description?: string;
  company?: CompanyInput;
  contacts?: ContactInput[];
  /** An owner to create (or find by email), or the id of one already in the portal. */
  owner?: { email: string; firstName: string; lastName: string } | string;
}

export interface HubSpotFakeOptions {
  portalId?: number;
  /** Bearer tokens valid from the start and never expiring (a private app's token). */
  accessTokens?: string[];
  /** The OAuth app the token endpoint recognises. */
  app?: { clientId: string; clientSecret: string; appId?: number };
  /** Lifetime of OAuth access tokens (HubSpot: 1800 s). */
  tokenTtlSeconds?: number;
  /** Requests per rolling ten seconds (HubSpot's TEN_SECONDLY_ROLLING), and search requests per second. */
  rateLimit?: { perTenSeconds: number; searchPerSecond?: number };
  pipelines?: HubSpotPipeline[];
  /** Clock for record timestamps and token expiry (rate limits always use the real clock). */
  now?: () => number;
}

export const DEFAULT_PIPELINE: HubSpotPipeline = {
  id: 'default', label: 'Sales Pipeline', stages: [
    { id: 'appointmentscheduled', label: 'Appointment Scheduled', probability: 0.2, isClosed: false },
    { id: 'qualifiedtobuy', label: 'Qualified To Buy', probability: 0.4, isClosed: false },
    { id: 'presentationscheduled', label: 'Presentation Scheduled', probability: 0.6, isClosed: false },
    { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', probability: 0.8, isClosed: false },
    { id: 'contractsent', label: 'Contract Sent', probability: 0.9, isClosed: false },
    { id: 'closedwon', label: 'Closed Won', probability: 1, isClosed: true },
    { id: 'closedlost', label: 'Closed Lost', probability: 0, isClosed: true },
  ],
};

// What HubSpot answers when no `properties` are asked for.
const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
};
const ALWAYS: Record<ObjectType, string[]> = {
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  companies: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  contacts: ['createdate', 'lastmodifieddate', 'hs_object_id'],
};
const DATE_PROPERTIES = new Set(['createdate', 'hs_lastmodifieddate', 'lastmodifieddate', 'closedate']);
const SINGULAR: Record<ObjectType, string> = { deals: 'deal', companies: 'company', contacts: 'contact' };
// The v4 API names an object type by its plural, singular or ID.
const OBJECT_NAMES: Record<string, ObjectType> = {
  deals: 'deals', deal: 'deals', '0-3': 'deals', companies: 'companies', company: 'companies', '0-2': 'companies', contacts: 'contacts', contact: 'contacts', '0-1': 'contacts',
};
/** HubSpot's defined association types: unlabeled (deal→company 341, deal→contact 3), and the primary company (5). */
function associationTypesOf(from: ObjectType, to: ObjectType, first: boolean): { category: string; typeId: number; label: string | null }[] {
  const unlabeled: Record<string, number> = { 'deals:companies': 341, 'deals:contacts': 3, 'companies:deals': 342, 'contacts:deals': 4 };
  const types = [{ category: 'HUBSPOT_DEFINED', typeId: unlabeled[`${from}:${to}`] ?? 1, label: null as string | null }];
  if (from === 'deals' && to === 'companies' && first) types.push({ category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' });
  return types;
}

const hsError = (status: number, category: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  reply.json(status, { status: 'error', message, correlationId: randomUUID(), category, ...extra }, headers);
const oauthError = (status: string, message: string) => reply.json(400, { status, message, correlationId: randomUUID() });

/** Canned answers for `once(...)`: HubSpot's own bodies for throttling and outages. */
export const hubspotReply = {
  rateLimited: (retryAfterSeconds = 1): FakeReply => reply.json(429, {
    status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT',
    correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING',
  }, { 'retry-after': String(retryAfterSeconds) }),
  /** The search endpoints' own limit (a few requests per second). */
  secondlyLimited: (retryAfterSeconds = 1): FakeReply => reply.json(429, {
    status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'SECONDLY',
  }, { 'retry-after': String(retryAfterSeconds) }),
  serverError: (): FakeReply => hsError(500, 'INTERNAL_ERROR', 'internal error'),
  hang: (): FakeReply => reply.hang(),
  drop: (): FakeReply => reply.drop(),
};

/** HubSpot's v3 signature decodes these escapes in the request URI (and only these) before signing. */
const SIGNED_URI_ESCAPES: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

/**
 * The headers HubSpot sends with a webhook: base64 HMAC-SHA256, keyed by the app's client secret,
 * of method + URI + raw body + timestamp (ms).
 */
export function signWebhook(args: { clientSecret: string; method?: string; url: string; body: string; timestamp?: number }): Record<string, string> {
  const timestamp = args.timestamp ?? Date.now();
  const uri = args.url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => SIGNED_URI_ESCAPES[m.toUpperCase()] ?? m);
  const signature = createHmac('sha256', args.clientSecret).update(`${args.method ?? 'POST'}${uri}${args.body}${timestamp}`, 'utf8').digest('base64');
  return { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': String(timestamp) };
}

interface DealStageEvent { portalId: number; dealId: string; stageId: string; occurredAt?: number; eventId?: number; attemptNumber?: number; appId?: number }

/** A webhook delivery (HubSpot batches events in one array) of `deal.propertyChange` on `dealstage`. */
export function dealStageWebhookBody(events: DealStageEvent | DealStageEvent[]) {
  return (Array.isArray(events) ? events : [events]).map((e) => ({
    eventId: e.eventId ?? Math.floor(Math.random() * 2 ** 31),
    subscriptionId: 2417893,
    portalId: e.portalId,
    appId: e.appId ?? 1160452,
    occurredAt: e.occurredAt ?? Date.now(),
    subscriptionType: 'deal.propertyChange',
    attemptNumber: e.attemptNumber ?? 0,
    objectId: Number(e.dealId),
    propertyName: 'dealstage',
    propertyValue: e.stageId,
    changeSource: 'CRM_UI',
    sourceId: 'userId:9274996',
  }));
}

/** Comparable form of a property value: dates (ISO or ms strings) and numbers as numbers, text lower-cased. */
function comparable(property: string, value: string | null | undefined): number | string | null {
  if (value === null || value === undefined || value === '') return null;
  if (DATE_PROPERTIES.has(property)) return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value.toLowerCase();
}
function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

interface SearchFilter { propertyName?: string; operator?: string; value?: string; values?: string[]; highValue?: string }

function matches(record: CrmRecord, filter: SearchFilter): boolean | string {
  const property = filter.propertyName;
  if (!property || !filter.operator) return 'filters need a propertyName and an operator';
  const actual = comparable(property, record.properties[property]);
  const wanted = comparable(property, filter.value);
  const cmp = () => (actual === null || wanted === null ? null : compare(actual, wanted));
  switch (filter.operator) {
    case 'EQ': return cmp() === 0;
    case 'NEQ': return cmp() !== 0;
    case 'GT': return (cmp() ?? -1) > 0;
    case 'GTE': return (cmp() ?? -1) >= 0;
    case 'LT': return (cmp() ?? 1) < 0;
    case 'LTE': return (cmp() ?? 1) <= 0;
    case 'BETWEEN': {
      const high = comparable(property, filter.highValue);
      return actual !== null && wanted !== null && high !== null && compare(actual, wanted) >= 0 && compare(actual, high) <= 0;
    }
    case 'IN':
    case 'NOT_IN': {
      const inList = (filter.values ?? []).some((v) => { const c = comparable(property, v); return actual !== null && c !== null && compare(actual, c) === 0; });
      return filter.operator === 'IN' ? inList : !inList;
    }
    case 'HAS_PROPERTY': return actual !== null;
    case 'NOT_HAS_PROPERTY': return actual === null;
    default: return `Unsupported operator ${filter.operator}`;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const listParam = (url: URL, name: string) => url.searchParams.getAll(name).flatMap((v) => v.split(',')).filter(Boolean);

/** Starts the fake on a loopback port; pass `url` as the SDK's `basePath`. */
export async function startHubSpotFake(opts: HubSpotFakeOptions = {}) {
  const now = opts.now ?? Date.now;
  const portalId = opts.portalId ?? 62515;
  const app = { appId: 1160452, ...(opts.app ?? { clientId: 'fake-client-id', clientSecret: 'fake-client-secret' }) };
  const ttl = opts.tokenTtlSeconds ?? 1800;
  const state = {
    deals: new Map<string, DealRecord>(),
    companies: new Map<string, CrmRecord>(),
    contacts: new Map<string, CrmRecord>(),
    owners: new Map<string, HubSpotOwner>(),
    pipelines: opts.pipelines ?? [DEFAULT_PIPELINE],
  };
  // What an install granted: the scopes HubSpot reports for its tokens (access-token info).
  const GRANTED = ['oauth', 'crm.objects.deals.read', 'crm.objects.companies.read', 'crm.objects.contacts.read', 'crm.objects.owners.read'];
  const tokens = new Map<string, { kind: 'access' | 'refresh' | 'code'; expiresAt: number | null; revoked: boolean; redirectUri?: string; scopes?: string[] }>();
  for (const t of opts.accessTokens ?? []) tokens.set(t, { kind: 'access', expiresAt: null, revoked: false });
  const requests: RecordedRequest[] = [];
  const queued: FakeReply[] = [];
  const targeted: { match: (req: RecordedRequest) => boolean; replies: FakeReply[] }[] = [];
  const recent: number[] = [];
  const recentSearches: number[] = [];
  let nextId = 1;
  const newId = (base: number) => String(base + nextId++);
  let lastStamp = 0;
  // Strictly increasing, so two changes in one millisecond still sort apart.
  const stamp = () => (lastStamp = Math.max(now(), lastStamp + 1));

  function record(type: ObjectType, properties: Record<string, string | number | undefined>, base: number): CrmRecord {
    const at = stamp();
    const id = newId(base);
    const props: Properties = { hs_object_id: id, createdate: iso(at), [type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate']: iso(at) };
    for (const [k, v] of Object.entries(properties)) if (v !== undefined) props[k] = String(v);
    return { id, properties: props, createdAt: at, updatedAt: at };
  }

  function ownerFor(owner: DealInput['owner']): string | undefined {
    if (owner === undefined || typeof owner === 'string') return owner;
    const existing = [...state.owners.values()].find((o) => o.email === owner.email);
    if (existing) return existing.id;
    const id = newId(70_000_000);
    state.owners.set(id, { id, ...owner, userId: 9_000_000 + nextId, createdAt: now() });
    return id;
  }

  /** Adds a deal with its company, contacts and owner; answers the ids HubSpot gave them. */
  function addDeal(input: DealInput) {
    const pipeline = state.pipelines.find((p) => p.id === (input.pipeline ?? state.pipelines[0]?.id));
    if (!pipeline) throw new Error(`no pipeline ${input.pipeline}`);
    const stageId = input.dealstage ?? pipeline.stages[0]?.id;
    if (!pipeline.stages.some((s) => s.id === stageId)) throw new Error(`no stage ${stageId} in pipeline ${pipeline.id}`);
    const company = input.company ? record('companies', { ...input.company }, 20_000_000_000) : undefined;
    if (company) state.companies.set(company.id, company);
    const companyId = company?.id;
    const contactIds = (input.contacts ?? []).map((c) => { const r = record('contacts', { ...c }, 100); state.contacts.set(r.id, r); return r.id; });
    const ownerId = ownerFor(input.owner);
    const deal = record('deals', {
      dealname: input.dealname, amount: input.amount, description: input.description, pipeline: pipeline.id, dealstage: stageId,
      closedate: input.closedate ? iso(Date.parse(input.closedate)) : undefined, hubspot_owner_id: ownerId,
    }, 30_000_000_000);
    state.deals.set(deal.id, { ...deal, companyIds: companyId ? [companyId] : [], contactIds });
    return { dealId: deal.id, companyId, contactIds, ownerId };
  }

  /** Moves a deal to another stage of its pipeline, as a user would in the CRM; answers the new hs_lastmodifieddate (ms). */
  function moveDealToStage(dealId: string, stageId: string): number {
    const deal = state.deals.get(dealId);
    if (!deal) throw new Error(`no deal ${dealId}`);
    const pipeline = state.pipelines.find((p) => p.id === deal.properties.pipeline);
    if (!pipeline?.stages.some((s) => s.id === stageId)) throw new Error(`no stage ${stageId} in the deal's pipeline`);
    const at = stamp();
    deal.properties.dealstage = stageId;
    deal.properties.hs_lastmodifieddate = iso(at);
    deal.updatedAt = at;
    return at;
  }

  /** A code as HubSpot puts on the redirect after a user installs the app (granting `scopes`: by default all Relay asks for). */
  function issueAuthCode(redirectUri = 'http://localhost/oauth/hubspot/callback', scopes: string[] = GRANTED): string {
    const code = `code-${randomUUID()}`;
    tokens.set(code, { kind: 'code', expiresAt: now() + 10 * 60_000, revoked: false, redirectUri, scopes });
    return code;
  }

  function present(type: ObjectType, r: CrmRecord, url: URL | null, requested?: string[]) {
    const wanted = requested?.length ? [...new Set([...requested, ...ALWAYS[type]])] : DEFAULT_PROPERTIES[type];
    const properties: Properties = {};
    for (const p of wanted) properties[p] = r.properties[p] ?? null;
    const out: Record<string, unknown> = { id: r.id, properties, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt), archived: false };
    const associations: Record<string, { results: { id: string; type: string }[] }> = {};
    for (const to of url ? listParam(url, 'associations') : []) {
      const ids = associatedIds(type, r.id, to);
      if (ids?.length) associations[to] = { results: ids.map((id) => ({ id, type: `${SINGULAR[type]}_to_${SINGULAR[to as ObjectType] ?? to}` })) };
    }
    if (Object.keys(associations).length) out.associations = associations;
    return out;
  }

  function associatedIds(from: ObjectType, id: string, to: string): string[] | undefined {
    if (from === 'deals') {
      const deal = state.deals.get(id);
      return to === 'companies' ? deal?.companyIds : to === 'contacts' ? deal?.contactIds : undefined;
    }
    if (to !== 'deals') return undefined;
    return [...state.deals.values()].filter((d) => (from === 'companies' ? d.companyIds : d.contactIds).includes(id)).map((d) => d.id);
  }

  function authenticate(req: RecordedRequest): FakeReply | null {
    const header = req.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const known = tokens.get(token);
    if (!known || known.kind !== 'access' || known.revoked) {
      return hsError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    }
    if (known.expiresAt !== null && known.expiresAt <= now()) {
      const ago = Math.max(1, Math.round((now() - known.expiresAt) / 1000));
      return hsError(401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${ago} second(s) ago.`);
    }
    return null;
  }

  /** A rolling window: answers 429 once `limit` requests were let through in the last `windowMs`. */
  function throttle(window: number[], limit: number, windowMs: number): number | null {
    const t = Date.now();
    while (window.length && window[0]! <= t - windowMs) window.shift();
    if (window.length >= limit) return Math.max(1, Math.ceil((window[0]! + windowMs - t) / 1000));
    window.push(t);
    return null;
  }

  function tokenGrant(form: Record<string, string>): FakeReply {
    if (form.client_id !== app.clientId) return oauthError('BAD_CLIENT_ID', 'missing or invalid client id');
    if (form.client_secret !== app.clientSecret) return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    let refreshToken: string;
    let scopes: string[] | undefined;
    if (form.grant_type === 'authorization_code') {
      const code = tokens.get(form.code ?? '');
      if (!code || code.kind !== 'code' || code.revoked || (code.expiresAt ?? 0) <= now()) return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
      if (code.redirectUri !== form.redirect_uri) return oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match initial authorization redirect_uri');
      code.revoked = true; // single use
      refreshToken = `refresh-${randomUUID()}`;
      scopes = code.scopes;
      tokens.set(refreshToken, { kind: 'refresh', expiresAt: null, revoked: false, ...(scopes ? { scopes } : {}) });
    } else if (form.grant_type === 'refresh_token') {
      const known = tokens.get(form.refresh_token ?? '');
      if (!known || known.kind !== 'refresh' || known.revoked) return oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
      refreshToken = form.refresh_token!; // HubSpot keeps the refresh token
      scopes = known.scopes;
    } else {
      return oauthError('BAD_GRANT_TYPE', 'missing or invalid grant type');
    }
    const accessToken = `access-${randomUUID()}`;
    tokens.set(accessToken, { kind: 'access', expiresAt: now() + ttl * 1000, revoked: false, ...(scopes ? { scopes } : {}) });
    return reply.json(200, { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: ttl });
  }

  function search(type: ObjectType, body: Record<string, unknown>): FakeReply {
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const offset = body.after === undefined ? 0 : Number(body.after);
    if (limit < 1 || limit > 200 || !Number.isInteger(offset) || offset < 0) return hsError(400, 'VALIDATION_ERROR', 'There was a problem with the request.');
    const groups = Array.isArray(body.filterGroups) ? body.filterGroups as { filters?: SearchFilter[] }[] : [];
    if (groups.length > 5) return hsError(400, 'VALIDATION_ERROR', 'There was a problem with the request.', { errors: [{ message: 'Too many filter groups (5 max).' }] });
    let problem: string | null = null;
    const all = [...(state[type] as Map<string, CrmRecord>).values()].filter((r) => !groups.length || groups.some((g) => (g.filters ?? []).every((f) => {
      const m = matches(r, f);
      if (typeof m === 'string') problem = m;
      return m === true;
    })));
    if (problem) return hsError(400, 'VALIDATION_ERROR', problem);
    // HubSpot sorts by `{ propertyName, direction }` objects. The SDK types `sorts` as string[]
    // (HubSpot/hubspot-api-nodejs#559); strings, such as a JSON-encoded sort, are ignored, as by HubSpot (#14).
    const sort = (Array.isArray(body.sorts) ? body.sorts[0] : undefined) as { propertyName?: string; direction?: string } | string | undefined;
    const by = typeof sort === 'object' ? sort.propertyName : undefined;
    const descending = typeof sort === 'object' && sort.direction === 'DESCENDING';
    all.sort((a, b) => {
      const x = by ? comparable(by, a.properties[by]) : null;
      const y = by ? comparable(by, b.properties[by]) : null;
      const c = x === null || y === null ? (x === null ? (y === null ? 0 : 1) : -1) : compare(x, y);
      return (descending ? -c : c) || compare(Number(a.id), Number(b.id));
    });
    const page = all.slice(offset, offset + limit);
    const properties = Array.isArray(body.properties) ? body.properties as string[] : undefined;
    const next = offset + limit < all.length ? { paging: { next: { after: String(offset + limit), link: `?after=${offset + limit}` } } } : {};
    return reply.json(200, { total: all.length, results: page.map((r) => present(type, r, null, properties)), ...next });
  }

  /**
   * `POST /crm/v4/associations/{from}/{to}/batch/read`: each input's associated IDs (as numbers,
   * with their association types), 100 inputs a call; an input with none associated is not a result
   * but an error of a 207, as HubSpot answers it.
   */
  function associationsBatchRead(fromName: string, toName: string, body: { inputs?: { id?: unknown }[] }): FakeReply {
    const from = OBJECT_NAMES[fromName.toLowerCase()];
    const to = OBJECT_NAMES[toName.toLowerCase()];
    if (!from || !to) return hsError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${!from ? fromName : toName}`);
    const inputs = body.inputs ?? [];
    if (inputs.length > 100) return hsError(400, 'VALIDATION_ERROR', 'Batch input limit exceeded: 100');
    const at = iso(Date.now());
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const ids = (state[from] as Map<string, CrmRecord>).has(id) ? associatedIds(from, id, to) ?? [] : [];
      if (!ids.length) {
        errors.push({
          status: 'error', category: 'OBJECT_NOT_FOUND', subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          context: { fromObjectId: [id] }, message: `No ${SINGULAR[to]} is associated with ${SINGULAR[from]} ${id}.`, errors: [],
        });
        continue;
      }
      results.push({
        from: { id },
        to: ids.map((toId, i) => ({ toObjectId: Number(toId), associationTypes: associationTypesOf(from, to, i === 0) })),
      });
    }
    if (!errors.length) return reply.json(200, { status: 'COMPLETE', results, startedAt: at, completedAt: at });
    return reply.json(207, { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt: at, completedAt: at });
  }

  function route(req: RecordedRequest, url: URL): FakeReply {
    const { method } = req;
    const path = url.pathname;
    if (method === 'POST' && path === '/oauth/v1/token') return tokenGrant((req.body ?? {}) as Record<string, string>);
    const tokenInfo = /^\/oauth\/v1\/access-tokens\/([^/]+)$/.exec(path);
    if (method === 'GET' && tokenInfo) {
      const token = decodeURIComponent(tokenInfo[1]!);
      const known = tokens.get(token);
      if (!known || known.kind !== 'access' || known.revoked || (known.expiresAt ?? Infinity) <= now()) return hsError(404, 'OBJECT_NOT_FOUND', 'Token not found');
      return reply.json(200, {
        token, user: [...state.owners.values()][0]?.email ?? 'installer@relay.example', hub_domain: `relay-test-${portalId}.com`,
        scopes: known.scopes ?? GRANTED,
        hub_id: portalId, app_id: app.appId, expires_in: known.expiresAt === null ? ttl : Math.round((known.expiresAt - now()) / 1000), user_id: 9274996, token_type: 'access',
      });
    }
    const denied = authenticate(req);
    if (denied) return denied;
    const isSearch = method === 'POST' && /\/search$/.test(path);
    if (opts.rateLimit) {
      const wait = throttle(recent, opts.rateLimit.perTenSeconds, 10_000);
      if (wait !== null) return hubspotReply.rateLimited(wait);
      const searchWait = isSearch && opts.rateLimit.searchPerSecond ? throttle(recentSearches, opts.rateLimit.searchPerSecond, 1000) : null;
      if (searchWait !== null) return hubspotReply.secondlyLimited(searchWait);
    }
    const object = /^\/crm\/v3\/objects\/(deals|companies|contacts)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (object) {
      const type = object[1] as ObjectType;
      const store = state[type] as Map<string, CrmRecord>;
      if (method === 'POST' && object[2] === 'search' && !object[3]) return search(type, (req.body ?? {}) as Record<string, unknown>);
      if (method === 'POST' && object[2] === 'batch' && object[3] === 'read') {
        const body = (req.body ?? {}) as { inputs?: { id: string }[]; properties?: string[] };
        const inputs = body.inputs ?? [];
        if (inputs.length > 100) return hsError(400, 'VALIDATION_ERROR', 'Batch input limit exceeded: 100');
        const found = inputs.map((i) => store.get(String(i.id))).filter((r): r is CrmRecord => !!r);
        const missing = inputs.map((i) => String(i.id)).filter((id) => !store.has(id));
        const at = iso(Date.now());
        const results = found.map((r) => present(type, r, null, body.properties));
        if (!missing.length) return reply.json(200, { status: 'COMPLETE', results, startedAt: at, completedAt: at });
        return reply.json(207, {
          status: 'COMPLETE', results, numErrors: 1, startedAt: at, completedAt: at,
          errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: missing } }],
        });
      }
      if (method === 'GET' && object[2] && !object[3]) {
        const found = store.get(decodeURIComponent(object[2]));
        if (!found) return hsError(404, 'OBJECT_NOT_FOUND', `Object not found.  objectId are usually numeric.`, { context: { id: [object[2]] } });
        return reply.json(200, present(type, found, url, listParam(url, 'properties')));
      }
    }
    const associations = /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/read$/.exec(path);
    if (method === 'POST' && associations) return associationsBatchRead(associations[1]!, associations[2]!, (req.body ?? {}) as { inputs?: { id?: unknown }[] });
    const owner = /^\/crm\/v3\/owners\/([^/]*)$/.exec(path);
    if (method === 'GET' && owner) {
      const presentOwner = (o: HubSpotOwner) => ({
        id: o.id, email: o.email, type: 'PERSON', firstName: o.firstName, lastName: o.lastName, userId: o.userId,
        userIdIncludingInactive: o.userId, createdAt: iso(o.createdAt), updatedAt: iso(o.createdAt), archived: false, teams: [],
      });
      if (!owner[1]) {
        // Paged by `limit` (at most 500) and the `after` cursor HubSpot hands back.
        const email = url.searchParams.get('email');
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const offset = Number(url.searchParams.get('after') ?? 0);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500 || !Number.isInteger(offset) || offset < 0) return hsError(400, 'VALIDATION_ERROR', 'There was a problem with the request.');
        const all = [...state.owners.values()].filter((o) => !email || o.email === email);
        const next = offset + limit < all.length ? { paging: { next: { after: String(offset + limit), link: `?after=${offset + limit}` } } } : {};
        return reply.json(200, { results: all.slice(offset, offset + limit).map(presentOwner), ...next });
      }
      const found = state.owners.get(decodeURIComponent(owner[1]));
      return found ? reply.json(200, presentOwner(found)) : hsError(404, 'OBJECT_NOT_FOUND', 'Resource not found');
    }
    const pipelines = /^\/crm\/v3\/pipelines\/deals(?:\/([^/]+))?$/.exec(path);
    if (method === 'GET' && pipelines) {
      const created = iso(Date.UTC(2024, 0, 1));
      const presentPipeline = (p: HubSpotPipeline, i: number) => ({
        id: p.id, label: p.label, displayOrder: i, createdAt: created, updatedAt: created, archived: false,
        stages: p.stages.map((s, j) => ({
          id: s.id, label: s.label, displayOrder: j, metadata: { isClosed: String(s.isClosed), probability: String(s.probability) },
          createdAt: created, updatedAt: created, archived: false, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
        })),
      });
      if (!pipelines[1]) return reply.json(200, { results: state.pipelines.map(presentPipeline) });
      const i = state.pipelines.findIndex((p) => p.id === pipelines[1]);
      return i >= 0 ? reply.json(200, presentPipeline(state.pipelines[i]!, i)) : hsError(404, 'OBJECT_NOT_FOUND', `Unable to find pipeline ${pipelines[1]}`);
    }
    return hsError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://hubspot.fake');
    let body: unknown;
    if (raw && String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
    else if (raw) { try { body = JSON.parse(raw); } catch { body = undefined; } }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    requests.push(recorded);
    const aimed = targeted.find((t) => t.replies.length && t.match(recorded));
    const answer = queued.shift() ?? aimed?.replies.shift() ?? route(recorded, url);
    if (answer.kind === 'hang') return;
    if (answer.kind === 'drop') { req.socket.destroy(); return; }
    const headers: Record<string, string> = { 'content-type': 'application/json;charset=utf-8', ...answer.headers };
    if (opts.rateLimit) {
      Object.assign(headers, {
        'x-hubspot-ratelimit-interval-milliseconds': '10000', 'x-hubspot-ratelimit-max': String(opts.rateLimit.perTenSeconds),
        'x-hubspot-ratelimit-remaining': String(Math.max(0, opts.rateLimit.perTenSeconds - recent.length)),
      });
    }
    res.writeHead(answer.status, headers);
    res.end(JSON.stringify(answer.body));
  }

  const server = createServer((req, res) => { void handle(req, res); });
  const listening = await listenOnLoopback(server);
  return {
    /** What to pass as the SDK's `basePath` (like https://api.hubapi.com). */
    url: listening.url,
    portalId,
    app,
    state,
    /** Every request, in order (form bodies parsed to an object). */
    requests,
    /** Replies for the next requests, whatever they ask, before the portal's usual behaviour. */
    once: (...next: FakeReply[]) => { queued.push(...next); },
    /** Replies for the next requests that `match` (method, path, body), before the portal's usual behaviour. */
    onceWhen: (match: (req: RecordedRequest) => boolean, ...next: FakeReply[]) => { targeted.push({ match, replies: next }); },
    addDeal,
    moveDealToStage,
    issueAuthCode,
    /** Revokes an access or refresh token (an uninstall); later use answers 401 / BAD_REFRESH_TOKEN. */
    revokeToken: (token: string) => { const t = tokens.get(token); if (t) t.revoked = true; },
    /** Makes an OAuth access token expire now. */
    expireToken: (token: string) => { const t = tokens.get(token); if (t) t.expiresAt = now() - 1000; },
    close: listening.close,
  };
}
