// HubSpot → Relay on the real stack (issue 11): the real @hubspot/api-client against a fake of
// HubSpot's API (test/fakes/hubspotFake.ts), signed webhooks into the app, deal workflows on Temporal,
// the polling schedule, rate limits, a revoked token, and never a secret in an answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { accounts, connectorRecords, outboxEmails } from '../db/schema/index.ts';
import { connectorScheduleId } from '../workflows/connectorDefinitions.ts';
import { DEFAULT_PIPELINE, dealStageWebhookBody, hubspotReply, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import { accountBody, createHarness, eventually, TEST_PUBLIC_URL, type Harness, type TestOrganisation } from './harness.ts';

const TOKEN = 'pat-na1-test-0000-1111-2222';
const CLIENT_SECRET = 'hubspot-app-client-secret-1234';
// A second organisation on the same portal, with its own private app, for the property mapping.
const MAPPED_TOKEN = 'pat-na1-mapped-3333-4444-5555';
const MAPPED_SECRET = 'hubspot-mapped-app-secret-5678';
// A third organisation on the portal for the bulk backfill, whose Closed Won stage sits in a pipeline
// of its own: its backfill sees only its deals, whatever the other tests added.
const BULK_TOKEN = 'pat-na1-bulk-6666-7777-8888';
const BULK_PIPELINE = { id: 'renewals', label: 'Renewals', stages: [
  { id: 'renewalopen', label: 'Open', probability: 0.5, isClosed: false }, { id: 'renewalwon', label: 'Renewal Won', probability: 1, isClosed: true },
] };

let h: Harness;
let fake: Awaited<ReturnType<typeof startHubSpotFake>>;
let org: TestOrganisation;
let connectionId: string;

beforeAll(async () => {
  fake = await startHubSpotFake({ accessTokens: [TOKEN, MAPPED_TOKEN, BULK_TOKEN], pipelines: [DEFAULT_PIPELINE, BULK_PIPELINE] });
  h = await createHarness({ activityDeps: { hubspotBaseUrl: fake.url } });
  org = await h.newOrganisation();
  const res = await org.api('/api/connectors/hubspot', {
    method: 'PUT', body: { accessToken: TOKEN, clientSecret: CLIENT_SECRET, portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  connectionId = ((await res.json()) as { id: string }).id;
});

let mappedConnectionId: string | undefined;
let bulkConnectionId: string | undefined;

afterAll(async () => {
  if (bulkConnectionId) await h?.deps.temporal.schedule.getHandle(connectorScheduleId(bulkConnectionId)).delete().catch(() => undefined);
  if (mappedConnectionId) await h?.deps.temporal.schedule.getHandle(connectorScheduleId(mappedConnectionId)).delete().catch(() => undefined);
  if (connectionId) await h?.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).delete().catch(() => undefined);
  await h?.close();
  await fake?.close();
});

let seq = 0;
function wonDeal(overrides: { domain?: string | null; company?: string } = {}) {
  const n = ++seq;
  const domain = overrides.domain === undefined ? `deal-${n}-${Date.now()}.example` : overrides.domain;
  return fake.addDeal({
    dealname: `Annual plan ${n}`, amount: 48_000, closedate: '2026-11-27', dealstage: 'closedwon', description: 'Needs SSO before rollout.',
    company: { name: overrides.company ?? `Won Co ${n}`, ...(domain ? { domain } : {}), industry: 'SOFTWARE', numberofemployees: 120 },
    contacts: [{ firstname: 'Dana', lastname: 'Scully', email: `dana@${domain ?? 'nodomain.example'}`, jobtitle: 'COO' }],
    owner: { email: 'ae.sam@relay.example', firstName: 'Sam', lastName: 'Seller' },
  });
}

function webhook(dealId: string, opts: { secret?: string; timestamp?: number } = {}) {
  const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId, stageId: 'closedwon' }));
  const headers = signWebhook({ clientSecret: opts.secret ?? CLIENT_SECRET, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
  return h.app.request('/webhooks/hubspot', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
}

async function record(dealId: string) {
  const [row] = await h.database.db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, connectionId), eq(connectorRecords.externalId, dealId)));
  return row;
}

