// What people see of the CRM connectors (issue 11): pause, resume and disconnect through the API
// (the Temporal Schedule follows), the admins' /settings/connectors page, the account's CRM card
// with Retry, the accounts list's CRM filter, column and count; admin-only, tenancy, and never a
// token or a client secret in an answer. Real deals from the HubSpot wire fake, as
// test/connectorsHubSpot.test.ts drives them.
import { ScheduleNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, connectorRecords } from '../db/schema/index.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { HUBSPOT_SECRETS_PURPOSE } from '../services/connectors/hubspotAuth.ts';
import { connectorScheduleId } from '../workflows/connectorDefinitions.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import {
  accountBody, createHarness, eventually, TEST_PUBLIC_URL, TEST_TOKEN_SECRET, type Harness, type TestOrganisation,
} from './harness.ts';

// One token and one app secret per organisation: webhooks find their connection by signature.
const TOKENS = Array.from({ length: 16 }, (_, i) => `pat-na1-pages-${i}-0000-1111-2222`);
const secretFor = (i: number) => `pages-app-client-secret-${i}-abcdef`;
/** Every secret these tests hand Relay: none may come back in any answer. */
const SECRETS = [...TOKENS, ...TOKENS.map((_, i) => secretFor(i))];

let h: Harness;
let fake: Awaited<ReturnType<typeof startHubSpotFake>>;
const connectionIds = new Set<string>();

beforeAll(async () => {
  fake = await startHubSpotFake({ accessTokens: TOKENS, portalId: 62610 });
  h = await createHarness({ activityDeps: { hubspotBaseUrl: fake.url } });
});

