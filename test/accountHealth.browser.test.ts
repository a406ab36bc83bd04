import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { saveScores } from '../db/repositories/health.ts';
import { accountPulses } from '../db/schema/index.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { DEFAULT_HEALTH_CONFIG, HEALTH_TIER_LABELS, scoreHealth, type HealthInputs } from '../domain/health.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { accountBody } from './harness.ts';

const session = useBrowserSession();

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysFrom = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** An account slipping over a month: fewer touches, more tickets, usage falling. */
function inputsOn(day: string, step: number): HealthInputs {
  return {
    today: day,
    recentActivity: { daysSinceLastTouch: 2 + step * 4, lastTouchDay: daysFrom(day, -(2 + step * 4)) },
    email: { medianReplyHours: 6 + step * 6, repliedCount: 12, unansweredOver72h: step > 3 ? 1 : 0 },
    support: { openTickets: step, medianResolutionDays: 1.5, resolvedCount: 6 },
    meetings: { held180d: 4 },
    milestones: { currentMilestone: 'Data migration', daysPastPlannedEnd: step * 2 },
    tasks: { overdue: Math.min(step, 2), open: 6 },
    usage: { activeDays14: Math.max(2, 12 - step * 2), activeDaysPrev14: 12, distinctEvents14: 9 },
    pulse: step < 2 ? { score: 8, note: 'Kickoff went well', setAt: `${daysFrom(day, -10)}T09:00:00.000Z`, setBy: 'robin@relay.test' } : null,
  };
}

describe('the account\'s health in Chromium', () => {
  it('shows the gauge, the why of each factor, the 90-day chart and recent events, and sets a CSM Pulse', async () => {
    const org = await session.h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Kramerica Industries' }) });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };

    // A month of nightly scores, the way the scorer files them: one per day, the latest with its breakdown.
    let latest = scoreHealth(DEFAULT_HEALTH_CONFIG, inputsOn(today(), 0));
    for (let ago = 30; ago >= 0; ago -= 3) {
      const day = daysFrom(today(), -ago);
      latest = scoreHealth(DEFAULT_HEALTH_CONFIG, inputsOn(day, Math.round((30 - ago) / 5)));
      await saveScores(session.h.database.db, org.orgId, day, ago === 0 ? new Date() : new Date(`${day}T02:00:00Z`), [{ accountId: id, ...latest, configVersion: 0 }]);
    }
    const at = Date.now() - 2 * 3_600_000;
    const sent = await org.api('/api/events', { body: { events: [
      { type: 'email_received', accountId: id, occurredAt: new Date(at).toISOString() },
      { type: 'ticket_opened', accountId: id, occurredAt: new Date(at + 60_000).toISOString() },
      { type: 'Dashboard Viewed', accountId: id, occurredAt: new Date(at + 120_000).toISOString() },
    ] } });
    expect(sent.status).toBe(200);

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);
    await page.goto(`${session.served.baseUrl}/accounts/${id}`);

    const panel = page.locator('#health');
    // The gauge: the score and its tier, in words.
    await expect.poll(() => panel.getByRole('img', { name: `Health score ${latest.score} of 100: ${HEALTH_TIER_LABELS[latest.tier!]}` }).isVisible()).toBe(true);
    expect(await panel.locator('[data-health="summary"]').textContent()).toContain(HEALTH_TIER_LABELS[latest.tier!]);
    // The why: every factor that counted, with its inputs and what would raise it.
    const table = panel.getByRole('table');
    expect(await table.locator('thead').textContent()).toMatch(/Factor.*Score.*Weight.*What Relay saw.*What would raise it/);
    expect(await table.locator('tbody tr').count()).toBe(latest.factors.length);
    const support = table.locator('tr[data-factor="support_load"]');
    expect(await support.textContent()).toContain('Open support tickets: 6');
    const raise = latest.factors.find((f) => f.key === 'support_load')!.toRaise!;
    expect(await support.locator('td').last().textContent()).toBe(raise);
    expect(await panel.locator('li[data-factor="csm_pulse"]').textContent()).toMatch(/CSM Pulse: no pulse set/);
    // The chart: eleven nightly scores over the tier bands.
    expect(await panel.getByRole('img', { name: /^Health score over the last 90 days: 11 daily scores/ }).isVisible()).toBe(true);
    expect(await panel.locator('svg.health-history circle').count()).toBe(11);
    // The latest events, newest first.
    expect(await panel.locator('[data-recent-events] li').allTextContents()).toEqual([
      expect.stringMatching(/^Dashboard Viewed\s*from Relay API/), expect.stringMatching(/^Support ticket opened/), expect.stringMatching(/^Customer email received/),
    ]);
    await screenshot(page, 'account-health-before-pulse');

    // The pulse form: choose, say why, submit; the page comes back with it set.
    await panel.getByLabel('Your read of the account, 1 to 10').selectOption('4');
    await panel.getByLabel("What is behind this pulse").fill('Sponsor went quiet after the migration slipped.');
    await panel.getByRole('button', { name: 'Set pulse' }).click();
    await page.waitForURL(new RegExp(`/accounts/${id}#health$`));
    expect(await page.getByRole('status').textContent()).toContain(`Pulse set to 4/10; it counts until ${daysFrom(today(), 90)}.`);
    expect(await panel.locator('[data-pulse="fresh"]').textContent()).toContain(`4/10 set by ${org.adminEmail}`);
    expect(await page.locator('#timeline').textContent()).toContain('CSM Pulse set to 4/10: Sponsor went quiet after the migration slipped.');
    expect((await session.h.database.db.select().from(accountPulses).where(eq(accountPulses.accountId, id))).map((p) => p.score)).toEqual([4]);
    // The panel on its own, readable at full size, and the whole page.
    await panel.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'account-health.png') });
    await screenshot(page, 'account-health');

    // A pulse without a reason never leaves the browser: the note is required.
    await panel.getByLabel('Your read of the account, 1 to 10').selectOption('9');
    await panel.getByRole('button', { name: 'Set pulse' }).click();
    expect(await panel.getByLabel("What is behind this pulse").evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    expect((await session.h.database.db.select().from(accountPulses).where(eq(accountPulses.accountId, id))).map((p) => p.score)).toEqual([4]);

    // On a phone the panel reflows: the factor table scrolls inside its card, the page never does.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-health-phone');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