const settled = (dealId: string) => eventually(async () => {
  const row = await record(dealId);
  return row && row.outcome !== 'skipped' ? row : undefined;
}, { what: `deal ${dealId} imported`, timeoutMs: 45_000 });

async function accountsWithDomain(domain: string) {
  return h.database.db.select({ id: accounts.id, status: accounts.status, companyName: accounts.companyName, arr: accounts.arr, aeEmail: accounts.aeEmail, primaryContactEmail: accounts.primaryContactEmail })
    .from(accounts).where(and(eq(accounts.orgId, org.orgId), eq(accounts.primaryDomain, domain)));
}

describe('HubSpot deals that reach Closed Won', () => {
  it('a signed webhook becomes one account in pending_handoff, mapped from the deal, with its handoff drafted', async () => {
    const deal = await wonDeal();
    const res = await webhook(deal.dealId);
    expect(res.status).toBe(200);
    const done = await settled(deal.dealId);
    expect(done).toMatchObject({ outcome: 'created', reason: null });
    expect(done.recordUrl).toContain(`/record/0-3/${deal.dealId}`);
    const domain = fake.state.companies.get(deal.companyId!)!.properties.domain as string;
    const [account] = await accountsWithDomain(domain);
    expect(account).toMatchObject({ id: done.accountId, status: 'pending_handoff', arr: 48_000, aeEmail: 'ae.sam@relay.example', primaryContactEmail: `dana@${domain}` });
    await eventually(async () => (await h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.accountId, account!.id), eq(outboxEmails.kind, 'handoff_link')))).length === 1, { what: 'the AE handoff email' });
  });

  it('the same webhook five times, at once, makes one account', async () => {
    const deal = await wonDeal();
    const answers = await Promise.all(Array.from({ length: 5 }, () => webhook(deal.dealId)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const done = await settled(deal.dealId);
    expect(done.outcome).toBe('created');
    for (const a of await Promise.all([webhook(deal.dealId), webhook(deal.dealId)])) expect(a.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    const domain = fake.state.companies.get(deal.companyId!)!.properties.domain as string;
    expect(await accountsWithDomain(domain)).toHaveLength(1);
  });

  it('refuses a bad or stale signature with 401, and nothing happens', async () => {
    const deal = await wonDeal();
    expect((await webhook(deal.dealId, { secret: 'not-the-app-secret-at-all' })).status).toBe(401);
    expect((await webhook(deal.dealId, { timestamp: Date.now() - 6 * 60_000 })).status).toBe(401);
    const unsigned = await h.app.request('/webhooks/hubspot', { method: 'POST', body: '[]', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await record(deal.dealId)).toBeUndefined();
  });

  it('links a deal for a company Relay already has instead of duplicating it', async () => {
    const body = accountBody({ companyName: 'Already Here' });
    const domain = new URL(body.website as string).hostname.replace(/^www\./, '');
    const created = await org.api('/api/accounts', { body });
    const { id } = await created.json() as { id: string };
    const deal = await wonDeal({ domain, company: 'Already Here Inc' });
    await webhook(deal.dealId);
    expect(await settled(deal.dealId)).toMatchObject({ outcome: 'linked', accountId: id });
    expect(await accountsWithDomain(domain)).toHaveLength(1);
  });

  it('reports a deal it cannot map, with the reason, and creates nothing', async () => {
    const deal = await wonDeal({ domain: null, company: 'No Domain Ltd' });
    await webhook(deal.dealId);
    expect(await settled(deal.dealId)).toMatchObject({ outcome: 'failed', accountId: null, reason: 'the company "No Domain Ltd" has no domain' });
    const view = await (await org.api('/api/connectors')).json() as { items: { recentFailures: { externalId: string; reason: string }[] }[] };
    expect(view.items[0]!.recentFailures.find((f) => f.externalId === deal.dealId)?.reason).toContain('has no domain');
  });

  it('rides out a 429 storm and a 500 without losing or doubling the deal', async () => {
    const deal = await wonDeal();
    fake.once(hubspotReply.rateLimited(1), hubspotReply.rateLimited(1), hubspotReply.serverError(), hubspotReply.rateLimited(1));
    await webhook(deal.dealId);
    const done = await settled(deal.dealId);
    expect(done.outcome).toBe('created');
    const domain = fake.state.companies.get(deal.companyId!)!.properties.domain as string;
    expect(await accountsWithDomain(domain)).toHaveLength(1);
  });

  it('catches a deal whose webhook never came, through the polling sync', async () => {
    const deal = await wonDeal();
    const res = await org.api('/api/connectors/hubspot/sync', { body: {} });
    expect(res.status).toBe(202);
    expect((await settled(deal.dealId)).outcome).toBe('created');
    const view = await (await org.api('/api/connectors')).json() as { items: { cursor: string | null; lastRunAt: string | null }[] };
    expect(view.items[0]!.cursor).not.toBeNull();
  });

  it('backfills deals closed since a date, after a preview count, each once', async () => {
    const older = [await wonDeal(), await wonDeal(), await wonDeal()];
    for (const deal of older) fake.state.deals.get(deal.dealId)!.properties.closedate = '2026-06-15T00:00:00.000Z';
    const since = Date.parse('2026-06-01T00:00:00Z');
    const expected = [...fake.state.deals.values()].filter((d) => d.properties.dealstage === 'closedwon' && Date.parse(String(d.properties.closedate)) >= since).length;
    const preview = await org.api('/api/connectors/hubspot/backfill/preview', { body: { since: '2026-06-01' } });
    expect(await preview.json()).toEqual({ since: '2026-06-01', deals: expected });
    expect((await org.api('/api/connectors/hubspot/backfill/preview', { body: { since: 'last year' } })).status).toBe(400);

    const started = await org.api('/api/connectors/hubspot/backfill', { body: { since: '2026-06-01' } });
    expect(started.status).toBe(202);
    const { id } = await started.json() as { id: string };
    const again = await org.api('/api/connectors/hubspot/backfill', { body: { since: '2026-06-01' } });
    expect(((await again.json()) as { id: string }).id).toBe(id);
    expect(await h.deps.temporal.workflow.getHandle(id).result()).toMatchObject({ status: 'completed', started: expected, total: expected });
    for (const deal of older) expect((await settled(deal.dealId)).outcome).toBe('created');
    // Deals imported before (by webhook or sync) are not imported again.
    const first = [...fake.state.deals.values()].find((d) => d.properties.dealname === 'Annual plan 1')!;
    const domain = fake.state.companies.get(first.companyIds[0]!)!.properties.domain!;
    expect(await accountsWithDomain(domain)).toHaveLength(1);
  });

  it('shows the account a deal would become, without creating it ("Test with a deal")', async () => {
    const deal = await wonDeal({ company: 'Preview Co' });
    const domain = fake.state.companies.get(deal.companyId!)!.properties.domain!;
    const preview = await (await org.api(`/api/connectors/hubspot/deals/${deal.dealId}/preview`)).json() as { account: Record<string, unknown> | null; problem: unknown };
    expect(preview).toMatchObject({ problem: null, account: { companyName: 'Preview Co', arr: 48_000, website: `https://${domain}`, templateName: 'Quick Start' } });
    expect(await accountsWithDomain(domain)).toHaveLength(0);
    const unmappable = await wonDeal({ domain: null, company: 'Nowhere Ltd' });
    expect(await (await org.api(`/api/connectors/hubspot/deals/${unmappable.dealId}/preview`)).json())
      .toMatchObject({ account: null, problem: { field: 'company.domain', message: 'the company "Nowhere Ltd" has no domain' } });
    expect((await org.api('/api/connectors/hubspot/deals/999999999/preview')).status).toBe(404);
    expect((await org.api('/api/connectors/hubspot/deals/abc/preview')).status).toBe(400);
  });

  it('never answers a token or a secret, and surfaces a revoked token on the connection', async () => {
    const listed = await (await org.api('/api/connectors')).text();
    expect(listed).not.toContain(TOKEN);
    expect(listed).not.toContain(CLIENT_SECRET);
    const other = await h.newOrganisation();
    expect(((await (await other.api('/api/connectors')).json()) as { items: unknown[] }).items).toEqual([]);

    fake.revokeToken(TOKEN);
    const deal = await wonDeal();
    await webhook(deal.dealId);
    expect(await settled(deal.dealId)).toMatchObject({ outcome: 'failed' });
    const view = await (await org.api('/api/connectors')).json() as { items: { status: string; lastError: string }[] };
    expect(view.items[0]).toMatchObject({ status: 'needs_reauth' });
    expect(view.items[0]!.lastError).toMatch(/refused the access token.*Reconnect HubSpot/);
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    // The admins hear once, however many deals then fail the same way.
    const second = await wonDeal();
    await webhook(second.dealId);
    await settled(second.dealId);
    const alerts = await h.database.db.select({ to: outboxEmails.toAddresses, subject: outboxEmails.subject }).from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'connector_reauth')));
    expect(alerts).toEqual([{ to: [org.adminEmail], subject: 'HubSpot stopped sending deals to Relay: reconnect it' }]);
  });
});

