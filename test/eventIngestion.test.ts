import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { accountEventDays, eventMessageKeys, events, writeKeys } from '../db/schema/index.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { apiEvents, apiEventsBodySchema } from '../domain/apiEvents.ts';
import { ENGAGEMENT_SIGNALS } from '../domain/events.ts';
import { startHttpServer, type RunningHttpServer } from '../platform/httpServer.ts';
import { ingestEvents } from '../services/events/ingestEvents.ts';
import { matchEventsToAccount } from '../services/events/matchEvents.ts';
import { foldPendingEvents } from '../services/health/scoring.ts';
import { accountBody, createHarness, type Harness, type TestOrganisation } from './harness.ts';

/**
 * Events in (issue 10, part 1): the real Segment and PostHog SDKs pointed at Relay, Relay's own
 * POST /api/events, matching (account ID, company domain, email domain; never a public mail domain),
 * late matching, idempotency, all-or-nothing validation, limits, write keys and tenancy, on the real
 * app, Postgres and its partitions; and the same migration and an insert on PGlite.
 */

let h: Harness;
let a: TestOrganisation;
let b: TestOrganisation;
let writeKeyA = '';
let writeKeyB = '';
let server: RunningHttpServer;

/** In front of the app: records what the SDKs send and can lose the answer to a request (a 503 after Relay stored it), so the SDK retries. */
interface Seen { path: string; headers: Record<string, string>; sent: Uint8Array; status: number; body: Record<string, unknown> }
const seen: Seen[] = [];
let loseNextAnswers = 0;
let base = '';

type Created = { id: string; domain: string };
async function createAccount(org: TestOrganisation, overrides: Record<string, unknown> = {}): Promise<Created> {
  const body = accountBody(overrides);
  const res = await org.api('/api/accounts', { body });
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = await res.json() as { id: string };
  return { id, domain: new URL(body.website as string).hostname.replace(/^www\./, '') };
}

async function newWriteKey(org: TestOrganisation, name?: string): Promise<string> {
  const res = await org.api('/api/write-keys', { body: name ? { name } : {} });
  expect(res.status).toBe(201);
  return (await res.json() as { writeKey: string }).writeKey;
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(h.app.request(path, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : body instanceof Uint8Array ? new Blob([body as Uint8Array<ArrayBuffer>]) : JSON.stringify(body),
  }));
}
const segment = (path: string, body: unknown, key = writeKeyA) => post(path, body, { authorization: basic(key) });
const apiEventsPost = (org: TestOrganisation, body: unknown) => org.api('/api/events', { body });

async function eventsOf(orgId: string) {
  return h.database.db.select().from(events).where(eq(events.orgId, orgId)).orderBy(asc(events.occurredAt), asc(events.messageKey));
}
/** The account's daily rollups as scoring reads them: after the fold that comes before every scoring. */
async function daysOf(orgId: string, accountId: string) {
  await foldPendingEvents(h.database.db, [orgId]);
  const rows = await h.database.db.select().from(accountEventDays).where(and(eq(accountEventDays.orgId, orgId), eq(accountEventDays.accountId, accountId)));
  return Object.fromEntries(rows.map((r) => [`${r.day} ${r.eventType}`, r.count]));
}
const countOf = async (orgId: string) => (await h.database.db.select({ n: count() }).from(events).where(eq(events.orgId, orgId)))[0]!.n;
const today = () => new Date().toISOString().slice(0, 10);
const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  a = await h.newOrganisation();
  b = await h.newOrganisation();
  writeKeyA = await newWriteKey(a, 'segment prod');
  writeKeyB = await newWriteKey(b);
  server = await startHttpServer(async (req) => {
    const raw = new Uint8Array(await req.arrayBuffer());
    const res = await h.app.fetch(new Request(req.url, { method: req.method, headers: req.headers, body: req.method === 'GET' ? null : raw }));
    const path = new URL(req.url).pathname;
    const headers = Object.fromEntries(req.headers.entries());
    const answer = await res.text();
    const body = (answer.startsWith('{') ? JSON.parse(answer) : { text: answer }) as Record<string, unknown>;
    if (loseNextAnswers > 0 && res.status === 200) {
      loseNextAnswers -= 1;
      seen.push({ path, headers, sent: raw, status: 503, body });
      return new Response('{"error":"answer lost"}', { status: 503, headers: { 'content-type': 'application/json' } });
    }
    seen.push({ path, headers, sent: raw, status: res.status, body });
    return new Response(answer, { status: res.status, headers: res.headers });
  }, 0);
  base = `http://127.0.0.1:${server.port}`;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await h?.close();
});

