// "Connect with HubSpot" (issue 11): the OAuth install through the real @hubspot/api-client against
// the HubSpot wire fake: the authorize redirect and its state, the callback's code exchange and the
// portal read from the token, the state's CSRF checks (single use, bound to the admin and session,
// expiring), tokens refreshed before expiry and saved sealed, a refused refresh as needs_reauth, and
// webhooks signed with the OAuth app's client secret.
import { ScheduleNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { connections, connectorRecords } from '../db/schema/index.ts';
import type { HubSpotSecrets } from '../domain/connectors.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { HUBSPOT_SECRETS_PURPOSE } from '../services/connectors/hubspotAuth.ts';
import { beginHubSpotOAuth, completeHubSpotOAuth } from '../services/connectors/hubspotOAuthInstall.ts';
import { connectorScheduleId } from '../workflows/connectorDefinitions.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import { createHarness, eventually, TEST_PUBLIC_URL, TEST_TOKEN_SECRET, type Harness, type TestOrganisation } from './harness.ts';

const APP = { clientId: 'relay-oauth-app-client-id-0001', clientSecret: 'relay-oauth-app-client-secret-0001' };
const REDIRECT_URI = `${TEST_PUBLIC_URL}/connectors/hubspot/oauth/callback`;
const box = createSecretBox(TEST_TOKEN_SECRET);

let h: Harness;
/** The same stack with an OAuth app configured (HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET). */
let withOAuth: Harness;
let fake: Awaited<ReturnType<typeof startHubSpotFake>>;
const connectionIds = new Set<string>();

beforeAll(async () => {
  fake = await startHubSpotFake({ portalId: 62777, app: APP });
  h = await createHarness({ activityDeps: { hubspotBaseUrl: fake.url } });
  withOAuth = { ...h, app: createApp({ ...h.deps, hubspotOAuth: APP }) };
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

const textOf = (html: string) => html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

/** Starts an install as the admin: answers HubSpot's authorize URL and the state cookie Relay set. */
async function startInstall(admin: DashboardClient, fields: Record<string, string> = {}) {
  const res = await admin.post('/settings/connectors/hubspot/oauth/start', { closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: '60', ...fields });
  expect(res.status, await res.clone().text()).toBe(303);
  const url = new URL(res.headers.get('location')!);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /relay_hubspot_oauth=[^;]+/.exec(setCookie)?.[0];
  expect(cookie).toBeTruthy();
  return { url, state: url.searchParams.get('state')!, cookie: cookie!, setCookie };
}

/** HubSpot sending the browser back to Relay's callback. */
function callback(client: DashboardClient, query: Record<string, string>, oauthCookie?: string) {
  return withOAuth.app.request(`/connectors/hubspot/oauth/callback?${new URLSearchParams(query)}`, {
    headers: { cookie: [client.cookie, oauthCookie].filter(Boolean).join('; ') },
  });
}

async function connectionOf(org: TestOrganisation) {
  const [row] = await h.database.db.select().from(connections).where(and(eq(connections.orgId, org.orgId), eq(connections.provider, 'hubspot')));
  return row;
}
const secretsOf = (sealed: string) => JSON.parse(box.open(sealed, HUBSPOT_SECRETS_PURPOSE)) as HubSpotSecrets;

/** An organisation connected by OAuth, with its admin signed in. */
async function installed() {
  const org = await h.newOrganisation();
  const admin = await signIn(withOAuth, org.adminEmail);
  const { state, cookie } = await startInstall(admin);
  const done = await callback(admin, { code: fake.issueAuthCode(REDIRECT_URI), state }, cookie);
  expect(done.headers.get('location')).toBe('/settings/connectors?done=connected');
  const row = (await connectionOf(org))!;
  connectionIds.add(row.id);
  return { org, admin, row };
}

let seq = 0;
function wonDeal() {
  const n = ++seq;
  const domain = `oauth-${n}-${Date.now()}.example`;
  return fake.addDeal({
    dealname: `OAuth plan ${n}`, amount: 24_000, closedate: '2026-11-25', dealstage: 'closedwon', description: 'Installed through OAuth.',
    company: { name: `OAuth Co ${n}`, domain, industry: 'SOFTWARE', numberofemployees: 40 },
    contacts: [{ firstname: 'Dana', lastname: 'Scully', email: `dana@${domain}`, jobtitle: 'COO' }],
    owner: { email: 'ae.oauth@relay.example', firstName: 'Olive', lastName: 'Owner' },
  });
}

function webhook(dealId: string, secret = APP.clientSecret) {
  const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId, stageId: 'closedwon' }));
  return h.app.request('/webhooks/hubspot', {
    method: 'POST', headers: { ...signWebhook({ clientSecret: secret, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body }), 'content-type': 'application/json' }, body,
  });
}

