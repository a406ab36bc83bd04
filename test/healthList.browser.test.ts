import { describe, expect, it } from 'vitest';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { insertListedAccount, putScoreHistories, type ScoreHistory } from './support/healthListFixtures.ts';

const session = useBrowserSession();

const series = (from: number, score: (ago: number) => number): ScoreHistory =>
  new Map(Array.from({ length: from + 1 }, (_, i) => [from - i, score(from - i)] as [number, number]));

// A CSM's morning book: some recovering, some sliding, one new, one never scored.
const BOOK: { name: string; status: 'active' | 'at_risk' | 'pending_handoff' | 'completed'; arr: number; scores: ScoreHistory }[] = [
  { name: 'Vandelay Industries', status: 'active', arr: 96_000, scores: series(29, (d) => 84 - 2 * d + (d % 2) * 6) },
  { name: 'Kramerica', status: 'at_risk', arr: 24_000, scores: series(29, (d) => Math.min(90, 32 + 2 * d)) },
  { name: 'Pendant Publishing', status: 'active', arr: 180_000, scores: series(29, (d) => 66 + (d % 4)) },
  { name: 'Monk’s Café Group', status: 'active', arr: 48_000, scores: series(20, (d) => 52 - (d % 5)) },
  { name: 'J. Peterman', status: 'completed', arr: 360_000, scores: series(29, (d) => 95 - (d % 3)) },
  { name: 'Sendrakis Holdings', status: 'active', arr: 1_200_000, scores: series(12, (d) => 62 + d * 2) },
  { name: 'Brand New Co', status: 'pending_handoff', arr: 12_000, scores: new Map() },
];

describe('the accounts list’s health column in Chromium', () => {
  it('shows each account’s health with a sparkline and a trend arrow, filters and sorts by it, and needs no script', async () => {
    const { h, browser, served } = session;
    const org = await h.newOrganisation();
    const histories = new Map<string, ScoreHistory>();
    for (const a of BOOK) histories.set(await insertListedAccount(h.database.db, org.orgId, a), a.scores);
    await putScoreHistories(h.database.db, org.orgId, histories);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);

    // Sorting by health from its header: worst first, the never-scored last.
    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.waitForURL(/sort=health&dir=asc/);
    const companies = () => page.locator('tbody tr td:first-child a').allTextContents();
    expect(await companies()).toEqual([
      'Kramerica', 'Monk’s Café Group', 'Sendrakis Holdings', 'Pendant Publishing', 'Vandelay Industries', 'J. Peterman', 'Brand New Co',
    ]);
    const kramerica = page.locator('tr', { hasText: 'Kramerica' });
    expect(await kramerica.locator('td.health-cell .health-badge').textContent()).toBe('32 Critical');
    expect(await kramerica.getByRole('img', { name: 'down 14 points in 7 days' }).textContent()).toBe('↓');
    const vandelay = page.locator('tr', { hasText: 'Vandelay Industries' });
    expect(await vandelay.getByRole('img', { name: /^up \d+ points in 7 days$/ }).textContent()).toBe('↑');
    expect(await page.locator('tr', { hasText: 'J. Peterman' }).getByRole('img', { name: /^steady: / }).textContent()).toBe('→');
    expect(await page.locator('tr', { hasText: 'Brand New Co' }).textContent()).toContain('Not scored');
    // Every scored row draws its 30 days as an inline SVG line.
    expect(await page.locator('td.health-cell svg.sparkline polyline').count()).toBe(6);
    const line = vandelay.locator('svg.sparkline');
    expect((await line.getAttribute('aria-label'))!.split(', ')).toHaveLength(30);
    const box = await line.boundingBox();
    expect(box!.width).toBeGreaterThan(50);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await screenshot(page, 'health-list');

    // The filter form: a tier and a score range.
    await page.getByLabel('Health', { exact: true }).selectOption({ label: 'Needs attention' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/tier=needs_attention/);
    expect(await companies()).toEqual(['Sendrakis Holdings', 'Pendant Publishing']);
    await page.getByLabel('Health', { exact: true }).selectOption({ label: 'Any health' });
    await page.getByLabel('Score from').fill('50');
    await page.getByLabel('Score to').fill('79');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/scoreMin=50&scoreMax=79/);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('health');
    expect(await companies()).toEqual(['Monk’s Café Group', 'Sendrakis Holdings', 'Pendant Publishing']);
    await screenshot(page, 'health-list-filtered');

    // Without JavaScript the page is the same: the sparklines are markup, not drawn by a script.
    const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    await noScript.addCookies(await page.context().cookies());
    const plain = await noScript.newPage();
    await plain.goto(`${served.baseUrl}/accounts?sort=health`);
    expect(await plain.locator('td.health-cell svg.sparkline polyline').count()).toBe(6);
    expect((await plain.locator('tr', { hasText: 'Vandelay Industries' }).locator('svg.sparkline').boundingBox())!.width).toBeGreaterThan(50);
    await noScript.close();

    // On a phone the health column costs no sideways scrolling: the table is no wider than without it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${served.baseUrl}/accounts?sort=health`);
    const tableWidth = () => page.locator('.table-wrap').evaluate((el) => el.scrollWidth);
    const withHealth = await tableWidth();
    // There the score and arrow sit under the status, and the sort link under the Status heading.
    expect(await kramerica.locator('.health-sm .health-badge').textContent()).toBe('32 Critical');
    expect(await kramerica.getByRole('img', { name: 'down 14 points in 7 days' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Health ▲' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'health-list-phone');
    // What the table was before health came: the same rows without any of it.
    await page.addStyleTag({ content: '.health-col,.health-cell,.health-sm{display:none!important}' });
    expect(withHealth).toBeLessThanOrEqual(await tableWidth());
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