describe('write keys', () => {
  it('are made by POST /api/write-keys (shown once), listed without secrets, stored hashed, and revoked', async () => {
    const res = await a.api('/api/write-keys', { body: { name: 'posthog staging' } });
    expect(res.status).toBe(201);
    const created = await res.json() as { id: string; name: string; prefix: string; writeKey: string; createdAt: string };
    expect(created).toMatchObject({ name: 'posthog staging', writeKey: expect.stringMatching(/^wk_[A-Za-z0-9_-]{43}$/), prefix: created.writeKey.slice(0, 7) });

    const listed = await (await a.api('/api/write-keys')).json() as { items: Record<string, unknown>[] };
    expect(listed.items.map((k) => k.name)).toEqual(expect.arrayContaining(['posthog staging', 'segment prod']));
    expect(JSON.stringify(listed)).not.toContain(created.writeKey);
    expect(listed.items.every((k) => !('writeKey' in k) && !('keyHash' in k))).toBe(true);
    const [row] = await h.database.db.select().from(writeKeys).where(eq(writeKeys.id, created.id));
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(created.writeKey);
    // B sees none of A's keys and cannot revoke them.
    expect(JSON.stringify(await (await b.api('/api/write-keys')).json())).not.toContain(created.id);
    expect((await b.api(`/api/write-keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);

    const ok = await segment('/v1/track', { userId: 'u', event: 'Key Works', messageId: `k-${created.id}` }, created.writeKey);
    expect(ok.status).toBe(200);
    const revoked = await a.api(`/api/write-keys/${created.id}`, { method: 'DELETE' });
    expect(await revoked.json()).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    const refused = await segment('/v1/track', { userId: 'u', event: 'Key Revoked' }, created.writeKey);
    expect(refused.status).toBe(401);
  });

  it('refuse a missing or wrong write key with 401, before touching anything (JSON, with a request ID)', async () => {
    const before = await countOf(a.orgId);
    const track = { userId: 'u', event: 'Nope' };
    const attempts: [string, Promise<Response>][] = [
      ['segment, no key', post('/v1/batch', { batch: [{ type: 'track', ...track }] })],
      ['segment, wrong key', segment('/v1/batch', { batch: [{ type: 'track', ...track }] }, 'wk_not-a-key')],
      ['segment, wrong key in the body', post('/v1/batch', { writeKey: 'wk_wrong', batch: [{ type: 'track', ...track }] })],
      ['segment, an API key', post('/v1/track', track, { authorization: `Bearer ${a.apiKey}` })],
      ['segment, an API key as the write key', segment('/v1/track', track, a.apiKey)],
      ['posthog, no key', post('/batch/', { batch: [{ event: 'nope', distinct_id: 'u' }] })],
      ['posthog, wrong key', post('/capture/', { api_key: 'wk_wrong', event: 'nope', distinct_id: 'u' })],
      ['api, a write key', post('/api/events', { events: [{ type: 'x', occurredAt: iso() }] }, { authorization: `Bearer ${writeKeyA}` })],
    ];
    for (const [what, pending] of attempts) {
      const res = await pending;
      expect(res.status, what).toBe(401);
      expect(await res.json(), what).toMatchObject({ error: { code: 'unauthorized', requestId: expect.any(String) } });
    }
    expect(await countOf(a.orgId)).toBe(before);
  });
});

describe('the real SDKs, pointed at Relay', () => {
  it('@segment/analytics-node: identify, group and track land once, matched through what identify and group taught; a retried batch stores nothing twice', async () => {
    const acct = await createAccount(a);
    const other = await createAccount(a);
    seen.length = 0;
    loseNextAnswers = 1; // Relay stores the batch, the SDK never hears so, and sends it again.
    const analytics = new Analytics({ writeKey: writeKeyA, host: base, flushAt: 50, flushInterval: 60_000, maxRetries: 3 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-user-1', traits: { email: `peter@${acct.domain}`, name: 'Peter' } });
    analytics.track({ userId: 'seg-user-1', event: 'Report Viewed', properties: { report: 'TPS' } });
    analytics.group({ userId: 'seg-user-2', groupId: 'seg-group-1', traits: { name: 'Initech', website: `https://www.${acct.domain}/about` } });
    analytics.track({ userId: 'seg-user-2', event: 'Dashboard Opened', context: { groupId: 'seg-group-1' } });
    analytics.page({ userId: 'seg-user-3', name: 'Pricing', properties: { relayAccountId: other.id } });
    analytics.track({ anonymousId: 'anon-1', event: 'Signed Up', timestamp: new Date(Date.now() - 3 * 86_400_000) });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);

    const posts = seen.filter((s) => s.path === '/v1/batch');
    expect(posts.map((s) => s.status)).toEqual([503, 200]);
    expect(posts[0]!.headers.authorization).toBe(basic(writeKeyA));
    expect(posts[0]!.body).toMatchObject({ success: true, received: 6, stored: 6, duplicates: 0 });
    expect(posts[1]!.body).toMatchObject({ success: true, received: 6, stored: 0, duplicates: 6 });

    const stored = (await eventsOf(a.orgId)).filter((e) => e.source === 'segment' && e.userId?.match(/^(seg-user|anon-1)/));
    expect(stored.map((e) => [e.type, e.userId, e.accountId]).sort()).toEqual([
      ['$group', 'seg-user-2', acct.id],
      ['$identify', 'seg-user-1', acct.id],
      ['$page', 'seg-user-3', other.id],
      ['Dashboard Opened', 'seg-user-2', acct.id],
      ['Report Viewed', 'seg-user-1', acct.id],
      ['Signed Up', 'anon-1', null],
    ].sort());
    expect(stored.find((e) => e.type === 'Report Viewed')).toMatchObject({ emailDomain: acct.domain, properties: { report: 'TPS' } });
    expect(stored.find((e) => e.type === '$page')!.properties).toMatchObject({ name: 'Pricing' });
    expect(stored.every((e) => /^segment:/.test(e.messageKey))).toBe(true);
    expect(await daysOf(a.orgId, acct.id)).toEqual({
      [`${today()} $identify`]: 1, [`${today()} Report Viewed`]: 1, [`${today()} $group`]: 1, [`${today()} Dashboard Opened`]: 1,
    });

    // The same batch sent again by hand: still nothing new, and the rollups unchanged.
    const again = await post('/v1/batch', posts[0]!.sent, { authorization: basic(writeKeyA) });
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 6 });
    expect(await daysOf(a.orgId, acct.id)).toEqual({
      [`${today()} $identify`]: 1, [`${today()} Report Viewed`]: 1, [`${today()} $group`]: 1, [`${today()} Dashboard Opened`]: 1,
    });

    // What identify taught is kept: a later call with only the user ID is matched.
    const later = await segment('/v1/track', { userId: 'seg-user-1', event: 'Came Back', messageId: 'seg-later-1' });
    expect(await later.json()).toMatchObject({ success: true, stored: 1, matched: 1 });
  });

  it('posthog-node: gzipped batches to /batch/ land once, matched by person email, $groups and relayAccountId; a retried batch stores nothing twice', async () => {
    const acct = await createAccount(a);
    const other = await createAccount(a);
    seen.length = 0;
    loseNextAnswers = 1;
    const posthog = new PostHog(writeKeyA, { host: base, flushAt: 50, flushInterval: 0, fetchRetryCount: 3, fetchRetryDelay: 50 });
    const errors: unknown[] = [];
    posthog.on('error', (e) => errors.push(e));
    posthog.identify({ distinctId: 'ph-user-1', properties: { email: `milton@${acct.domain}` } });
    posthog.groupIdentify({ groupType: 'company', groupKey: 'ph-company-1', properties: { name: 'Initech', domain: acct.domain } });
    posthog.capture({ distinctId: 'ph-user-2', event: 'feature used', properties: { feature: 'stapler' }, groups: { company: 'ph-company-1' } });
    posthog.capture({ distinctId: 'ph-user-1', event: 'report exported' });
    posthog.capture({ distinctId: 'ph-user-3', event: 'invoice paid', properties: { relayAccountId: other.id } });
    posthog.capture({ distinctId: 'ph-user-4', event: 'browsed', properties: { $set: { email: 'someone@gmail.com' } } });
    await posthog.shutdown(20_000);
    expect(errors).toEqual([]);

    const posts = seen.filter((s) => s.path === '/batch/');
    expect(posts.map((s) => s.status)).toEqual([503, 200]);
    expect(posts[0]!.headers['content-encoding']).toBe('gzip');
    expect(posts[0]!.body).toMatchObject({ status: 1, received: 6, stored: 6 });
    expect(posts[1]!.body).toMatchObject({ status: 1, received: 6, stored: 0, duplicates: 6 });

    const stored = (await eventsOf(a.orgId)).filter((e) => e.source === 'posthog');
    expect(stored.map((e) => [e.type, e.accountId]).sort()).toEqual([
      ['$groupidentify', acct.id],
      ['$identify', acct.id],
      ['browsed', null],
      ['feature used', acct.id],
      ['invoice paid', other.id],
      ['report exported', acct.id],
    ].sort());
    expect(stored.every((e) => /^posthog:[0-9a-f-]{36}$/.test(e.messageKey))).toBe(true);
    expect(stored.find((e) => e.type === 'browsed')).toMatchObject({ emailDomain: 'gmail.com', groupDomain: null });
    const days = await daysOf(a.orgId, acct.id);
    expect(days[`${today()} feature used`]).toBe(1);
    expect(days[`${today()} report exported`]).toBe(1);

    // The single-event paths take the same format.
    for (const path of ['/capture/', '/i/v0/e/', '/e/']) {
      const res = await post(path, { api_key: writeKeyA, event: 'single', distinct_id: 'ph-user-1', uuid: crypto.randomUUID(), timestamp: iso() });
      expect(await res.json(), path).toMatchObject({ status: 1, stored: 1, matched: 1 });
    }
  });
});