afterAll(async () => {
  for (const id of connectionIds) {
    await h?.deps.temporal.schedule.getHandle(connectorScheduleId(id)).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  await h?.close();
  await fake?.close();
});

/** Fails the test if any secret this file gave Relay is in `text`. */
function expectNoSecrets(text: string, where: string) {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
}

let nextSlot = 0;
interface Connected { org: TestOrganisation; slot: number; connectionId: string }

async function connectedOrg(): Promise<Connected> {
  const slot = nextSlot++;
  const org = await h.newOrganisation();
  const res = await org.api('/api/connectors/hubspot', {
    method: 'PUT', body: { accessToken: TOKENS[slot], clientSecret: secretFor(slot), portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const { id } = await res.json() as { id: string };
  connectionIds.add(id);
  return { org, slot, connectionId: id };
}

let seq = 0;
function wonDeal(overrides: { domain?: string | null; company?: string } = {}) {
  const n = ++seq;
  const domain = overrides.domain === undefined ? `pages-${n}-${Date.now()}.example` : overrides.domain;
  return fake.addDeal({
    dealname: `Pages plan ${n}`, amount: 36_000, closedate: '2026-11-20', dealstage: 'closedwon', description: 'Wants a kickoff in January.',
    company: { name: overrides.company ?? `Pages Co ${n}`, ...(domain ? { domain } : {}), industry: 'SOFTWARE', numberofemployees: 80 },
    contacts: [{ firstname: 'Fox', lastname: 'Mulder', email: `fox@${domain ?? 'nodomain.example'}`, jobtitle: 'CTO' }],
    owner: { email: 'ae.pat@relay.example', firstName: 'Pat', lastName: 'Seller' },
  });
}

function webhook(c: Connected, dealId: string, secret = secretFor(c.slot)) {
  const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId, stageId: 'closedwon' }));
  const headers = signWebhook({ clientSecret: secret, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body });
  return h.app.request('/webhooks/hubspot', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
}

async function record(c: Connected, dealId: string) {
  const [row] = await h.database.db.select().from(connectorRecords)
    .where(and(eq(connectorRecords.connectionId, c.connectionId), eq(connectorRecords.externalId, dealId)));
  return row;
}

const settled = (c: Connected, dealId: string, outcomes = ['created', 'linked', 'failed']) => eventually(async () => {
  const row = await record(c, dealId);
  return row && outcomes.includes(row.outcome) ? row : undefined;
}, { what: `deal ${dealId} settled`, timeoutMs: 45_000 });

/** A deal made into an account through a webhook: the account's ID. */
async function importedDeal(c: Connected) {
  const deal = await wonDeal();
  expect((await webhook(c, deal.dealId)).status).toBe(200);
  const done = await settled(c, deal.dealId);
  expect(done.outcome).toBe('created');
  return { ...deal, accountId: done.accountId! };
}

const schedule = (c: Connected) => h.deps.temporal.schedule.getHandle(connectorScheduleId(c.connectionId));
const connectionRow = async (c: Connected) => (await h.database.db.select().from(connections).where(eq(connections.id, c.connectionId)))[0]!;

/** Follows a 303 as a browser does (the account page's flash rides in a cookie). */
async function follow(client: DashboardClient, res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(303);
  const flash = /relay_flash=[^;]*/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  const page = await h.app.request(res.headers.get('location')!, { headers: { cookie: [client.cookie, flash].filter(Boolean).join('; ') } });
  expect(page.status).toBe(200);
  return page.text();
}

const textOf = (html: string) => html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

describe('pause, resume and disconnect through the API', () => {
  it('pauses and resumes the schedule; a paused connection imports nothing from a webhook', async () => {
    const c = await connectedOrg();
    expect((await schedule(c).describe()).state.paused).toBe(false);

    const paused = await c.org.api('/api/connectors/hubspot/pause', { body: {} });
    expect(paused.status).toBe(200);
    const pausedText = await paused.text();
    expect(JSON.parse(pausedText)).toMatchObject({ provider: 'hubspot', status: 'paused', scheduleId: connectorScheduleId(c.connectionId) });
    expectNoSecrets(pausedText, 'the pause answer');
    expect((await schedule(c).describe()).state.paused).toBe(true);
    expect((await connectionRow(c)).status).toBe('paused');
    // Pausing twice changes nothing.
    expect((await c.org.api('/api/connectors/hubspot/pause', { body: {} })).status).toBe(200);

    const deal = await wonDeal();
    const delivered = await webhook(c, deal.dealId);
    expect(await delivered.json()).toMatchObject({ deals: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await record(c, deal.dealId)).toBeUndefined();

    const resumed = await c.org.api('/api/connectors/hubspot/resume', { body: {} });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ status: 'active' });
    expect((await schedule(c).describe()).state.paused).toBe(false);
    expect((await webhook(c, deal.dealId)).status).toBe(200);
    expect((await settled(c, deal.dealId)).outcome).toBe('created');
  });

  it('names a provider it does not know (400) and answers 404 for one not connected', async () => {
    const c = await connectedOrg();
    const unknown = await c.org.api('/api/connectors/salesforce/pause', { body: {} });
    expect(unknown.status).toBe(400);
    const body = await unknown.json() as { error: { code: string; message: string; fields: { field: string }[] } };
    expect(body.error).toMatchObject({ code: 'validation', fields: [{ field: 'provider' }] });
    expect(body.error.message).toContain('salesforce');
    expect((await c.org.api('/api/connectors/salesforce', { method: 'DELETE' })).status).toBe(400);
    for (const path of ['/api/connectors/notion/pause', '/api/connectors/notion/resume']) expect((await c.org.api(path, { body: {} })).status).toBe(404);
    expect((await c.org.api('/api/connectors/notion', { method: 'DELETE' })).status).toBe(404);
  });

  it('disconnects: schedule deleted, secrets wiped, records kept, webhooks refused; connecting again works', async () => {
    const c = await connectedOrg();
    const imported = await importedDeal(c);

    const gone = await c.org.api('/api/connectors/hubspot', { method: 'DELETE' });
    expect(gone.status).toBe(200);
    const goneText = await gone.text();
    expect(JSON.parse(goneText)).toMatchObject({ status: 'disconnected', counts: { created: 1 } });
    expectNoSecrets(goneText, 'the disconnect answer');
    await expect(schedule(c).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    const row = await connectionRow(c);
    expect(row.status).toBe('disconnected');
    expectNoSecrets(row.sealedSecrets, 'the sealed column');
    expect(JSON.parse(createSecretBox(TEST_TOKEN_SECRET).open(row.sealedSecrets, HUBSPOT_SECRETS_PURPOSE))).toEqual({ accessToken: '', clientSecret: '' });
    expect((await record(c, imported.dealId))?.accountId).toBe(imported.accountId);

    // The app's old secret no longer signs for it; nothing is started.
    const later = await wonDeal();
    expect((await webhook(c, later.dealId)).status).toBe(401);
    for (const path of ['/api/connectors/hubspot/pause', '/api/connectors/hubspot/resume']) expect((await c.org.api(path, { body: {} })).status).toBe(404);
    expect((await c.org.api('/api/connectors/hubspot', { method: 'DELETE' })).status).toBe(404);
    const listed = await (await c.org.api('/api/connectors')).json() as { items: { status: string }[] };
    expect(listed.items).toMatchObject([{ status: 'disconnected' }]);

    const again = await c.org.api('/api/connectors/hubspot', {
      method: 'PUT', body: { accessToken: TOKENS[c.slot], clientSecret: secretFor(c.slot), portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 },
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: c.connectionId, status: 'active' });
    expect((await schedule(c).describe()).state.paused).toBe(false);
  });
});

describe('the connectors page', () => {
  it('connects HubSpot from the form: a bad field is refused beside it and neither secret comes back', async () => {
    const org = await h.newOrganisation();
    const slot = nextSlot++;
    const admin = await signIn(h, org.adminEmail);
    const empty = await admin.get('/settings/connectors');
    expect(empty.status).toBe(200);
    const emptyHtml = await empty.text();
    expect(textOf(emptyHtml)).toContain('HubSpot Not connected');
    expect(emptyHtml).toContain(`<code data-webhook-url="true">${TEST_PUBLIC_URL}/webhooks/hubspot</code>`);
    for (const scope of ['crm.objects.deals.read', 'crm.objects.companies.read', 'crm.objects.contacts.read', 'crm.objects.owners.read']) expect(emptyHtml).toContain(scope);
    expect(emptyHtml).toContain('action="/settings/connectors/notion"');
    expect(emptyHtml).toContain('<code>PUT /api/connectors/notion</code>');
    // No OAuth app on this Relay: the page says so, and the token form is the way in.
    expect(emptyHtml).toContain('data-oauth-not-configured');
    // A connection's tools appear once it exists.
    expect(emptyHtml).not.toContain('action="/settings/connectors/hubspot/mapping"');
    expect((await (await admin.get('/settings')).text())).toContain('href="/settings/connectors"');

    const fields = {
      accessToken: TOKENS[slot]!, clientSecret: secretFor(slot), portalId: 'portal 62610!', closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: 'often',
    };
    const refused = await admin.post('/settings/connectors/hubspot', fields);
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expectNoSecrets(html, 'the refused form');
    expect(/id="hubspot-portalId-error">([^<]*)</.exec(html)?.[1]).toBe('The portal ID may hold letters, digits and _ . : - only');
    expect(/id="hubspot-intervalMinutes-error">([^<]*)</.exec(html)?.[1]).toBe('Enter a whole number of minutes, from 1 to 1440');
    expect(html).not.toContain('id="hubspot-accessToken-error"');
    // What was typed comes back, except the secrets, whose fields stay empty.
    expect(/name="portalId"[^>]*value="([^"]*)"/.exec(html)?.[1]).toBe('portal 62610!');
    for (const name of ['accessToken', 'clientSecret']) expect(new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0]).not.toContain('value=');
    expect(await (await org.api('/api/connectors')).json()).toEqual({ items: [] });

    const tooShort = await admin.post('/settings/connectors/hubspot', { ...fields, accessToken: 'short', portalId: String(fake.portalId), intervalMinutes: '15', templateName: 'No Such Template' });
    expect(tooShort.status).toBe(422);
    const shortHtml = await tooShort.text();
    expect(/id="hubspot-accessToken-error">([^<]*)</.exec(shortHtml)?.[1]).toBe('The access token looks too short');
    expect(/id="hubspot-templateName-error">([^<]*)</.exec(shortHtml)?.[1]).toContain('There is no template of this name');
    expectNoSecrets(shortHtml, 'the second refused form');

    const connected = await admin.post('/settings/connectors/hubspot', { ...fields, portalId: String(fake.portalId), intervalMinutes: '30' });
    expect(connected.headers.get('location')).toBe('/settings/connectors?done=connected');
    const page = await follow(admin, connected);
    expectNoSecrets(page, 'the connected page');
    expect(textOf(page)).toContain('HubSpot is connected.');
    expect(page).toContain('data-connection-status="active"');
    const [view] = (await (await org.api('/api/connectors')).json() as { items: { id: string; status: string; settings: Record<string, unknown> }[] }).items;
    connectionIds.add(view!.id);
    expect(view).toMatchObject({ status: 'active', settings: { portalId: String(fake.portalId), closedWonStageIds: ['closedwon'], templateName: 'Quick Start', intervalMinutes: 30 } });
    const described = await h.deps.temporal.schedule.getHandle(connectorScheduleId(view!.id)).describe();
    expect(described.state.paused).toBe(false);
  });

  it('shows state, counts and failures with their reasons; Retry, Pause, Resume and Disconnect work from it', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    await importedDeal(c);
    const broken = await wonDeal({ domain: null, company: 'Domainless Pages Ltd' });
    await webhook(c, broken.dealId);
    expect(await settled(c, broken.dealId)).toMatchObject({ outcome: 'failed', reason: 'the company "Domainless Pages Ltd" has no domain' });

    const html = await (await admin.get('/settings/connectors')).text();
    expectNoSecrets(html, 'the connectors page');
    expect(html).toContain('data-connection-status="active"');
    expect(textOf(/<li data-count="created">[\s\S]*?<\/li>/.exec(html)![0]).trim()).toBe('1 Created');
    expect(textOf(/<li data-count="failed">[\s\S]*?<\/li>/.exec(html)![0]).trim()).toBe('1 Failed');
    const failure = new RegExp(`<tr data-failure="${broken.dealId}">[\\s\\S]*?</tr>`).exec(html)![0];
    expect(textOf(failure)).toContain('the company "Domainless Pages Ltd" has no domain');
    expect(failure).toContain(`/record/0-3/${broken.dealId}`);
    expect(failure).toContain(`action="/settings/connectors/hubspot/deals/${broken.dealId}/retry"`);
    expect(html).toContain(`http://temporal-ui.test/namespaces/default/schedules/${connectorScheduleId(c.connectionId)}`);

    // The company gets its domain in HubSpot; Retry brings the deal in.
    fake.state.companies.get(broken.companyId!)!.properties.domain = `fixed-${Date.now()}.example`;
    const retried = await admin.post(`/settings/connectors/hubspot/deals/${broken.dealId}/retry`);
    expect(retried.headers.get('location')).toBe(`/settings/connectors?done=retried&deal=${broken.dealId}`);
    expect(textOf(await follow(admin, retried))).toContain(`Retrying deal ${broken.dealId}`);
    expect((await settled(c, broken.dealId, ['created'])).outcome).toBe('created');

    const pausedPage = await follow(admin, await admin.post('/settings/connectors/hubspot/pause'));
    expect(pausedPage).toContain('data-connection-status="paused"');
    expect(pausedPage).toContain('action="/settings/connectors/hubspot/resume"');
    expect(pausedPage).not.toContain('action="/settings/connectors/hubspot/sync"');
    expect((await schedule(c).describe()).state.paused).toBe(true);
    const resumedPage = await follow(admin, await admin.post('/settings/connectors/hubspot/resume'));
    expect(resumedPage).toContain('data-connection-status="active"');
    expect((await schedule(c).describe()).state.paused).toBe(false);

    // Disconnect asks first: a post without the confirmation only leads to the question.
    const unconfirmed = await admin.post('/settings/connectors/hubspot/disconnect');
    expect(unconfirmed.headers.get('location')).toBe('/settings/connectors/hubspot/disconnect');
    expect((await connectionRow(c)).status).toBe('active');
    const question = await (await admin.get('/settings/connectors/hubspot/disconnect')).text();
    expect(textOf(question)).toContain('Disconnect HubSpot?');
    expect(textOf(question)).toContain('keeps the 2 accounts it created or linked');
    const done = await follow(admin, await admin.post('/settings/connectors/hubspot/disconnect', { confirm: 'disconnect' }));
    expectNoSecrets(done, 'the disconnected page');
    expect(done).toContain('data-connection-status="disconnected"');
    expect(textOf(done)).toContain('Connect HubSpot again');
    expect(done).not.toContain('/retry"');
    await expect(schedule(c).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('is for admins only', async () => {
    const c = await connectedOrg();
    const csm = await signIn(h, c.org.csms[0]!.email);
    expect((await csm.get('/settings/connectors')).status).toBe(403);
    expect((await csm.get('/settings/connectors/hubspot/disconnect')).status).toBe(403);
    expect((await csm.post('/settings/connectors/hubspot/pause')).status).toBe(403);
    expect((await csm.post('/settings/connectors/hubspot/disconnect', { confirm: 'disconnect' })).status).toBe(403);
    expect((await csm.post('/settings/connectors/hubspot', { accessToken: 'x'.repeat(20), clientSecret: 'y'.repeat(20), portalId: '1', templateName: 'Quick Start', intervalMinutes: '5', closedWonStageIds: 'closedwon' })).status).toBe(403);
    expect((await connectionRow(c)).status).toBe('active');
    expect((await connectionRow(c)).externalAccountId).toBe(String(fake.portalId));
  });

  it('shows another organisation nothing of this one, and acts on nothing of it', async () => {
    const c = await connectedOrg();
    const imported = await importedDeal(c);
    const other = await h.newOrganisation();
    const stranger = await signIn(h, other.adminEmail);
    const html = await (await stranger.get('/settings/connectors')).text();
    expect(textOf(html)).toContain('HubSpot Not connected');
    expect(html).not.toContain(imported.dealId);
    expect(html).not.toContain(c.connectionId);
    const pause = await stranger.post('/settings/connectors/hubspot/pause');
    expect(pause.status).toBe(404);
    expect(textOf(await pause.text())).toContain('Not done: HubSpot is not connected');
    expect((await stranger.post('/settings/connectors/hubspot/disconnect', { confirm: 'disconnect' })).status).toBe(404);
    expect((await stranger.post(`/settings/connectors/hubspot/deals/${imported.dealId}/retry`)).status).toBe(404);
    expect((await connectionRow(c)).status).toBe('active');
    expect((await stranger.get(`/accounts/${imported.accountId}`)).status).toBe(404);
    expect((await stranger.post(`/accounts/${imported.accountId}/crm/retry`, { provider: 'hubspot', externalId: imported.dealId })).status).toBe(404);
    const list = await (await other.api('/api/accounts?crm=linked')).json() as { items: unknown[]; total: number };
    expect(list).toMatchObject({ items: [], total: 0 });
    expect(textOf(await (await stranger.get('/accounts')).text())).toContain('0 linked to a CRM');
    expect(await (await other.api('/api/connectors')).json()).toEqual({ items: [] });
  });
});

describe('the HubSpot tools on the page', () => {
  it('maps properties from a form: a bad name is refused beside its field, a good mapping is saved and shown', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const page = await (await admin.get('/settings/connectors')).text();
    expect(page).toContain('action="/settings/connectors/hubspot/mapping"');
    expect(page).toContain('placeholder="amount"');

    const refused = await admin.post('/settings/connectors/hubspot/mapping', { arr: 'hs arr', companyName: 'legal_name' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(/id="mapping-arr-error">([^<]*)</.exec(html)?.[1]).toBe('Enter a HubSpot property&#39;s internal name (letters, digits and _, like hs_arr)');
    expect(/name="companyName"[^>]*value="([^"]*)"/.exec(html)?.[1]).toBe('legal_name');
    // Nothing saved: the connection reads HubSpot's defaults (an empty mapping).
    expect((await connectionRow(c)).settings.mapping).toEqual({});

    const saved = await admin.post('/settings/connectors/hubspot/mapping', { arr: 'hs_arr', companyName: 'legal_name', notes: '' });
    expect(saved.headers.get('location')).toBe('/settings/connectors?done=mapped');
    const after = await follow(admin, saved);
    expect(textOf(after)).toContain('The property mapping is saved');
    expect(/name="arr"[^>]*value="([^"]*)"/.exec(after)?.[1]).toBe('hs_arr');
    expect((await connectionRow(c)).settings.mapping).toEqual({ arr: 'hs_arr', companyName: 'legal_name' });
    // A reconnect with the token form keeps the mapping.
    await admin.post('/settings/connectors/hubspot', {
      accessToken: TOKENS[c.slot]!, clientSecret: secretFor(c.slot), portalId: String(fake.portalId), closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: '60',
    });
    expect((await connectionRow(c)).settings.mapping).toEqual({ arr: 'hs_arr', companyName: 'legal_name' });
  });

  it('tests a deal: shows the account it would become, or why not, and creates nothing', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const deal = await wonDeal({ company: 'Tested Pages Co' });
    const res = await admin.get(`/settings/connectors/hubspot/test-deal?dealId=${deal.dealId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expectNoSecrets(html, 'the test-deal page');
    const shown = textOf(/<div data-test-deal-account[\s\S]*?<\/dl>/.exec(html)?.[0] ?? '');
    expect(shown).toContain(`Deal ${deal.dealId} would become this account (nothing was created)`);
    expect(shown).toContain('Company Tested Pages Co');
    expect(shown).toContain('ARR 36000');
    expect(shown).toContain('AE ae.pat@relay.example');
    expect(await record(c, deal.dealId)).toBeUndefined();
    expect(((await (await c.org.api('/api/accounts')).json()) as { total: number }).total).toBe(0);

    const broken = await wonDeal({ domain: null, company: 'Untestable Ltd' });
    const problem = await (await admin.get(`/settings/connectors/hubspot/test-deal?dealId=${broken.dealId}`)).text();
    expect(textOf(problem)).toContain(`Deal ${broken.dealId} would not become an account: the company "Untestable Ltd" has no domain`);
    const notANumber = await admin.get('/settings/connectors/hubspot/test-deal?dealId=abc');
    expect(notANumber.status).toBe(400);
    expect(/id="test-dealId-error">([^<]*)</.exec(await notANumber.text())?.[1]).toContain('the number at the end of its HubSpot URL');
    const unknown = await admin.get('/settings/connectors/hubspot/test-deal?dealId=999999999');
    expect(unknown.status).toBe(404);
    expect(/id="test-dealId-error">([^<]*)</.exec(await unknown.text())?.[1]).toBe('HubSpot has no deal 999999999');
  });

  it('backfills from the page: a date, a preview count, then confirm', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const badDate = await admin.post('/settings/connectors/hubspot/backfill/preview', { since: '2026-13-40' });
    expect(badDate.status).toBe(422);
    expect(/id="backfill-since-error">([^<]*)</.exec(await badDate.text())?.[1]).toBe('Since must be a date (YYYY-MM-DD)');

    const since = '2026-01-01';
    const expected = [...fake.state.deals.values()].filter((d) => d.properties.dealstage === 'closedwon' && Date.parse(String(d.properties.closedate)) >= Date.parse(`${since}T00:00:00Z`)).length;
    const preview = await admin.post('/settings/connectors/hubspot/backfill/preview', { since });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(/<strong data-backfill-count[^>]*>(\d+)<\/strong>/.exec(html)?.[1]).toBe(String(expected));
    expect(html).toContain('action="/settings/connectors/hubspot/backfill"');
    expect(html).toContain(`name="since" value="${since}"`);
    // Nothing runs before the confirmation.
    const backfillId = `connector-${c.connectionId}-backfill-${since}`;
    await expect(h.deps.temporal.workflow.getHandle(backfillId).describe()).rejects.toThrow();

    const confirmed = await admin.post('/settings/connectors/hubspot/backfill', { since });
    expect(confirmed.headers.get('location')).toBe(`/settings/connectors?done=backfill&since=${since}`);
    expect(textOf(await follow(admin, confirmed))).toContain(`Backfill started: Closed Won deals closed since ${since} are being imported`);
    expect(await h.deps.temporal.workflow.getHandle(backfillId).result()).toMatchObject({ status: 'completed', total: expected });
  });
});

describe('accounts and their CRM records', () => {
  it('the account page shows the deal and company links, the sync in words, and retries a failed record', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const imported = await importedDeal(c);

    const html = await (await admin.get(`/accounts/${imported.accountId}`)).text();
    expectNoSecrets(html, 'the account page');
    const card = /<section class="card" id="crm"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(textOf(card)).toContain(`HubSpot deal ${imported.dealId}`);
    expect(card).toContain(`href="https://app.hubspot.com/contacts/${fake.portalId}/record/0-3/${imported.dealId}"`);
    expect(card).toContain(`href="https://app.hubspot.com/contacts/${fake.portalId}/record/0-2/${imported.companyId}"`);
    expect(textOf(card)).toContain('Outcome Created this account');
    expect(textOf(card)).toMatch(/Last sync \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(textOf(card)).toContain('Status Synced');
    expect(card).not.toContain('/crm/retry');

    // A later sync of the deal failed (the record keeps its account): the card says why and offers Retry.
    await h.database.db.update(connectorRecords).set({ outcome: 'failed', reason: 'no template named "Enterprise" for this pipeline (default): choose one in the connection\'s settings' })
      .where(and(eq(connectorRecords.connectionId, c.connectionId), eq(connectorRecords.externalId, imported.dealId)));
    const failing = await (await admin.get(`/accounts/${imported.accountId}`)).text();
    const failingCard = /<section class="card" id="crm"[\s\S]*?<\/section>/.exec(failing)?.[0] ?? '';
    expect(textOf(failingCard)).toContain('Sync error: no template named "Enterprise" for this pipeline (default)');
    expect(failingCard).toContain(`action="/accounts/${imported.accountId}/crm/retry"`);

    // A record the account does not hold is refused; its own is retried and links back.
    const wrong = await follow(admin, await admin.post(`/accounts/${imported.accountId}/crm/retry`, { provider: 'hubspot', externalId: '999999999' }));
    expect(textOf(wrong)).toContain('Not done: that CRM record is not linked to this account.');
    const retried = await follow(admin, await admin.post(`/accounts/${imported.accountId}/crm/retry`, { provider: 'hubspot', externalId: imported.dealId }));
    expect(textOf(retried)).toContain(`Retrying HubSpot ${imported.dealId}`);
    expect(await settled(c, imported.dealId, ['linked'])).toMatchObject({ outcome: 'linked', accountId: imported.accountId, reason: null });
    const after = await (await admin.get(`/accounts/${imported.accountId}`)).text();
    expect(textOf(after)).toContain('Linked to this account (the company was already in Relay)');

    // The API's account answer carries the same links.
    const detail = await (await c.org.api(`/api/accounts/${imported.accountId}`)).text();
    expectNoSecrets(detail, 'the account API answer');
    expect(JSON.parse(detail)).toMatchObject({ crm: [{ provider: 'hubspot', externalId: imported.dealId, outcome: 'linked' }] });
  });

  it('the accounts list filters by CRM, marks each row and counts the linked accounts; a revoked token is a sync error', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const linked = await importedDeal(c);
    const plain = await c.org.api('/api/accounts', { body: accountBody({ companyName: 'Plain Pages Co' }) });
    const { id: plainId } = await plain.json() as { id: string };

    const ids = async (crm: string) => {
      const res = await c.org.api(`/api/accounts?crm=${crm}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expectNoSecrets(text, 'the accounts API answer');
      return (JSON.parse(text) as { items: { id: string; crm: unknown }[] }).items;
    };
    const linkedItems = await ids('linked');
    expect(linkedItems.map((i) => i.id)).toEqual([linked.accountId]);
    expect(linkedItems[0]!.crm).toEqual({ provider: 'hubspot', state: 'linked', recordUrl: `https://app.hubspot.com/contacts/${fake.portalId}/record/0-3/${linked.dealId}`, problem: null });
    expect((await ids('not_linked')).map((i) => i.id)).toEqual([plainId]);
    expect(await ids('sync_error')).toEqual([]);
    const bad = await c.org.api('/api/accounts?crm=maybe');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('crm must be one of linked, not_linked, sync_error');

    const list = await (await admin.get('/accounts')).text();
    expect(textOf(list)).toContain('2 accounts in total · 1 linked to a CRM');
    expect(list).toContain(`class="crm-badge crm-linked" href="https://app.hubspot.com/contacts/${fake.portalId}/record/0-3/${linked.dealId}"`);
    const filtered = await (await admin.get('/accounts?crm=linked')).text();
    expect(filtered).toContain(`href="/accounts/${linked.accountId}"`);
    expect(filtered).not.toContain(`href="/accounts/${plainId}"`);
    expect(filtered).toContain('<option value="linked" selected="">');
    expect((await admin.get('/accounts?crm=maybe')).status).toBe(400);

    // HubSpot refuses the token: the next deal fails, the connection needs re-authorisation, and the
    // account it linked shows a sync error in the list, in the filter and on its page.
    fake.revokeToken(TOKENS[c.slot]!);
    const next = await wonDeal();
    await webhook(c, next.dealId);
    expect((await settled(c, next.dealId)).outcome).toBe('failed');
    await eventually(async () => (await connectionRow(c)).status === 'needs_reauth', { what: 'the connection marked needs_reauth' });
    const errors = await ids('sync_error');
    expect(errors.map((i) => i.id)).toEqual([linked.accountId]);
    expect(errors[0]!.crm).toMatchObject({ state: 'sync_error', problem: expect.stringMatching(/refused the access token/) });
    expect((await ids('linked')).map((i) => i.id)).toEqual([linked.accountId]);
    const errorList = await (await admin.get('/accounts?crm=sync_error')).text();
    expect(errorList).toContain(`class="crm-badge crm-error" href="/accounts/${linked.accountId}#crm"`);
    const account = await (await admin.get(`/accounts/${linked.accountId}`)).text();
    expect(textOf(account)).toMatch(/Sync error: .*refused the access token/);
    const connectors = await (await admin.get('/settings/connectors')).text();
    expect(connectors).toContain('data-connection-status="needs_reauth"');
    expect(textOf(connectors)).toMatch(/Needs re-authorisation: .*refused the access token/);
    // Resuming cannot fix a refused token: reconnecting does.
    expect((await c.org.api('/api/connectors/hubspot/resume', { body: {} })).status).toBe(409);
  });
});

