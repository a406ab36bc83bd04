import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { accounts } from '../db/schema/index.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { accountBody } from './harness.ts';

// Editing an account in Chromium (issue 14): the account page's Edit button, the form on a desktop
// and on a phone, its errors beside the fields, and the change on the timeline.

const session = useBrowserSession();

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

async function savedRecord(id: string) {
  const [row] = await session.h.database.db.select({ companyName: accounts.companyName, arr: accounts.arr, primaryContactName: accounts.primaryContactName })
    .from(accounts).where(eq(accounts.id, id));
  return row;
}

describe('editing an account in Chromium', () => {
  it('edits fields through the form on a desktop and on a phone, with errors beside the fields and the changes on the timeline', async () => {
    const org = await session.h.newOrganisation();
    const body = accountBody({ companyName: 'Vandelay Industires', arr: 48_000 });
    const created = await org.api('/api/accounts', { body });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const domain = new URL(body.website).hostname.replace(/^www\./, '');

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);

    // Desktop: from the account page's Edit button to the form, filled with what is saved.
    await page.goto(`${session.served.baseUrl}/accounts/${id}`);
    await page.getByRole('link', { name: 'Edit account' }).click();
    await page.waitForURL(new RegExp(`/accounts/${id}/edit$`));
    expect(await page.getByLabel('Company name').inputValue()).toBe('Vandelay Industires');
    expect(await page.getByLabel('ARR (whole dollars)').inputValue()).toBe('48000');
    expect(await page.getByLabel('Primary domain').inputValue()).toBe(domain);
    await page.getByLabel('Company name').fill('Vandelay Industries');
    await page.getByLabel('ARR (whole dollars)').fill('$52,000');
    await page.getByLabel('Other domains').fill(`vandelay-latex-${domain}`);
    await screenshot(page, 'account-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await page.waitForURL(new RegExp(`/accounts/${id}$`));
    expect(await page.getByRole('status').first().textContent()).toContain('Saved. Company name: Vandelay Industires → Vandelay Industries; ARR: $48,000 → $52,000');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Vandelay Industries');
    const entry = page.locator('#timeline li[data-type="account_edited"]');
    expect(await entry.count()).toBe(1);
    expect(await entry.locator('.edit-changes > span').allTextContents()).toEqual([
      'Company name: Vandelay Industires → Vandelay Industries',
      'ARR: $48,000 → $52,000',
      `Other domains: (none) → vandelay-latex-${domain}`,
    ]);
    expect(await entry.textContent()).toContain('Account edited · by Ada Admin');
    await screenshot(page, 'account-edited-timeline');
    expect(await savedRecord(id)).toMatchObject({ companyName: 'Vandelay Industries', arr: 52_000 });

    // Phone: the same form at 390 px, never wider than the screen, with and without errors.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${session.served.baseUrl}/accounts/${id}`);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await page.getByRole('link', { name: 'Edit account' }).click();
    await page.waitForURL(new RegExp(`/accounts/${id}/edit$`));
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await page.getByLabel('Primary contact name').fill('');
    await page.getByLabel('ARR (whole dollars)').fill('a lot');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#edit-arr-error').waitFor();
    expect(await page.locator('#edit-arr-error').textContent()).toBe('ARR must be a whole number of dollars');
    expect(await page.locator('#edit-primaryContactName-error').textContent()).toBe('primary contact name is required');
    expect(await page.getByLabel('ARR (whole dollars)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('ARR (whole dollars)').inputValue()).toBe('a lot');
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-edit-phone-errors');
    expect(await savedRecord(id)).toMatchObject({ arr: 52_000, primaryContactName: body.primaryContactName });

    await page.getByLabel('Primary contact name').fill('Art Vandelay');
    await page.getByLabel('ARR (whole dollars)').fill('60000');
    await screenshot(page, 'account-edit-phone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/accounts/${id}$`));
    expect(await page.getByRole('status').first().textContent()).toContain(`ARR: $52,000 → $60,000; Primary contact name: ${body.primaryContactName} → Art Vandelay`);
    expect(await page.locator('#timeline li[data-type="account_edited"]').count()).toBe(2);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-edited-phone');
    expect(await savedRecord(id)).toMatchObject({ arr: 60_000, primaryContactName: 'Art Vandelay' });
    // The one refused post answers 400 (the form with its errors), which Chromium logs; nothing else failed.
    expect(consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await page.close();
  });
});