describe('a custom property mapping', () => {
  it('reads each account field from the HubSpot property the admin names, in the deal import, the test and the polling search', async () => {
    const mappedOrg = await h.newOrganisation();
    const connect = (mapping: unknown) => mappedOrg.api('/api/connectors/hubspot', {
      method: 'PUT', body: { accessToken: MAPPED_TOKEN, clientSecret: MAPPED_SECRET, portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60, mapping },
    });
    // Refused at the boundary, naming the field.
    const bad = await connect({ arr: 'hs arr!', companyName: 'legal_name', website: 42 });
    expect(bad.status).toBe(400);
    const refused = await bad.json() as { error: { code: string; fields: { field: string; message: string }[] } };
    expect(refused.error.code).toBe('validation');
    expect(refused.error.fields.map((f) => f.field).sort()).toEqual(['mapping.arr', 'mapping.website']);
    expect(refused.error.fields.find((f) => f.field === 'mapping.arr')!.message).toContain('HubSpot property');
    expect((await connect({ seats: 'hs_seats' })).status).toBe(400);

    const ok = await connect({ arr: 'hs_arr', companyName: 'legal_name', notes: 'handoff_notes', aeEmail: 'ae_email' });
    expect(ok.status, await ok.clone().text()).toBe(200);
    const view = await ok.json() as { id: string; settings: { mapping: Record<string, string> } };
    mappedConnectionId = view.id;
    expect(view.settings.mapping).toEqual({ arr: 'hs_arr', companyName: 'legal_name', notes: 'handoff_notes', aeEmail: 'ae_email' });

    const domain = `mapped-${Date.now()}.example`;
    const deal = fake.addDeal({
      dealname: 'Mapped plan', amount: 1_000, closedate: '2026-11-26', dealstage: 'closedwon', description: 'Not the notes Relay should read.',
      company: { name: 'Mapped Short Name', domain, industry: 'SOFTWARE', numberofemployees: 12 },
      contacts: [{ firstname: 'Walter', lastname: 'Skinner', email: `walter@${domain}`, jobtitle: 'CEO' }],
    });
    Object.assign(fake.state.deals.get(deal.dealId)!.properties, { hs_arr: '96000', handoff_notes: 'Go-live in March; SSO first.', ae_email: 'ae.mapped@relay.example' });
    fake.state.companies.get(deal.companyId!)!.properties.legal_name = 'Mapped Holdings Ltd';

    // "Test with a deal" reads through the mapping, and creates nothing.
    const preview = await (await mappedOrg.api(`/api/connectors/hubspot/deals/${deal.dealId}/preview`)).json() as { account: Record<string, unknown>; problem: unknown };
    expect(preview).toMatchObject({
      problem: null,
      account: { companyName: 'Mapped Holdings Ltd', arr: 96_000, aeEmail: 'ae.mapped@relay.example', website: `https://${domain}` },
    });
    expect(preview.account.rawPayload).toContain('Deal notes: Go-live in March; SSO first.');
    expect(preview.account.rawPayload).not.toContain('Not the notes Relay should read.');
    const read = fake.requests.filter((r) => r.path.startsWith(`/crm/v3/objects/deals/${deal.dealId}?`)).at(-1)!;
    expect(new URL(read.path, 'http://x').searchParams.getAll('properties').join(',').split(',')).toEqual(expect.arrayContaining(['hs_arr', 'handoff_notes', 'ae_email']));

    // A mapped property the deal lacks is named in the refusal.
    const bare = fake.addDeal({ dealname: 'No ARR', amount: 5_000, closedate: '2026-11-26', dealstage: 'closedwon', company: { name: 'Bare', domain: `bare-${Date.now()}.example` }, contacts: [{ firstname: 'A', lastname: 'B', email: 'a@bare.example' }] });
    expect(await (await mappedOrg.api(`/api/connectors/hubspot/deals/${bare.dealId}/preview`)).json())
      .toMatchObject({ account: null, problem: { field: 'hs_arr', message: 'the deal has no value in "hs_arr" for its amount (Relay needs it as ARR)' } });

    // A signed webhook imports it with the mapped values.
    const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId: deal.dealId, stageId: 'closedwon' }));
    const delivered = await h.app.request('/webhooks/hubspot', {
      method: 'POST', headers: { ...signWebhook({ clientSecret: MAPPED_SECRET, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body }), 'content-type': 'application/json' }, body,
    });
    expect(delivered.status).toBe(200);
    const done = await eventually(async () => {
      const [row] = await h.database.db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, view.id), eq(connectorRecords.externalId, deal.dealId)));
      return row?.outcome === 'created' ? row : undefined;
    }, { what: 'the mapped deal imported', timeoutMs: 45_000 });
    const [account] = await h.database.db.select({ companyName: accounts.companyName, arr: accounts.arr, aeEmail: accounts.aeEmail })
      .from(accounts).where(eq(accounts.id, done.accountId!));
    expect(account).toEqual({ companyName: 'Mapped Holdings Ltd', arr: 96_000, aeEmail: 'ae.mapped@relay.example' });

    // The polling search asks HubSpot for the mapped deal properties too.
    const before = fake.requests.length;
    expect((await mappedOrg.api('/api/connectors/hubspot/sync', { body: {} })).status).toBe(202);
    const search = await eventually(async () => fake.requests.slice(before)
      .find((r) => r.path === '/crm/v3/objects/deals/search' && r.headers.authorization === `Bearer ${MAPPED_TOKEN}`), { what: 'the polling search' });
    expect((search.body as { properties: string[] }).properties).toEqual(expect.arrayContaining(['hs_arr', 'handoff_notes', 'ae_email', 'hs_lastmodifieddate']));

    // The mapping alone changes without the token; emptied, a field reads HubSpot's default again.
    const remapped = await mappedOrg.api('/api/connectors/hubspot/mapping', { method: 'PUT', body: { mapping: { arr: 'amount_in_home_currency' } } });
    expect(remapped.status).toBe(200);
    expect(((await remapped.json()) as { settings: { mapping: unknown } }).settings.mapping).toEqual({ arr: 'amount_in_home_currency' });
    const wrong = await mappedOrg.api('/api/connectors/hubspot/mapping', { method: 'PUT', body: { mapping: { closeDate: '' } } });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { fields: { field: string }[] } }).error.fields).toMatchObject([{ field: 'mapping.closeDate' }]);
  });
});

