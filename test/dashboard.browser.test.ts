import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { outboxEmails } from '../db/schema/index.ts';
import { onServedApp, screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { accountBody, eventually, type TestOrganisation } from './harness.ts';

const session = useBrowserSession();

async function latestEmail(org: TestOrganisation, kind: string, to: string) {
  return eventually(async () => (await session.h.database.db.select().from(outboxEmails)
    .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, kind)))
    .orderBy(desc(outboxEmails.createdAt))).find((m) => m.toAddresses.includes(to)), { what: `a ${kind} email to ${to}` });
}

describe('a CSM team lead onboarding a customer in Chromium', () => {
  // The whole journey in one browser: on a 2-core machine shared with other suites it can pass the default minute.
  it('signs in, creates an account, hands it off through the AE link, and flags it at risk', { timeout: 150_000 }, async () => {
    const org = await session.h.newOrganisation();
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A blocked resource or a policy violation shows up here before a user notices a broken page.
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`); });
    await signInBrowser(page, session, org);
    await screenshot(page, 'accounts-list-empty');

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'New account' }).click();
    await page.getByLabel(/^Company name/).fill('Vandelay Industries');
    await page.getByLabel(/^ARR/).fill('96000');
    await page.getByLabel(/^Close date/).fill('2026-11-20');
    await page.getByLabel(/^Website/).fill('https://vandelay.example');
    await page.getByLabel(/^Primary contact name/).fill('Art Vandelay');
    await page.getByLabel(/^Primary contact email/).fill('art@vandelay.example');
    await page.getByLabel(/^AE email/).fill('ae-e2e@relay.test');
    await page.getByLabel(/^Onboarding template/).selectOption({ label: 'Quick Start (v1)' });
    await page.getByLabel(/^Deal notes/).fill('Goal: ship latex imports on time. Risk: legacy ERP integration.');
    await screenshot(page, 'account-create-form');
    await page.getByRole('button', { name: /create account/i }).click();
    await page.waitForURL(/\/accounts\/[0-9a-f-]{36}$/, { timeout: 10_000 }).catch(async (error: unknown) => {
      await screenshot(page, 'account-create-failed');
      throw new Error(`no account page after create (at ${page.url()}): ${await page.locator('main').textContent()}`, { cause: error });
    });
    const accountUrl = page.url();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Vandelay Industries');
    expect(await page.locator('h1 + .status, h1 .status').first().textContent()).toBe('Pending handoff');
    await screenshot(page, 'account-detail-pending');

    // The AE's email arrives in the dev outbox; the handoff link there is what the AE clicks.
    await page.getByRole('link', { name: 'Dev outbox' }).click();
    // The dev outbox lists every organisation's emails, and other files make a Vandelay Industries too:
    // this one is the email to this test's AE.
    const handoffCard = page.locator('[data-email-kind="handoff_link"]', { hasText: 'Vandelay Industries' }).filter({ hasText: 'ae-e2e@relay.test' });
    await eventually(async () => (await page.reload(), await handoffCard.count() > 0), { what: 'the handoff email in the dev outbox' });
    await screenshot(page, 'dev-outbox');
    const link = await handoffCard.first().locator('a.email-link').first().getAttribute('href');
    const ae = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    await ae.goto(onServedApp(link!, session.served));
    // On a loaded machine the page can take a while; if the picker never comes, say what the AE saw instead.
    await ae.getByLabel('CSM who will onboard this customer').waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      await screenshot(ae, 'handoff-page-unexpected');
      throw new Error(`no CSM picker on the handoff page (at ${ae.url()}): ${await ae.locator('body').textContent()}`, { cause: error });
    });
    await ae.getByLabel('CSM who will onboard this customer').selectOption({ label: `Sam CSM (${org.csms[2]!.email})` });
    await ae.getByRole('button', { name: 'Submit handoff' }).click();
    await ae.getByRole('heading', { name: /Thank you/ }).waitFor();
    await ae.close();

    await eventually(async () => {
      await page.goto(accountUrl);
      const status = await page.locator('h1 + .status, h1 .status').first().textContent();
      return status === 'Active' && (await page.locator('body').textContent() ?? '').includes('Sam CSM');
    }, { what: 'the account page to show it active with Sam' }).catch(async (error: unknown) => {
      await screenshot(page, 'account-detail-not-active');
      throw error;
    });
    await screenshot(page, 'account-detail-active');

    await page.getByLabel('New status').selectOption('at_risk');
    await page.getByLabel(/^Why/).fill('Champion left; renewal call booked for Monday.');
    await page.getByRole('button', { name: /change status/i }).click();
    await page.waitForURL(accountUrl);
    const timeline = page.locator('#timeline, [aria-labelledby="timeline-title"]').first();
    await eventually(async () => (await timeline.textContent() ?? '').includes('Champion left; renewal call booked for Monday.'), { what: 'the timeline entry' });
    expect(await timeline.textContent()).toContain('by Ada Admin');
    expect(await page.locator('h1 + .status, h1 .status').first().textContent()).toBe('At risk');
    await screenshot(page, 'account-detail-at-risk');

    await page.goto(`${session.served.baseUrl}/accounts`);
    expect(await page.locator('table').textContent()).toContain('Vandelay Industries');
    await screenshot(page, 'accounts-list');
    for (const [path, name] of [['/templates', 'templates'], ['/users', 'users'], ['/settings', 'settings'], ['/imports', 'imports']] as const) {
      const res = await page.goto(`${session.served.baseUrl}${path}`);
      expect(res?.status(), path).toBe(200);
      await screenshot(page, name);
    }
    // On a phone the pages reflow: wide tables scroll inside their card, the page itself never does.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [['/accounts', 'accounts-list-phone'], [new URL(accountUrl).pathname, 'account-detail-phone'], ['/accounts/new', 'account-create-phone']] as const) {
      await page.goto(`${session.served.baseUrl}${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      await screenshot(page, name);
    }
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows a company named <script>alert(1)</script> as text on every page, running nothing', async () => {
    const org = await session.h.newOrganisation();
    const hostile = '<script>alert(1)</script>';
    const created = await org.api('/api/accounts', { body: { ...accountBody(), companyName: hostile, notes: '<img src=x onerror=alert(2)>' } });
    const { id } = await created.json() as { id: string };
    const page = await session.browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
    await signInBrowser(page, session, org);
    const link = (await latestEmail(org, 'handoff_link', 'ae@relay.test')).links[0]!;
    const outboxRow = await latestEmail(org, 'handoff_link', 'ae@relay.test');
    for (const url of [`${session.served.baseUrl}/accounts`, `${session.served.baseUrl}/accounts/${id}`, `${session.served.baseUrl}/dev/outbox`,
      `${session.served.baseUrl}/dev/outbox/${outboxRow.id}`, onServedApp(link, session.served)]) {
      await page.goto(url);
      if (!url.includes('/dev/outbox/')) expect(await page.locator('body').textContent(), url).toContain(hostile);
    }
    await screenshot(page, 'hostile-company-name');
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
