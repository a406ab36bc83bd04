import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { insertAccountWithDomains } from '../db/repositories/accounts.ts';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import type { LifecycleStatus } from '../domain/lifecycle.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { handedOffAccount, type TestOrganisation } from './harness.ts';

const session = useBrowserSession();
const DAY = 86_400_000;

async function seedAccount(org: TestOrganisation, a: { name: string; status: LifecycleStatus; arr: number; csm: string | null; createdDaysAgo?: number }) {
  const db = session.h.database.db;
  const id = randomUUID();
  const version = await findCurrentTemplateVersion(db, org.orgId, { templateName: 'Quick Start' });
  const domain = `${a.name.toLowerCase().replace(/\W+/g, '-')}-${id.slice(0, 6)}.example`;
  await insertAccountWithDomains(db, {
    id, orgId: org.orgId, companyName: a.name, arr: a.arr, closeDate: '2026-10-01', primaryContactName: 'Pat Contact',
    primaryContactEmail: `pat@${domain}`, primaryDomain: domain, status: a.status, csmUserId: a.csm, templateVersionId: version!.id,
    workflowId: `account-${id}`, createdAt: new Date(Date.now() - (a.createdDaysAgo ?? 0) * DAY - 60_000),
  }, [domain]);
  return id;
}

describe('the accounts list as a CSM’s cockpit, in Chromium', () => {
  it('shows the portfolio, changes the status of selected accounts, saves a view and exports, on a laptop and a phone, without a script', async () => {
    const { h, browser, served } = session;
    const org = await h.newOrganisation();
    await Promise.all([
      handedOffAccount(h, org, { companyName: 'Vandelay Industries', arr: 96_000 }),
      handedOffAccount(h, org, { companyName: 'Kramerica Industries', arr: 24_000 }),
    ]);
    const casey = org.csms[0]!.id;
    await seedAccount(org, { name: 'Pendant Publishing', status: 'completed', arr: 360_000, csm: casey });
    await seedAccount(org, { name: 'Monk’s Café Group With A Rather Long Company Name', status: 'at_risk', arr: 1_200_000, csm: casey });
    await seedAccount(org, { name: 'Brand New Co', status: 'pending_handoff', arr: 12_000, csm: null, createdDaysAgo: 3 });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);

    // The portfolio at a glance.
    const header = page.locator('[data-portfolio]');
    expect(await header.locator('[data-status="active"]').textContent()).toBe('Active$120,0002 accounts');
    expect(await header.locator('[data-at-risk]').textContent()).toContain('$1,200,000');
    expect((await header.locator('[data-waiting]').textContent())!.replace(/\s+/g, ' ')).toContain('1 waiting');
    expect(await header.locator('[data-waiting]').textContent()).toContain('oldest 3 days');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('created');
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await screenshot(page, 'accounts-cockpit');

    // Bulk: tick three rows, move them to At risk; the completed one refuses, in words.
    for (const name of ['Vandelay Industries', 'Kramerica Industries', 'Pendant Publishing']) await page.getByLabel(`Select ${name}`).check();
    await page.getByLabel('Change status').selectOption({ label: 'At risk' });
    await page.getByRole('button', { name: 'Change status' }).click();
    const flash = page.locator('[data-flash]');
    await flash.waitFor();
    expect(await flash.textContent()).toBe('2 moved, 1 skipped: Pendant Publishing (the account is completed; its lifecycle has ended).');
    for (const name of ['Vandelay Industries', 'Kramerica Industries']) {
      expect(await page.locator('tr', { hasText: name }).locator('.status').first().textContent()).toBe('At risk');
    }
    expect(await header.locator('[data-status="at_risk"]').textContent()).toBe('At risk$1,320,0003 accounts');
    await screenshot(page, 'accounts-cockpit-bulk');

    // Filter by a tab and save it as a view: a link above the list, marked as the current view.
    await page.locator('nav.tabs').getByRole('link', { name: /^At risk/ }).click();
    await page.waitForURL(/status=at_risk/);
    await page.getByText('Save this view').click();
    await page.getByLabel('View name').fill('At risk, everyone');
    await page.getByLabel('Share with everyone in the organisation').check();
    await page.getByRole('button', { name: 'Save view' }).click();
    await flash.waitFor();
    expect(await flash.textContent()).toBe('View "At risk, everyone" saved and shared with the organisation.');
    const viewLink = page.locator('nav.saved-views a', { hasText: 'At risk, everyone' });
    expect(await viewLink.getAttribute('aria-current')).toBe('page');

    // Export every row on the page, without ticking each.
    await page.goto(`${served.baseUrl}/accounts`);
    await page.getByLabel('Select all 5 on this page').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export selection (CSV)' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.trim().split(/\r?\n/)).toHaveLength(6);
    expect(csv).toContain('Brand New Co');

    // A phone: rows are cards, nothing scrolls sideways, the bulk form still works.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false });
    await phone.addCookies(await page.context().cookies());
    const small = await phone.newPage();
    await small.goto(`${served.baseUrl}/accounts`);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The headings become a row of sort links above the cards; the CSM column's heading (no sort) goes.
    expect(await small.getByRole('link', { name: 'ARR / MRR' }).isVisible()).toBe(true);
    expect(await small.locator('.accounts-table thead th', { hasText: 'CSM' }).isVisible()).toBe(false);
    const sortBar = (await small.locator('.accounts-table thead tr').boundingBox())!;
    expect(sortBar.x + sortBar.width).toBeLessThanOrEqual(390);
    const card = small.locator('.accounts-table tbody tr', { hasText: 'Monk’s Café Group' });
    const box = (await card.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await card.locator('td[data-label="ARR / MRR"]').textContent()).toContain('$1,200,000');
    await screenshot(small, 'accounts-cockpit-phone');
    await small.getByLabel('Select Vandelay Industries').check();
    await small.getByLabel('Change status').selectOption({ label: 'Active' });
    await small.getByRole('button', { name: 'Change status' }).click();
    await small.locator('[data-flash]').waitFor();
    expect(await small.locator('[data-flash]').textContent()).toBe('1 moved.');
    expect(await small.locator('.accounts-table tbody tr', { hasText: 'Vandelay Industries' }).locator('.status').first().textContent()).toBe('Active');
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(small, 'accounts-cockpit-phone-after-bulk');
    await phone.close();

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