describe('secrets', () => {
  it('appear in no page and no API answer', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const imported = await importedDeal(c);
    const answers: [string, Response][] = [
      ['GET /api/connectors', await c.org.api('/api/connectors')],
      ['PUT /api/connectors/hubspot', await c.org.api('/api/connectors/hubspot', {
        method: 'PUT', body: { accessToken: TOKENS[c.slot], clientSecret: secretFor(c.slot), portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 },
      })],
      ['POST pause', await c.org.api('/api/connectors/hubspot/pause', { body: {} })],
      ['POST resume', await c.org.api('/api/connectors/hubspot/resume', { body: {} })],
      ['GET /api/accounts', await c.org.api('/api/accounts')],
      ['GET /api/accounts/:id', await c.org.api(`/api/accounts/${imported.accountId}`)],
      ['GET /settings/connectors', await admin.get('/settings/connectors')],
      ['GET disconnect page', await admin.get('/settings/connectors/hubspot/disconnect')],
      ['GET /accounts', await admin.get('/accounts')],
      ['GET /accounts/:id', await admin.get(`/accounts/${imported.accountId}`)],
      ['GET /settings', await admin.get('/settings')],
      ['DELETE /api/connectors/hubspot', await c.org.api('/api/connectors/hubspot', { method: 'DELETE' })],
      ['GET /settings/connectors (disconnected)', await admin.get('/settings/connectors')],
    ];
    for (const [where, res] of answers) {
      expect(res.status, where).toBe(200);
      expectNoSecrets(await res.text(), where);
    }
  });
});

