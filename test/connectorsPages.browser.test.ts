// The connectors page, the account's CRM card and the accounts list's CRM filter in Chromium
// (issue 11), over real deals from the HubSpot wire fake. Screenshots: connectors.png,
// account-crm.png, accounts-crm.png, connectors-disconnected.png.
import { ScheduleNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorRecords } from '../db/schema/index.ts';
import { connectorScheduleId } from '../workflows/connectorDefinitions.ts';
import { launchChromium, screenshot, serveApp, type BrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake } from './fakes/hubspotFake.ts';
import { accountBody, createHarness, eventually, TEST_PUBLIC_URL, type TestOrganisation } from './harness.ts';

const TOKEN = 'pat-na1-browser-0000-1111-2222';
const CLIENT_SECRET = 'browser-app-client-secret-98765';

const session = {} as BrowserSession;
let fake: Awaited<ReturnType<typeof startHubSpotFake>>;
let connectionId: string | undefined;

beforeAll(async () => {
  fake = await startHubSpotFake({ accessTokens: [TOKEN], portalId: 62611 });
  session.h = await createHarness({ activityDeps: { hubspotBaseUrl: fake.url } });
  session.served = await serveApp(session.h);
  session.browser = await launchChromium();
});

afterAll(async () => {
  if (connectionId) {
    await session.h?.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  await session.browser?.close();
  await session.served?.close();
  await session.h?.close();
  await fake?.close();
});

let seq = 0;
function wonDeal(company: string, domain: string | null) {
  const n = ++seq;
  return fake.addDeal({
    dealname: `${company} annual plan`, amount: 60_000 + n * 1_000, closedate: '2026-11-25', dealstage: 'closedwon', description: 'Rollout to three teams in Q1.',
    company: { name: company, ...(domain ? { domain } : {}), industry: 'SOFTWARE', numberofemployees: 240 },
    contacts: [{ firstname: 'Dana', lastname: 'Katz', email: `dana@${domain ?? `no-domain-${n}.example`}`, jobtitle: 'VP Operations' }],
    owner: { email: 'ae.sam@relay.example', firstName: 'Sam', lastName: 'Seller' },
  });
}

async function deliver(dealId: string) {
  const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId, stageId: 'closedwon' }));
  const headers = signWebhook({ clientSecret: CLIENT_SECRET, url: `${TEST_PUBLIC_URL}/webhooks/hubspot`, body });
  const res = await session.h.app.request('/webhooks/hubspot', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
}

const settled = (dealId: string, outcomes = ['created', 'linked', 'failed']) => eventually(async () => {
  const [row] = await session.h.database.db.select().from(connectorRecords)
    .where(and(eq(connectorRecords.connectionId, connectionId!), eq(connectorRecords.externalId, dealId)));
  return row && outcomes.includes(row.outcome) ? row : undefined;
}, { what: `deal ${dealId} settled`, timeoutMs: 45_000 });