const settled = (connectionId: string, dealId: string) => eventually(async () => {
  const [row] = await h.database.db.select().from(connectorRecords).where(and(eq(connectorRecords.connectionId, connectionId), eq(connectorRecords.externalId, dealId)));
  return row && row.outcome !== 'skipped' ? row : undefined;
}, { what: `deal ${dealId} settled`, timeoutMs: 45_000 });

/** Makes the stored access token one that expires within the refresh margin (and HubSpot already treats as expired). */
async function tokenAboutToExpire(org: TestOrganisation) {
  const row = (await connectionOf(org))!;
  const secrets = secretsOf(row.sealedSecrets);
  fake.expireToken(secrets.accessToken);
  const soon: HubSpotSecrets = { ...secrets, oauth: { ...secrets.oauth!, expiresAtMs: Date.now() + 60_000 } };
  await h.database.db.update(connections).set({ sealedSecrets: box.seal(JSON.stringify(soon), HUBSPOT_SECRETS_PURPOSE) }).where(eq(connections.id, row.id));
  return secrets;
}

describe('without an OAuth app configured', () => {
  it('the page says OAuth is not configured and offers the private-app token form only', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const html = await (await admin.get('/settings/connectors')).text();
    expect(html).toContain('data-oauth-not-configured');
    expect(textOf(html)).toContain('Connect with HubSpot (OAuth) is not configured on this Relay');
    expect(html).toContain(REDIRECT_URI);
    expect(html).not.toContain('action="/settings/connectors/hubspot/oauth/start"');
    expect(html).toContain('action="/settings/connectors/hubspot"');
    const start = await admin.post('/settings/connectors/hubspot/oauth/start', { closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: '5' });
    expect(start.status).toBe(409);
    expect(textOf(await start.text())).toContain('OAuth is not configured');
    expect(await connectionOf(org)).toBeUndefined();
  });
});

