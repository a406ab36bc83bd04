import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addTask } from '../db/repositories/accountWork.ts';
import { accountMilestones, accounts, accountThreads, handoffs } from '../db/schema/index.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { daysAgo, insertListedAccount, putScoreHistories } from './support/healthListFixtures.ts';

const session = useBrowserSession();
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

describe('Daily Follow-Up in Chromium', () => {
  it('shows the three lanes on a laptop and a phone, and dismisses and snoozes without a script', async () => {
    const { h, browser, served } = session;
    const db = h.database.db;
    const org = await h.newOrganisation();
    const casey = org.csms[0]!;
    const account = async (name: string, arr: number, status: 'active' | 'at_risk' | 'pending_handoff' = 'active', createdDaysAgo = 0) => {
      const id = await insertListedAccount(db, org.orgId, { name, arr, status });
      await db.update(accounts).set({ csmUserId: casey.id, createdAt: ago(createdDaysAgo) }).where(eq(accounts.id, id));
      return id;
    };
    const task = async (accountId: string, title: string, late: number) =>
      addTask(db, org.orgId, accountId, { title, dueDate: daysAgo(late) }, { userId: casey.id, email: casey.email });

    // A CSM's morning: things owed, news, and accounts to watch (one with a long name, for the phone).
    await task(await account('Vandelay Industries', 96_000), 'Send the import/export price list', 4);
    await task(await account('Monk’s Café Group International Holdings', 48_000), 'Confirm the rollout plan for every location', 2);
    const pendant = await account('Pendant Publishing', 180_000);
    await db.insert(accountThreads).values({ orgId: org.orgId, accountId: pendant, kind: 'email', threadKey: 't1', openedAt: ago(3) });
    const peterman = await account('J. Peterman', 360_000);
    const [row] = await db.select({ v: accounts.templateVersionId }).from(accounts).where(eq(accounts.id, peterman));
    await db.insert(accountMilestones).values([
      { id: randomUUID(), orgId: org.orgId, accountId: peterman, templateVersionId: row!.v, sequence: 1, name: 'Kickoff', durationDays: 7, actions: [], status: 'completed', startedAt: ago(6), completedAt: ago(1) },
      { id: randomUUID(), orgId: org.orgId, accountId: peterman, templateVersionId: row!.v, sequence: 2, name: 'Training', durationDays: 14, actions: [], status: 'in_progress', startedAt: ago(1) },
    ]);
    const kramerica = await account('Kramerica', 24_000, 'at_risk');
    await putScoreHistories(db, org.orgId, new Map([[kramerica, new Map([[5, 82], [1, 38]])]]));
    await db.insert(handoffs).values({ id: randomUUID(), orgId: org.orgId, accountId: await account('Sendrakis Holdings', 1_200_000, 'pending_handoff', 6), drafter: 'rule_based', qa: [], createdAt: ago(6) });

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org, casey.email);
    await page.getByRole('link', { name: 'Follow-up' }).click();
    await page.waitForURL(/\/follow-up$/);
    await page.getByRole('heading', { name: 'Daily Follow-Up' }).waitFor();

    const lane = (title: string) => page.getByRole('region', { name: new RegExp(`^${title}`) });
    const accountsIn = (title: string) => lane(title).locator('.fu-account').allTextContents();
    expect(await accountsIn('We owe them something')).toEqual(['Pendant Publishing', 'Vandelay Industries', 'Monk’s Café Group International Holdings']);
    expect(await accountsIn('News to share')).toEqual(['J. Peterman']);
    expect(await accountsIn('Stay close')).toEqual(['Kramerica', 'Sendrakis Holdings']);
    const vandelay = lane('We owe them something').locator('li', { hasText: 'Vandelay Industries' });
    expect(await vandelay.locator('.fu-reason').textContent()).toBe('Task "Send the import/export price list" is 4 days overdue');
    expect(await lane('Stay close').locator('li', { hasText: 'Sendrakis' }).locator('.fu-reason').textContent()).toBe('Handoff waiting on the AE for 6 days');
    // The three lanes side by side on a laptop.
    const tops = await Promise.all(['We owe them something', 'News to share', 'Stay close'].map(async (t) => (await lane(t).boundingBox())!.y));
    expect(new Set(tops).size).toBe(1);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await screenshot(page, 'follow-up-desktop');

    // The next step opens the right part of the account's page.
    await lane('News to share').getByRole('link', { name: 'Send the Kickoff recap' }).click();
    await page.waitForURL(new RegExp(`/accounts/${peterman}#milestones$`));
    await page.goBack();

    // Dismiss: gone from its lane, listed under "Dismissed and snoozed", with the outcome said once.
    await page.getByRole('button', { name: /^Dismiss: Vandelay Industries/ }).click();
    await page.waitForURL(/\/follow-up$/);
    expect(await page.getByRole('status').textContent()).toMatch(/^Dismissed: Vandelay Industries — /);
    expect(await accountsIn('We owe them something')).toEqual(['Pendant Publishing', 'Monk’s Café Group International Holdings']);
    // Snooze until tomorrow.
    await page.getByRole('button', { name: /^Snooze until tomorrow: Kramerica/ }).click();
    await page.waitForURL(/\/follow-up$/);
    expect(await page.getByRole('status').textContent()).toBe(`Snoozed until ${daysAgo(-1)}: Kramerica — Health fell from Healthy to Critical (38) yesterday.`);
    expect(await accountsIn('Stay close')).toEqual(['Sendrakis Holdings']);
    await page.getByText('Dismissed and snoozed (2)').click();
    const hidden = page.locator('#hidden');
    expect(await hidden.locator('.fu-account').allTextContents()).toEqual(['Vandelay Industries', 'Kramerica']);
    await screenshot(page, 'follow-up-desktop-hidden');
    // Show again.
    await hidden.getByRole('button', { name: /^Show again: Kramerica/ }).click();
    await page.waitForURL(/\/follow-up$/);
    expect(await accountsIn('Stay close')).toEqual(['Kramerica', 'Sendrakis Holdings']);

    // A phone: one lane under the other, nothing wider than the screen.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addCookies(await page.context().cookies());
    const small = await phone.newPage();
    await small.goto(`${served.baseUrl}/follow-up`);
    await small.getByRole('heading', { name: 'Daily Follow-Up' }).waitFor();
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const owe = (await small.locator('#lane-owe').boundingBox())!;
    const news = (await small.locator('#lane-news').boundingBox())!;
    expect(news.y).toBeGreaterThan(owe.y + owe.height - 1);
    expect(owe.x + owe.width).toBeLessThanOrEqual(390);
    await screenshot(small, 'follow-up-phone');
    // The forms work on the phone too.
    await small.getByRole('button', { name: /^Snooze until next week: Pendant Publishing/ }).click();
    await small.waitForURL(/\/follow-up$/);
    expect(await small.locator('#lane-owe .fu-account').allTextContents()).toEqual(['Monk’s Café Group International Holdings']);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
    expect(consoleErrors).toEqual([]);
  });
});