describe('POST /api/events', () => {
  it('matches by account ID, then company domain, then email domain; never by a public mail domain', async () => {
    const acct = await createAccount(a);
    const other = await createAccount(a);
    const at = iso(3_600_000);
    const res = await apiEventsPost(a, {
      events: [
        ...ENGAGEMENT_SIGNALS.map((type) => ({ type, accountId: acct.id, occurredAt: at })),
        { type: 'login', domain: `https://WWW.${acct.domain.toUpperCase()}/x`, occurredAt: at },
        { type: 'login', email: `pat@${acct.domain}`, occurredAt: at, properties: { seat: 3 } },
        { type: 'login', accountId: other.id, domain: acct.domain, occurredAt: at },
        { type: 'login', domain: 'nobody-has-this.example', email: `kim@${acct.domain}`, occurredAt: at },
        { type: 'login', domain: 'gmail.com', email: 'pat@gmail.com', occurredAt: at },
        { type: 'login', email: 'pat@outlook.com', occurredAt: at },
      ],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 11, stored: 11, duplicates: 0, matched: 9, unmatched: 2 });
    const day = at.slice(0, 10);
    expect(await daysOf(a.orgId, acct.id)).toEqual({
      ...Object.fromEntries(ENGAGEMENT_SIGNALS.map((t) => [`${day} ${t}`, 1])), [`${day} login`]: 3,
    });
    expect(await daysOf(a.orgId, other.id)).toEqual({ [`${day} login`]: 1 });
    const unmatched = await (await a.api('/api/events/unmatched')).json() as { items: { kind: string; domain: string | null; events: number }[] };
    expect(unmatched.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'public', domain: 'gmail.com' }), expect.objectContaining({ kind: 'public', domain: 'outlook.com' }),
    ]));
    expect(unmatched.items.map((i) => i.domain)).not.toContain('nobody-has-this.example');
  });

  it('stores a batch once, whether its events carry IDs or not (content hash)', async () => {
    const acct = await createAccount(a);
    const at = iso(60_000);
    const batch = {
      events: [
        { type: 'meeting_held', accountId: acct.id, occurredAt: at, id: `mtg-${acct.id}` },
        // The same content, keys in another order: one event. The same a second later: another.
        { type: 'ticket_opened', accountId: acct.id, occurredAt: at, properties: { b: 2, a: 1 } },
        { type: 'ticket_opened', accountId: acct.id, occurredAt: at, properties: { a: 1, b: 2 } },
        { type: 'ticket_opened', accountId: acct.id, occurredAt: new Date(Date.parse(at) + 1000).toISOString(), properties: { a: 1, b: 2 } },
      ],
    };
    expect(await (await apiEventsPost(a, batch)).json()).toEqual({ received: 4, stored: 3, duplicates: 1, matched: 3, unmatched: 0 });
    expect(await (await apiEventsPost(a, batch)).json()).toEqual({ received: 4, stored: 0, duplicates: 4, matched: 0, unmatched: 0 });
    const rollup = await daysOf(a.orgId, acct.id);
    expect(Object.values(rollup).reduce((x, y) => x + y, 0)).toBe(3);
    expect(rollup[`${at.slice(0, 10)} meeting_held`]).toBe(1);
    const keys = await h.database.db.select().from(eventMessageKeys).where(and(eq(eventMessageKeys.orgId, a.orgId), eq(eventMessageKeys.messageKey, `api:mtg-${acct.id}`)));
    expect(keys).toHaveLength(1);
  });

  it('refuses a bad event with 400 naming its index and field, and stores nothing of the batch', async () => {
    const acct = await createAccount(a);
    const before = await countOf(a.orgId);
    const good = { type: 'login', accountId: acct.id, occurredAt: iso() };
    const cases: [unknown, string[]][] = [
      [{ events: [good, good, good, { ...good, occurredAt: 'yesterday' }] }, ['events.3.occurredAt']],
      [{ events: [good, { ...good, occurredAt: '2026-11-30T10:00:00' }] }, ['events.1.occurredAt']],
      [{ events: [good, { ...good, occurredAt: '1999-12-31T23:59:59Z' }] }, ['events.1.occurredAt']],
      [{ events: [{ ...good, occurredAt: new Date(Date.now() + 2 * 86_400_000).toISOString() }] }, ['events.0.occurredAt']],
      [{ events: [good, { ...good, type: '' }, { ...good, email: 'not-an-email' }, { ...good, domain: 'not a domain' }] }, ['events.1.type', 'events.2.email', 'events.3.domain']],
      [{ events: [good, { ...good, accountId: 'no-such-account' }] }, ['events.1.accountId']],
      [{ events: [good, { ...good, properties: { blob: 'x'.repeat(40_000) } }] }, ['events.1']],
      [{ events: [good, { ...good, colour: 'red' }] }, ['events.1']],
      [{ events: [] }, ['events']],
      [{ events: [{ ...good, properties: ['not', 'an', 'object'] }] }, ['events.0.properties']],
    ];
    for (const [body, fields] of cases) {
      const res = await apiEventsPost(a, body);
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      const error = (await res.json() as { error: { code: string; fields: { field: string; message: string }[] } }).error;
      expect(error.code).toBe('validation');
      expect(error.fields.map((f) => f.field), JSON.stringify(error.fields)).toEqual(fields);
    }
    const tooOld = await apiEventsPost(a, { events: [{ ...good, occurredAt: '1999-12-31T23:59:59Z' }] });
    expect(JSON.stringify(await tooOld.json())).toContain('must not be before 2000-01-01');
    expect(await countOf(a.orgId)).toBe(before);
  });

  it('names the index and field for the SDK formats too, all or nothing', async () => {
    const before = await countOf(a.orgId);
    const ok = { type: 'track', userId: 'u', event: 'Fine' };
    const seg = await segment('/v1/batch', { batch: [ok, ok, { type: 'track', userId: 'u' }, { ...ok, timestamp: 'soon' }, { type: 'teleport', userId: 'u' }] });
    expect(seg.status).toBe(400);
    const segFields = (await seg.json() as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field);
    expect(segFields).toEqual(expect.arrayContaining(['batch.2.event', 'batch.3.timestamp', 'batch.4.type']));
    const single = await segment('/v1/group', { userId: 'u', traits: {} });
    expect((await single.json() as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field)).toEqual(['groupId']);
    const ph = await post('/batch/', { api_key: writeKeyA, batch: [{ event: 'x', distinct_id: 'u' }, { event: 'x', distinct_id: 'u', timestamp: '1990-01-01T00:00:00Z' }] });
    expect(ph.status).toBe(400);
    expect((await ph.json() as { error: { fields: { field: string }[] } }).error.fields.map((f) => f.field)).toEqual(['batch.1.timestamp']);
    const big = await segment('/v1/batch', { batch: [ok, { ...ok, properties: { blob: 'x'.repeat(33 * 1024) } }] });
    expect((await big.json() as { error: { fields: { field: string; message: string }[] } }).error.fields).toEqual([
      { field: 'batch.1', message: expect.stringContaining('at most 32 KB') },
    ]);
    // A gzipped body gets the one rule for text too, and must be gzip.
    const nul = await post('/batch/', gzipSync(JSON.stringify({ api_key: writeKeyA, batch: [{ event: 'x', distinct_id: 'u', properties: { note: 'a\u0000b' } }] })), { 'content-encoding': 'gzip' });
    expect(nul.status).toBe(400);
    expect((await nul.json() as { error: { fields: { field: string; message: string }[] } }).error.fields).toEqual([
      { field: 'batch.0.properties.note', message: expect.stringContaining('U+0000') },
    ]);
    expect((await post('/batch/', '{"api_key":"x"}', { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post('/batch/', '{"api_key":"x"}', { 'content-encoding': 'br' })).status).toBe(400);
    expect(await countOf(a.orgId)).toBe(before);
  });

  it('answers 413 for a body over 1 MB, on the wire or after gzip, on every ingestion route', async () => {
    const before = await countOf(a.orgId);
    const manyEvents = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u${i}`, event: 'Bulk', properties: { pad: 'y'.repeat(1000) } }));
    const overMb = JSON.stringify({ batch: manyEvents(1100) });
    expect(overMb.length).toBeGreaterThan(1024 * 1024);
    const segRes = await segment('/v1/batch', overMb);
    expect(segRes.status).toBe(413);
    expect(await segRes.json()).toMatchObject({ error: { code: 'payload_too_large', requestId: expect.any(String) } });
    expect((await post('/batch/', JSON.stringify({ api_key: writeKeyA, batch: manyEvents(1100).map((e) => ({ event: e.event, distinct_id: e.userId, properties: e.properties })) }))).status).toBe(413);
    expect((await a.api('/api/events', { body: JSON.stringify({ events: manyEvents(1100).map(() => ({ type: 'x', occurredAt: iso(), properties: { pad: 'z'.repeat(1000) } })) }) })).status).toBe(413);
    // Under 1 MB gzipped, far over it inflated: refused without inflating it all.
    const bomb = gzipSync(JSON.stringify({ api_key: writeKeyA, batch: [{ event: 'x', distinct_id: 'u', properties: { pad: 'z'.repeat(5 * 1024 * 1024) } }] }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const bombRes = await post('/batch/', bomb, { 'content-encoding': 'gzip' });
    expect(bombRes.status).toBe(413);
    // Just under the limit is taken: Segment's own libraries send at most 500 KB.
    const underMb = await segment('/v1/batch', { batch: manyEvents(900) });
    expect(await underMb.json()).toMatchObject({ success: true, received: 900, stored: 900 });
    expect(await countOf(a.orgId)).toBe(before + 900);
  });
});

describe('unmatched events', () => {
  it('are kept and counted by domain, newest first, and matched when the account appears', async () => {
    const slug = crypto.randomUUID().slice(0, 8);
    const domain = `latecomer-${slug}.example`;
    const sideDomain = `agency-${slug}.example`;
    const at = iso(2 * 86_400_000);
    const first = await apiEventsPost(a, {
      events: [
        { type: 'login', domain, occurredAt: at },
        { type: 'login', email: `ann@${domain}`, occurredAt: at },
        { type: 'ticket_opened', domain: sideDomain, email: `bo@${domain}`, occurredAt: at },
      ],
    });
    expect(await first.json()).toMatchObject({ stored: 3, matched: 0, unmatched: 3 });
    const segmentUnmatched = await segment('/v1/batch', { batch: [{ type: 'track', userId: `late-${slug}`, event: 'Seen', context: { traits: { email: `cy@${domain}` } }, timestamp: at }] });
    expect(await segmentUnmatched.json()).toMatchObject({ stored: 1, unmatched: 1 });

    const list = await (await a.api('/api/events/unmatched?limit=500')).json() as { items: { kind: string; domain: string | null; events: number; lastSeenAt: string }[]; totalEvents: number };
    const mine = list.items.filter((i) => i.domain?.endsWith(`${slug}.example`));
    expect(mine).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'company', domain, events: 1 }),
      expect.objectContaining({ kind: 'email', domain, events: 2 }),
      expect.objectContaining({ kind: 'company', domain: sideDomain, events: 1 }),
    ]));
    const times = list.items.map((i) => i.lastSeenAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(list.items[0]!.domain?.endsWith(`${slug}.example`)).toBe(true);
    expect(list.totalEvents).toBeGreaterThanOrEqual(4);

    const acct = await createAccount(a, { website: `https://${domain}`, primaryContactEmail: `dana@${domain}` });
    expect(acct.domain).toBe(domain);
    const matched = (await eventsOf(a.orgId)).filter((e) => e.groupDomain === domain || e.emailDomain === domain);
    expect(matched).toHaveLength(4);
    expect(matched.every((e) => e.accountId === acct.id)).toBe(true);
    expect(await daysOf(a.orgId, acct.id)).toEqual({ [`${at.slice(0, 10)} login`]: 2, [`${at.slice(0, 10)} ticket_opened`]: 1, [`${at.slice(0, 10)} Seen`]: 1 });
    const after = await (await a.api('/api/events/unmatched?limit=500')).json() as typeof list;
    expect(after.items.filter((i) => i.domain?.endsWith(`${slug}.example`))).toEqual([]);
    expect(after.totalEvents).toBe(list.totalEvents - 4);

    // Idempotent: claiming again finds nothing and changes no count.
    expect(await matchEventsToAccount(h.database.db, a.orgId, acct.id, [domain])).toBe(0);
    expect(await daysOf(a.orgId, acct.id)).toEqual({ [`${at.slice(0, 10)} login`]: 2, [`${at.slice(0, 10)} ticket_opened`]: 1, [`${at.slice(0, 10)} Seen`]: 1 });
    // And later events for the domain match at once.
    expect(await (await apiEventsPost(a, { events: [{ type: 'login', domain, occurredAt: iso() }] })).json()).toMatchObject({ matched: 1 });
  });

  it('none is left behind by batches in flight while the account is created', async () => {
    const domain = `race-${crypto.randomUUID().slice(0, 8)}.example`;
    let n = 0;
    const send = () => apiEventsPost(a, { events: Array.from({ length: 20 }, () => ({ type: 'login', domain, occurredAt: iso(), id: `race-${domain}-${(n += 1)}` })) });
    const sending = Promise.all(Array.from({ length: 12 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      expect((await send()).status).toBe(200);
    }));
    await new Promise((r) => setTimeout(r, 60));
    const acct = await createAccount(a, { website: `https://${domain}`, primaryContactEmail: `x@${domain}` });
    await sending;
    const rows = (await eventsOf(a.orgId)).filter((e) => e.groupDomain === domain);
    expect(rows).toHaveLength(240);
    expect(rows.filter((e) => e.accountId !== acct.id)).toEqual([]);
    expect(Object.values(await daysOf(a.orgId, acct.id)).reduce((x, y) => x + y, 0)).toBe(240);
  });
});