// Last in the file: a sync searches the whole fake portal, so it imports every Closed Won deal the
// tests above made (into this organisation); by now each of theirs has settled.
describe('sync now', () => {
  it('starts the connection\'s schedule from the page, and not while paused', async () => {
    const c = await connectedOrg();
    const admin = await signIn(h, c.org.adminEmail);
    const before = (await schedule(c).describe()).info.numActionsTaken;
    const synced = await admin.post('/settings/connectors/hubspot/sync');
    expect(synced.headers.get('location')).toBe('/settings/connectors?done=synced&provider=hubspot');
    expect(textOf(await follow(admin, synced))).toContain('Sync started: HubSpot records changed since the last run are being imported.');
    await eventually(async () => (await schedule(c).describe()).info.numActionsTaken > before, { what: 'the schedule to start a sync' });
    await eventually(async () => (await connectionRow(c)).lastRunAt !== null, { what: 'the sync to run' });
    const page = await (await admin.get('/settings/connectors')).text();
    expect(textOf(page)).not.toContain('Last run Not yet');

    await follow(admin, await admin.post('/settings/connectors/hubspot/pause'));
    const refused = await admin.post('/settings/connectors/hubspot/sync');
    expect(refused.status).toBe(409);
    expect(textOf(await refused.text())).toContain('Not done: HubSpot is paused: resume it to sync');
  });
});
