import { describe, expect, it } from 'vitest';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';

const session = useBrowserSession();

const CSV = [
  'Company,Revenue,Close Date,Primary Contact,Email,Template',
  'Wayne Enterprises,"$250,000",2026-11-01,Lucius Fox,lucius@wayne-browser.example,Enterprise Implementation',
  'Stark Industries,180000,2026-11-02,Pepper Potts,pepper@stark-browser.example,quick start',
  'Bad Row,lots,2026-02-30,Nobody,not-an-email,Standard SaaS Onboarding',
  'Wayne Again,1000,2026-11-03,Bruce Wayne,bruce@wayne-browser.example,Quick Start',
].join('\r\n');

describe('bulk CSV import in Chromium', () => {
  it('previews a file with its errors and duplicates, imports it with a progress page, and knows it on re-upload', async () => {
    const org = await session.h.newOrganisation();
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInBrowser(page, session, org);
    const upload = async () => {
      await page.goto(`${session.served.baseUrl}/imports`);
      await page.getByLabel(/^CSV file/).setInputFiles({ name: 'closed-won.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${CSV}`) });
      await page.getByRole('button', { name: 'Upload and preview' }).click();
      await page.getByRole('heading', { name: /Preview: closed-won\.csv/ }).waitFor();
    };

    await upload();
    const body = await page.locator('main').textContent() ?? '';
    expect(body).toMatch(/Rows\s*4/);
    expect(body).toMatch(/Will be created\s*2/);
    expect(body).toContain('ARR must be a whole number of dollars');
    expect(body).toContain('wayne-browser.example');
    await screenshot(page, 'import-preview');

    await page.getByRole('button', { name: 'Create 2 accounts' }).click();
    await page.getByRole('heading', { name: /Import: closed-won\.csv/ }).waitFor();
    expect(await page.getByRole('progressbar', { name: 'Import progress' }).count()).toBe(1);
    // The page refreshes itself (no script) until the workflow has finished.
    await page.waitForFunction(() => document.querySelector('.page-head .status')?.textContent === 'completed', undefined, { timeout: 30_000 });
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('main').textContent()).toMatch(/Created\s*2/);
    await screenshot(page, 'import-completed');

    await page.getByRole('link', { name: 'Stark Industries' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Stark Industries');

    await upload();
    expect(await page.locator('main').textContent()).toContain('already imported');
    expect(await page.locator('main').textContent()).toMatch(/Will be created\s*0/);
    expect(await page.getByRole('button', { name: /Create \d+ account/ }).count()).toBe(0);
    await page.close();
  });
});