describe('tenancy', () => {
  it("org B's write key never touches org A's accounts, even with A's domain, account ID or users", async () => {
    const acct = await createAccount(a);
    const daysBefore = await daysOf(a.orgId, acct.id);
    const seg = await segment('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'seg-user-1', traits: { email: `spy@${acct.domain}` } },
        { type: 'track', userId: 'seg-user-1', event: 'Spy', properties: { relayAccountId: acct.id } },
        { type: 'group', userId: 'seg-user-2', groupId: 'seg-group-1', traits: { website: acct.domain } },
      ],
    }, writeKeyB);
    expect(await seg.json()).toMatchObject({ stored: 3, matched: 0, unmatched: 3 });
    const ph = await post('/batch/', { api_key: writeKeyB, batch: [{ event: 'spy', distinct_id: 'ph-user-1', properties: { $groups: { company: 'ph-company-1' } } }] });
    expect(await ph.json()).toMatchObject({ stored: 1, matched: 0 });
    const api = await apiEventsPost(b, { events: [{ type: 'login', accountId: acct.id, occurredAt: iso() }] });
    expect(api.status).toBe(400);
    expect(await (await apiEventsPost(b, { events: [{ type: 'login', domain: acct.domain, occurredAt: iso() }] })).json()).toMatchObject({ matched: 0, unmatched: 1 });

    expect(await daysOf(a.orgId, acct.id)).toEqual(daysBefore);
    expect((await eventsOf(b.orgId)).every((e) => e.accountId === null && e.orgId === b.orgId)).toBe(true);
    const bList = await (await b.api('/api/events/unmatched')).json() as { items: { domain: string | null }[] };
    expect(bList.items.map((i) => i.domain)).toContain(acct.domain);
    const aList = await (await a.api('/api/events/unmatched?limit=500')).json() as { items: { domain: string | null; events: number }[] };
    expect(aList.items.find((i) => i.domain === acct.domain)).toBeUndefined();
    // The same message ID in two organisations is two events.
    const id = { type: 'track', userId: 'shared', event: 'Same ID', messageId: `shared-${acct.id}` };
    expect(await (await segment('/v1/track', id, writeKeyA)).json()).toMatchObject({ stored: 1 });
    expect(await (await segment('/v1/track', id, writeKeyB)).json()).toMatchObject({ stored: 1 });
  });
});