describe('a backfill reads HubSpot in bulk', () => {
  it('imports 250 deals across 3 pages in a few requests a page, each account once, through a 429 storm; a rerun creates nothing', { timeout: 300_000 }, async () => {
    const bulkOrg = await h.newOrganisation();
    const connected = await bulkOrg.api('/api/connectors/hubspot', {
      method: 'PUT', body: { accessToken: BULK_TOKEN, clientSecret: 'hubspot-bulk-app-secret-9012', portalId: String(fake.portalId), closedWonStageIds: ['renewalwon'], templateName: 'Quick Start', intervalMinutes: 1440 },
    });
    expect(connected.status, await connected.clone().text()).toBe(200);
    bulkConnectionId = ((await connected.json()) as { id: string }).id;
    await h.deps.temporal.schedule.getHandle(connectorScheduleId(bulkConnectionId)).pause('the test runs the backfill by hand');

    const stamp = Date.now();
    const deals = Array.from({ length: 250 }, (_, i) => {
      // Deals 0 and 1 are two HubSpot companies with one domain: one account, the other deal linked to it.
      const domain = `bulk-${i === 1 ? 0 : i}-${stamp}.example`;
      const made = fake.addDeal({
        dealname: `Renewal ${i}`, amount: 10_000 + i, closedate: '2026-11-20', pipeline: 'renewals', dealstage: 'renewalwon', description: `Renewal notes ${i}.`,
        company: { name: `Bulk Co ${i}`, domain, industry: 'SOFTWARE', numberofemployees: 30 },
        contacts: [
          { firstname: 'Fox', lastname: `Mulder ${i}`, email: `fox@${domain}`, jobtitle: 'CTO' },
          ...(i % 3 === 0 ? [{ firstname: 'Walter', lastname: 'Skinner', email: `walter@${domain}` }] : []),
        ],
        owner: { email: `ae.bulk${i % 3}@relay.example`, firstName: 'Bulk', lastName: `Seller ${i % 3}` },
      });
      return { ...made, domain, i };
    });
    const bulkRequests = () => fake.requests.filter((r) => r.headers.authorization === `Bearer ${BULK_TOKEN}`);
    const pathOf = (r: { path: string }) => new URL(r.path, 'http://x').pathname;

    // The storm: the backfill's first two calls refused, and the second page's contacts batch read
    // refused twice after that page's search, associations and companies were read.
    fake.onceWhen((r) => r.headers.authorization === `Bearer ${BULK_TOKEN}`, hubspotReply.rateLimited(1), hubspotReply.rateLimited(1));
    let contactReads = 0;
    fake.onceWhen((r) => r.headers.authorization === `Bearer ${BULK_TOKEN}` && pathOf(r) === '/crm/v3/objects/contacts/batch/read' && ++contactReads >= 2,
      hubspotReply.rateLimited(1), hubspotReply.rateLimited(1));

    const started = await bulkOrg.api('/api/connectors/hubspot/backfill', { body: { since: '2026-11-01' } });
    expect(started.status).toBe(202);
    const { id } = await started.json() as { id: string };
    expect(await h.deps.temporal.workflow.getHandle(id).result()).toMatchObject({ status: 'completed', started: 250, total: 250 });

    // Every deal came in, each once: 249 accounts (deals 0 and 1 share one), in pending_handoff, mapped.
    // The last page waits for its runs, up to 90 s: on a slow machine a few may still be finishing.
    const records = await eventually(async () => {
      const rows = await h.database.db.select().from(connectorRecords).where(eq(connectorRecords.connectionId, bulkConnectionId!));
      return rows.length === 250 && rows.every((r) => r.outcome === 'created' || r.outcome === 'linked') ? rows : undefined;
    }, { what: 'every backfilled deal imported', timeoutMs: 120_000 });
    expect(records).toHaveLength(250);
    expect(records.filter((r) => r.outcome === 'created')).toHaveLength(249);
    // The two deals of one domain run at once: whichever creates the account, the other links to it.
    const pair = [deals[0]!, deals[1]!].map((d) => records.find((r) => r.externalId === d.dealId)!);
    expect(pair.map((r) => r.outcome).sort()).toEqual(['created', 'linked']);
    expect(pair[0]!.accountId).toBe(pair[1]!.accountId);
    const made = await h.database.db.select({ domain: accounts.primaryDomain, status: accounts.status, arr: accounts.arr, aeEmail: accounts.aeEmail, contact: accounts.primaryContactEmail, name: accounts.companyName })
      .from(accounts).where(eq(accounts.orgId, bulkOrg.orgId));
    expect(made).toHaveLength(249);
    expect(new Set(made.map((a) => a.domain)).size).toBe(249);
    const sample = made.find((a) => a.domain === deals[7]!.domain);
    expect(sample).toEqual({ domain: deals[7]!.domain, status: 'pending_handoff', arr: 10_007, aeEmail: 'ae.bulk1@relay.example', contact: `fox@${deals[7]!.domain}`, name: 'Bulk Co 7' });

    // A few requests a page, never one per deal: per page a search, two association reads, a companies
    // and a contacts batch read and the owners list; the refused ones retried alone.
    const requests = bulkRequests();
    const count = (path: string) => requests.filter((r) => pathOf(r) === path).length;
    expect(requests.filter((r) => r.method === 'GET' && pathOf(r).startsWith('/crm/v3/objects/'))).toHaveLength(0);
    expect(requests.filter((r) => pathOf(r).startsWith('/crm/v3/owners/') && pathOf(r) !== '/crm/v3/owners/')).toHaveLength(0);
    // The first search twice refused, then once per page: the refused contacts read did not redo its page's search or reads.
    expect(count('/crm/v3/objects/deals/search')).toBe(2 + 3);
    expect(count('/crm/v4/associations/deals/companies/batch/read')).toBe(3);
    expect(count('/crm/v4/associations/deals/contacts/batch/read')).toBe(3);
    expect(count('/crm/v3/objects/companies/batch/read')).toBe(3);
    // 134 contacts on a full page: two batch reads; the half page's 67: one.
    expect(count('/crm/v3/objects/contacts/batch/read')).toBe(5 + 2);
    expect(count('/crm/v3/owners/')).toBe(3);
    expect(requests.length).toBe(24);

    // A rerun reads each page's deals and finds them imported: three searches, nothing read or created.
    const before = bulkRequests().length;
    const rerun = await bulkOrg.api('/api/connectors/hubspot/backfill', { body: { since: '2026-10-01' } });
    const { id: rerunId } = await rerun.json() as { id: string };
    expect(await h.deps.temporal.workflow.getHandle(rerunId).result()).toMatchObject({ status: 'completed', started: 250, total: 250 });
    expect(bulkRequests().slice(before).map(pathOf)).toEqual(['/crm/v3/objects/deals/search', '/crm/v3/objects/deals/search', '/crm/v3/objects/deals/search']);
    expect(await h.database.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.orgId, bulkOrg.orgId))).toHaveLength(249);
    const after = await h.database.db.select().from(connectorRecords).where(eq(connectorRecords.connectionId, bulkConnectionId));
    expect(after.filter((r) => r.outcome === 'created' || r.outcome === 'linked')).toHaveLength(250);
  });
});