describe('Connect with HubSpot (OAuth)', () => {
  it('sends the admin to HubSpot with the client ID, scopes, redirect URI and a state; the callback connects the portal', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(withOAuth, org.adminEmail);
    const page = await (await admin.get('/settings/connectors')).text();
    expect(page).toContain('action="/settings/connectors/hubspot/oauth/start"');
    expect(textOf(page)).toContain('Connect with HubSpot (OAuth)');

    const { url, state, cookie, setCookie } = await startInstall(admin);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe(APP.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('scope')).toBe('crm.objects.deals.read crm.objects.companies.read crm.objects.contacts.read crm.objects.owners.read');
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/connectors\/hubspot\/oauth/);
    expect(setCookie).toMatch(/Max-Age=600/);
    // The cookie is sealed: neither the state nor the client secret reads in it.
    expect(cookie).not.toContain(state);
    expect(cookie).not.toContain(APP.clientSecret);

    const code = fake.issueAuthCode(REDIRECT_URI);
    const done = await callback(admin, { code, state }, cookie);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/settings/connectors?done=connected');
    expect(done.headers.get('set-cookie')).toMatch(/relay_hubspot_oauth=;.*Max-Age=0/);
    const exchange = fake.requests.find((r) => r.path === '/oauth/v1/token' && (r.body as Record<string, string>).code === code)!;
    expect(exchange.body).toMatchObject({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, client_id: APP.clientId });

    const listed = await (await org.api('/api/connectors')).text();
    expect(JSON.parse(listed)).toMatchObject({ items: [{ provider: 'hubspot', status: 'active', externalAccountId: String(fake.portalId), settings: { auth: 'oauth', portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 } }] });
    const row = (await connectionOf(org))!;
    connectionIds.add(row.id);
    const secrets = secretsOf(row.sealedSecrets);
    expect(secrets).toMatchObject({ clientSecret: APP.clientSecret, oauth: { clientId: APP.clientId } });
    expect(secrets.oauth!.expiresAtMs).toBeGreaterThan(Date.now() + 25 * 60_000);
    for (const secret of [secrets.accessToken, secrets.oauth!.refreshToken, APP.clientSecret]) {
      expect(listed).not.toContain(secret);
      expect(row.sealedSecrets).not.toContain(secret);
    }
    expect((await h.deps.temporal.schedule.getHandle(connectorScheduleId(row.id)).describe()).state.paused).toBe(false);
    const connected = await (await withOAuth.app.request('/settings/connectors?done=connected', { headers: { cookie: admin.cookie } })).text();
    expect(textOf(connected)).toContain('HubSpot is connected.');
    for (const secret of [secrets.accessToken, secrets.oauth!.refreshToken, APP.clientSecret]) expect(connected).not.toContain(secret);
  });

  it('a state serves once: the same callback again is refused and changes nothing', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(withOAuth, org.adminEmail);
    const { state, cookie } = await startInstall(admin);
    expect((await callback(admin, { code: fake.issueAuthCode(REDIRECT_URI), state }, cookie)).headers.get('location')).toBe('/settings/connectors?done=connected');
    const first = (await connectionOf(org))!;
    connectionIds.add(first.id);
    // Replayed with the same cookie and state (and even a fresh code): refused before any exchange.
    const before = fake.requests.length;
    const again = await callback(admin, { code: fake.issueAuthCode(REDIRECT_URI), state }, cookie);
    expect(again.headers.get('location')).toBe('/settings/connectors?oauth=state');
    expect(fake.requests.length).toBe(before);
    expect((await connectionOf(org))!.sealedSecrets).toBe(first.sealedSecrets);
    const page = await (await withOAuth.app.request('/settings/connectors?oauth=state', { headers: { cookie: admin.cookie } })).text();
    expect(textOf(page)).toContain('HubSpot was not connected: the install link expired, was used already, or was started by someone else.');
  });

  it('refuses a state that is not the one it gave, one without its cookie, another user\'s or session\'s, and an expired one', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(withOAuth, org.adminEmail);
    const { state, cookie } = await startInstall(admin);
    const code = fake.issueAuthCode(REDIRECT_URI);
    const before = fake.requests.length;
    expect((await callback(admin, { code, state: `${state.slice(0, -2)}xx` }, cookie)).headers.get('location')).toBe('/settings/connectors?oauth=state');
    expect((await callback(admin, { code, state })).headers.get('location')).toBe('/settings/connectors?oauth=state');
    expect((await callback(admin, { code }, cookie)).headers.get('location')).toBe('/settings/connectors?oauth=state');
    // The same admin in another session (a link forwarded elsewhere), and another admin of another organisation.
    const otherSession = await signIn(withOAuth, org.adminEmail);
    expect((await callback(otherSession, { code, state }, cookie)).headers.get('location')).toBe('/settings/connectors?oauth=state');
    const stranger = await h.newOrganisation();
    const strangerAdmin = await signIn(withOAuth, stranger.adminEmail);
    expect((await callback(strangerAdmin, { code, state }, cookie)).headers.get('location')).toBe('/settings/connectors?oauth=state');
    // A forged cookie (not sealed by Relay) is nothing.
    expect((await callback(admin, { code, state }, 'relay_hubspot_oauth=v1.AAAA.BBBB.CCCC')).headers.get('location')).toBe('/settings/connectors?oauth=state');
    expect(fake.requests.length).toBe(before);
    // A state begun eleven minutes ago has expired (the services, with their clocks set).
    const deps = { ...h.deps, hubspotOAuth: APP };
    const who = { orgId: org.orgId, userId: 'user-for-expiry', sessionId: 'session-for-expiry' };
    const old = await beginHubSpotOAuth(deps, who, { templateName: 'Quick Start' }, Date.now() - 11 * 60_000);
    const oldState = new URL(old.url).searchParams.get('state')!;
    await expect(completeHubSpotOAuth(deps, who, { code, state: oldState }, old.cookie)).rejects.toMatchObject({ problem: 'state' });
    const fresh = await beginHubSpotOAuth(deps, who, { templateName: 'Quick Start' }, Date.now() - 9 * 60_000);
    await expect(completeHubSpotOAuth(deps, { ...who, sessionId: 'another-session' }, { code, state: new URL(fresh.url).searchParams.get('state')! }, fresh.cookie))
      .rejects.toMatchObject({ problem: 'state' });
    expect(await connectionOf(org)).toBeUndefined();
    expect(await connectionOf(stranger)).toBeUndefined();
    // The admin's own, in time, still works (nothing above spent it).
    expect((await callback(admin, { code, state }, cookie)).headers.get('location')).toBe('/settings/connectors?done=connected');
    connectionIds.add((await connectionOf(org))!.id);
  });

  it('a cancelled install, a refused code and missing scopes are said in words; CSMs cannot install', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(withOAuth, org.adminEmail);
    let started = await startInstall(admin);
    expect((await callback(admin, { error: 'access_denied', state: started.state }, started.cookie)).headers.get('location')).toBe('/settings/connectors?oauth=denied');
    started = await startInstall(admin);
    expect((await callback(admin, { code: 'code-not-from-hubspot', state: started.state }, started.cookie)).headers.get('location')).toBe('/settings/connectors?oauth=refused');
    started = await startInstall(admin);
    const narrow = fake.issueAuthCode(REDIRECT_URI, ['oauth', 'crm.objects.deals.read']);
    expect((await callback(admin, { code: narrow, state: started.state }, started.cookie)).headers.get('location')).toBe('/settings/connectors?oauth=scopes');
    expect(await connectionOf(org)).toBeUndefined();

    const refused = await admin.post('/settings/connectors/hubspot/oauth/start', { closedWonStageIds: 'closed won!', templateName: 'No Such Template', intervalMinutes: '0' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(/id="oauth-templateName-error">([^<]*)</.exec(html)?.[1]).toContain('There is no template of this name');
    expect(/id="oauth-intervalMinutes-error">([^<]*)</.exec(html)?.[1]).toBe('Enter a whole number of minutes, from 1 to 1440');
    expect(/id="oauth-closedWonStageIds-error">([^<]*)</.exec(html)?.[1]).toContain('may hold letters, digits');

    const csm = await signIn(withOAuth, org.csms[0]!.email);
    expect((await csm.post('/settings/connectors/hubspot/oauth/start', { closedWonStageIds: 'closedwon', templateName: 'Quick Start', intervalMinutes: '5' })).status).toBe(403);
    expect((await callback(csm, { code: fake.issueAuthCode(REDIRECT_URI), state: started.state }, started.cookie)).status).toBe(403);
    // Without the form's CSRF token, no install starts.
    expect((await admin.post('/settings/connectors/hubspot/oauth/start', { templateName: 'Quick Start' }, { csrf: false })).status).toBe(403);
  });

  it('imports a deal from a webhook signed with the OAuth app\'s client secret', async () => {
    const { row } = await installed();
    const deal = wonDeal();
    expect((await webhook(deal.dealId)).status).toBe(200);
    expect(await settled(row.id, deal.dealId)).toMatchObject({ outcome: 'created' });
    expect((await webhook(deal.dealId, 'not-the-app-client-secret')).status).toBe(401);
  });

  it('refreshes a token about to expire before calling HubSpot, and keeps the new one sealed', async () => {
    const { org, row } = await installed();
    const old = await tokenAboutToExpire(org);
    const before = fake.requests.length;
    const deal = wonDeal();
    await webhook(deal.dealId);
    expect(await settled(row.id, deal.dealId)).toMatchObject({ outcome: 'created' });
    const refreshes = fake.requests.slice(before).filter((r) => r.path === '/oauth/v1/token');
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes[0]!.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: old.oauth!.refreshToken, client_id: APP.clientId, client_secret: APP.clientSecret });
    const after = secretsOf((await connectionOf(org))!.sealedSecrets);
    expect(after.accessToken).not.toBe(old.accessToken);
    expect(after.oauth!.expiresAtMs).toBeGreaterThan(Date.now() + 25 * 60_000);
    // No HubSpot call went out on the expired token.
    expect(fake.requests.slice(before).filter((r) => r.headers.authorization === `Bearer ${old.accessToken}`)).toEqual([]);

    // The API's own calls ("Test with a deal") refresh the same way.
    await tokenAboutToExpire(org);
    const preview = await org.api(`/api/connectors/hubspot/deals/${wonDeal().dealId}/preview`);
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ problem: null, account: { arr: 24_000 } });
  });

  it('a refresh HubSpot refuses (app uninstalled) marks the connection needs_reauth, as a 401 does', async () => {
    const { org, row } = await installed();
    const old = await tokenAboutToExpire(org);
    fake.revokeToken(old.oauth!.refreshToken);
    const deal = wonDeal();
    await webhook(deal.dealId);
    const failed = await settled(row.id, deal.dealId);
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toContain('HubSpot refused to refresh the access token');
    const view = await (await org.api('/api/connectors')).json() as { items: { status: string; lastError: string }[] };
    expect(view.items[0]).toMatchObject({ status: 'needs_reauth' });
    expect(view.items[0]!.lastError).toMatch(/BAD_REFRESH_TOKEN.*Reconnect HubSpot/);
    expect(JSON.stringify(view)).not.toContain(old.oauth!.refreshToken);

    // Installing again is the cure.
    const admin = await signIn(withOAuth, org.adminEmail);
    const { state, cookie } = await startInstall(admin);
    expect((await callback(admin, { code: fake.issueAuthCode(REDIRECT_URI), state }, cookie)).headers.get('location')).toBe('/settings/connectors?done=connected');
    expect((await connectionOf(org))!.status).toBe('active');
  });
});