describe('storage', () => {
  it('partitions events by month, making a partition for an old month when an event needs it', async () => {
    const acct = await createAccount(a);
    const res = await apiEventsPost(a, { events: [{ type: 'backfill', accountId: acct.id, occurredAt: '2003-04-05T06:07:08Z' }] });
    expect(await res.json()).toMatchObject({ stored: 1, matched: 1 });
    const rowsOf = <T>(r: unknown) => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
    const [where] = rowsOf<{ partition: string }>(await h.database.db.execute(sql`
      select tableoid::regclass::text as partition from events where org_id = ${a.orgId} and account_id = ${acct.id}`));
    expect(where!.partition).toBe('events_2003_04');
    const [kind] = rowsOf<{ relkind: string }>(await h.database.db.execute(sql`select relkind from pg_class where relname = 'events'`));
    expect(kind!.relkind).toBe('p');
    expect(await daysOf(a.orgId, acct.id)).toEqual({ '2003-04-05 backfill': 1 });
  });

  it('runs the same migration on PGlite (npm start without DATABASE_URL) and stores an event there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-pglite-events-'));
    const database = await openDatabase({ dataDir });
    try {
      await database.migrate();
      const org = await seedOrganisation(database.db, { name: 'PGlite Org', slug: 'pglite', admin: { email: 'admin@pglite.test', name: 'P' }, csms: [] });
      const body = { events: [{ type: 'login', domain: 'pglite.example', occurredAt: iso() }, { type: 'login', domain: 'pglite.example', occurredAt: '2004-02-29T12:00:00Z' }] };
      expect(await ingestEvents(database.db, org.orgId, apiEvents(apiEventsBodySchema.parse(body)), { unknownAccountIds: 'refuse' })).toEqual({ received: 2, stored: 2, duplicates: 0, matched: 0, unmatched: 2 });
      expect(await ingestEvents(database.db, org.orgId, apiEvents(apiEventsBodySchema.parse(body)), { unknownAccountIds: 'refuse' })).toMatchObject({ stored: 0, duplicates: 2 });
      const stored = await database.db.select().from(events).where(eq(events.orgId, org.orgId));
      expect(stored).toHaveLength(2);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
