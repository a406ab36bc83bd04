import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { refreshMilestoneDueDates } from '../db/repositories/milestones.ts';
import { accountMilestones } from '../db/schema/index.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { eventually, handedOffAccount } from './harness.ts';

// "My tasks" and an account behind its plan, in Chromium on a laptop and a phone (issue 14).

const session = useBrowserSession();
const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

const noSidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe('My tasks and milestone due dates in Chromium', () => {
  it('lists a CSM\'s tasks by when they are due, ticks one off, edits one, and flags a late milestone, on a laptop and a phone', async () => {
    const { h, browser, served } = session;
    const org = await h.newOrganisation();
    const casey = org.csms.find((c) => c.name === 'Casey CSM')!;
    const { id: late } = await handedOffAccount(h, org, { companyName: 'Vandelay Industries' });
    const { id: onTime } = await handedOffAccount(h, org, { companyName: 'Kramerica With A Rather Long Company Name For Phones' });
    // Vandelay's onboarding started 20 days ago: Kickoff (7 days) is 13 days late.
    await eventually(async () => (await h.database.db.select().from(accountMilestones).where(eq(accountMilestones.accountId, late)))[0]?.dueOn, { what: 'due dates' });
    await h.database.db.update(accountMilestones).set({ startedAt: new Date(Date.now() - 20 * DAY) })
      .where(and(eq(accountMilestones.accountId, late), eq(accountMilestones.sequence, 1)));
    await refreshMilestoneDueDates(h.database.db, org.orgId, late);
    for (const [accountId, title, dueDate, priority] of [
      [late, 'Send the revised latex import plan', day(-2), 'urgent'],
      [onTime, 'Chase the signed order form', day(-1), 'normal'],
      [late, 'Book the training room', day(0), 'high'],
      [onTime, 'Prepare the launch deck for the whole regional sales team', day(6), 'low'],
      [late, 'Ask about a second team', null, 'normal'],
    ] as const) {
      const res = await org.api('/api/tasks', { body: { accountId, title, dueDate, priority } });
      expect(res.status).toBe(201);
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org, casey.email);

    // Laptop: My tasks from the top bar.
    await page.getByRole('link', { name: 'My tasks' }).click();
    await page.waitForURL(/\/tasks$/);
    const titles = (group: string) => page.locator(`#tasks-${group} li strong`).allTextContents();
    expect(await titles('overdue')).toEqual(['Send the revised latex import plan', 'Chase the signed order form']);
    expect(await titles('today')).toEqual(['Book the training room']);
    expect(await titles('upcoming')).toEqual(['Prepare the launch deck for the whole regional sales team']);
    expect(await titles('no_date')).toEqual(['Ask about a second team']);
    expect(await page.locator('#tasks-overdue li', { hasText: 'Chase the signed order form' }).textContent()).toContain('1 day late');
    await screenshot(page, 'my-tasks-desktop');

    // Ticked off here: gone from the list, done on the account.
    await page.getByRole('button', { name: 'Complete task Chase the signed order form' }).click();
    await page.getByText('Task done.').waitFor();
    expect(await titles('overdue')).toEqual(['Send the revised latex import plan']);

    // The account behind plan: its overdue marker in the list, then the late milestone on its page.
    await page.goto(`${served.baseUrl}/accounts?behindPlan=true`);
    expect(await page.locator('tbody tr td:first-child a').allTextContents()).toEqual(['Vandelay Industries']);
    expect(await page.locator('[data-behind-plan]').first().textContent()).toContain('13 days late');
    await screenshot(page, 'accounts-behind-plan-desktop');
    await page.locator('tbody tr td:first-child a', { hasText: 'Vandelay Industries' }).click();
    const kickoff = page.locator('#milestones li', { hasText: 'Kickoff' });
    expect(await kickoff.locator('[data-milestone-late]').textContent()).toBe('13 days late');
    expect(await kickoff.textContent()).toContain(`due ${day(-13)}`);
    // A task's priority changed from the account page's task list.
    const row = page.locator('#tasks li', { hasText: 'Ask about a second team' });
    await row.getByLabel('Priority of Ask about a second team', { exact: true }).selectOption('urgent');
    await row.getByRole('button', { name: 'Save assignee and priority of Ask about a second team' }).click();
    await page.getByText('Task updated.').waitFor();
    expect(await page.locator('#tasks li', { hasText: 'Ask about a second team' }).locator('[data-priority]').textContent()).toBe('Urgent');
    await page.locator('#milestones').scrollIntoViewIfNeeded();
    await screenshot(page, 'account-late-milestone-desktop');

    // Phone: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${served.baseUrl}/tasks`);
    expect(await titles('no_date')).toEqual(['Ask about a second team']);
    expect(await page.locator('#tasks-no_date li').getAttribute('data-priority')).toBe('urgent');
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    expect(await page.getByRole('button', { name: 'Complete task Book the training room' }).isVisible()).toBe(true);
    await screenshot(page, 'my-tasks-phone');
    await page.goto(`${served.baseUrl}/accounts/${late}`);
    expect(await page.locator('#milestones [data-milestone-late]').first().isVisible()).toBe(true);
    expect(await noSidewaysScroll(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-late-milestone-phone');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