describe('connectors in Chromium', () => {
  it('an admin sees the HubSpot connection with counts and a failure, retries it, follows the account and the list, pauses, disconnects and reconnects', async () => {
    const org: TestOrganisation = await session.h.newOrganisation();
    const connected = await org.api('/api/connectors/hubspot', {
      method: 'PUT', body: { accessToken: TOKEN, clientSecret: CLIENT_SECRET, portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 60 },
    });
    expect(connected.status).toBe(200);
    connectionId = ((await connected.json()) as { id: string }).id;

    // Three Closed Won deals: one new company, one Relay already has, one without a domain.
    const stamp = Date.now();
    const created = wonDeal('Acme Rockets', `acme-rockets-${stamp}.example`);
    const existing = accountBody({ companyName: 'Initrode', website: `https://initrode-${stamp}.example` });
    expect((await org.api('/api/accounts', { body: existing })).status).toBe(201);
    const linked = wonDeal('Initrode Inc', `initrode-${stamp}.example`);
    const broken = wonDeal('Nowhere Widgets', null);
    for (const deal of [created, linked, broken]) await deliver(deal.dealId);
    const createdRecord = await settled(created.dealId);
    expect(createdRecord.outcome).toBe('created');
    expect((await settled(linked.dealId)).outcome).toBe('linked');
    expect(await settled(broken.dealId)).toMatchObject({ outcome: 'failed', reason: 'the company "Nowhere Widgets" has no domain' });

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('status of 422')) consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    await signInBrowser(page, session, org);
    const base = session.served.baseUrl;

    await page.goto(`${base}/settings`);
    await page.getByRole('link', { name: 'Manage connectors' }).click();
    await page.waitForURL(/\/settings\/connectors$/);
    const hubspot = page.locator('#connector-hubspot');
    expect(await hubspot.locator('[data-connection-status]').textContent()).toBe('Active');
    for (const [outcome, n] of [['created', '1'], ['linked', '1'], ['skipped', '0'], ['failed', '1']] as const) {
      expect(await hubspot.locator(`[data-count="${outcome}"] strong`).textContent()).toBe(n);
    }
    const failure = hubspot.locator(`tr[data-failure="${broken.dealId}"]`);
    expect(await failure.textContent()).toContain('the company "Nowhere Widgets" has no domain');
    expect(await failure.getByRole('link', { name: `Deal ${broken.dealId}` }).getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${fake.portalId}/record/0-3/${broken.dealId}`);
    expect(await hubspot.getByRole('link', { name: `Schedule ${connectorScheduleId(connectionId)}` }).getAttribute('href'))
      .toBe(`http://temporal-ui.test/namespaces/default/schedules/${connectorScheduleId(connectionId)}`);
    expect(await page.content()).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(CLIENT_SECRET);
    await screenshot(page, 'connectors');

    // "Test with a deal" from the page: the account the linked deal's company would become, nothing created.
    await hubspot.locator('summary', { hasText: 'Test with a deal' }).click();
    await page.getByLabel('Deal ID').fill(createdRecord.externalId);
    await page.getByRole('button', { name: 'Test with this deal' }).click();
    await page.waitForURL(/\/settings\/connectors\/hubspot\/test-deal\?dealId=/);
    expect(await page.locator('[data-test-deal-account]').textContent()).toContain('would become this account (nothing was created)');
    // The backfill's preview, before anything runs.
    await hubspot.locator('summary', { hasText: 'Backfill deals closed earlier' }).click();
    await page.getByLabel('Bring in deals closed since').fill('2026-01-01');
    await page.getByRole('button', { name: 'Preview' }).click();
    expect(Number(await page.locator('[data-backfill-count]').textContent())).toBeGreaterThan(0);
    await screenshot(page, 'connectors-tools');
    await page.goto(`${base}/settings/connectors`);

    // The company gets its domain in HubSpot; Retry brings the deal in.
    fake.state.companies.get(broken.companyId!)!.properties.domain = `nowhere-widgets-${stamp}.example`;
    await failure.getByRole('button', { name: `Retry deal ${broken.dealId}` }).click();
    await page.getByRole('status').filter({ hasText: `Retrying deal ${broken.dealId}` }).waitFor();
    expect((await settled(broken.dealId, ['created'])).outcome).toBe('created');
    await page.reload();
    expect(await hubspot.locator('[data-count="created"] strong').textContent()).toBe('2');
    expect(await hubspot.locator('[data-count="failed"] strong').textContent()).toBe('0');
    expect(await hubspot.textContent()).toContain('No failed or skipped records.');

    // The account the first deal made: its CRM card.
    await page.goto(`${base}/accounts/${createdRecord.accountId}`);
    const card = page.locator('#crm');
    await card.waitFor();
    expect(await card.getByRole('link', { name: 'Open the deal in HubSpot' }).getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${fake.portalId}/record/0-3/${created.dealId}`);
    expect(await card.getByRole('link', { name: 'Open the company in HubSpot' }).getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${fake.portalId}/record/0-2/${created.companyId}`);
    expect(await card.locator('[data-crm-status]').textContent()).toBe('Synced');
    expect(await card.textContent()).toContain('Created this account');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'account-crm');

    // The list: the header count, a HubSpot badge per linked row, the CRM filter.
    await page.goto(`${base}/accounts`);
    expect(await page.locator('[data-crm-linked]').textContent()).toContain('3 linked to a CRM');
    await page.getByLabel('CRM', { exact: true }).selectOption({ label: 'Not linked' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/crm=not_linked/);
    expect(await page.locator('tbody tr').count()).toBe(0);
    await page.getByLabel('CRM', { exact: true }).selectOption({ label: 'Linked to a CRM' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/crm=linked/);
    expect(await page.locator('tbody tr').count()).toBe(3);
    expect(await page.locator('td.crm-cell a.crm-linked').count()).toBe(3);
    await screenshot(page, 'accounts-crm');

    // Pause and resume, then disconnect through its confirm page.
    await page.goto(`${base}/settings/connectors`);
    await hubspot.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot is paused' }).waitFor();
    expect(await hubspot.locator('[data-connection-status]').textContent()).toBe('Paused');
    expect((await session.h.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).describe()).state.paused).toBe(true);
    await hubspot.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot is syncing again.' }).waitFor();
    expect(await hubspot.locator('[data-connection-status]').textContent()).toBe('Active');

    await hubspot.getByRole('link', { name: 'Disconnect…' }).click();
    await page.getByRole('heading', { name: 'Disconnect HubSpot?' }).waitFor();
    await page.getByRole('button', { name: 'Disconnect HubSpot' }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot is disconnected' }).waitFor();
    expect(await hubspot.locator('[data-connection-status]').textContent()).toBe('Disconnected');
    await expect(session.h.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    // Reconnect: a bad portal ID is refused beside its field, and the secrets typed are not sent back.
    await page.getByLabel('Private app access token').fill(TOKEN);
    await page.getByLabel('Client secret').fill(CLIENT_SECRET);
    await page.getByLabel('Portal ID (Hub ID)').fill('not a portal');
    await page.getByRole('button', { name: 'Reconnect HubSpot' }).click();
    await page.locator('#hubspot-portalId-error').waitFor();
    expect(await page.locator('#hubspot-portalId-error').textContent()).toBe('The portal ID may hold letters, digits and _ . : - only');
    expect(await page.getByLabel('Private app access token').inputValue()).toBe('');
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.getByLabel('Portal ID (Hub ID)').inputValue()).toBe('not a portal');
    expect(await page.content()).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(CLIENT_SECRET);
    await screenshot(page, 'connectors-disconnected');

    await page.getByLabel('Private app access token').fill(TOKEN);
    await page.getByLabel('Client secret').fill(CLIENT_SECRET);
    await page.getByLabel('Portal ID (Hub ID)').fill(String(fake.portalId));
    await page.getByRole('button', { name: 'Reconnect HubSpot' }).click();
    await page.getByRole('status').filter({ hasText: 'HubSpot is connected.' }).waitFor();
    expect(await hubspot.locator('[data-connection-status]').textContent()).toBe('Active');
    expect(await hubspot.locator('[data-count="created"] strong').textContent()).toBe('2');
    expect((await session.h.deps.temporal.schedule.getHandle(connectorScheduleId(connectionId)).describe()).state.paused).toBe(false);
    expect(consoleErrors).toEqual([]);
  });
});
