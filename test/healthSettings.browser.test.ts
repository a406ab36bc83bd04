import { ScheduleNotFoundError } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { healthConfigs } from '../db/schema/index.ts';
import { healthScheduleId } from '../workflows/healthDefinitions.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import type { TestOrganisation } from './harness.ts';

const session = useBrowserSession();
const orgs: TestOrganisation[] = [];
const runs: string[] = [];
// Registered after the session's: hooks run in reverse, so this runs while the harness is still open.
afterAll(async () => {
  for (const org of orgs) {
    await session.h.deps.temporal.schedule.getHandle(healthScheduleId(org.orgId)).delete().catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  }
  for (const id of runs) await session.h.deps.temporal.workflow.getHandle(id).terminate('test cleanup').catch(() => undefined);
});

const storedVersions = async (orgId: string) =>
  (await session.h.database.db.select({ n: count() }).from(healthConfigs).where(eq(healthConfigs.orgId, orgId)))[0]!.n;

describe('health settings in Chromium', () => {
  it('an admin changes a weight and the schedule (a new version), sees a bad value refused beside its field, and scores now', async () => {
    const org = await session.h.newOrganisation();
    orgs.push(org);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    // The refused form's 422 is logged by Chromium as a failed load; anything else is a real problem.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('status of 422')) consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    await signInBrowser(page, session, org);

    await page.goto(`${session.served.baseUrl}/settings`);
    await page.getByRole('link', { name: 'Edit health score settings' }).click();
    await page.waitForURL(/\/settings\/health$/);
    expect(await page.locator('[data-version]').textContent()).toContain("Version 0: Relay's defaults.");
    const meetings = page.locator('#factor-meetings');
    expect(await meetings.locator('tr[data-band="meetings.bands.1"] .band-words').textContent()).toBe('3–5 meetings → 75');
    expect(await page.locator('[data-preview=weights]').textContent()).toContain('Weights sum to 100;');
    await screenshot(page, 'health-settings');

    await page.getByLabel('Meetings weight', { exact: true }).fill('30');
    await page.getByLabel('Hour', { exact: true }).selectOption({ label: '06:00' });
    await page.getByLabel('Timezone', { exact: true }).fill('Europe/Paris');
    await page.getByRole('button', { name: 'Save health settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Nightly scoring runs at 06:00 Europe/Paris.');
    expect(await page.locator('[data-version]').textContent()).toMatch(/^Version 1, saved \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.$/);
    expect(await page.getByLabel('Meetings weight', { exact: true }).inputValue()).toBe('30');
    expect(await page.locator('[data-preview=weights]').textContent()).toContain('Weights sum to 120;');
    expect(await storedVersions(org.orgId)).toBe(1);
    const schedule = await session.h.deps.temporal.schedule.getHandle(healthScheduleId(org.orgId)).describe();
    expect(schedule.spec.timezone).toBe('Europe/Paris');
    expect(schedule.spec.calendars![0]!.hour).toEqual([{ start: 6, end: 6, step: 1 }]);

    // A band out of order and an unknown timezone: nothing saved, the form comes back as typed.
    await meetings.getByLabel('Meetings, meetings held, band 2: at least (meetings)').fill('9');
    await page.getByLabel('Timezone', { exact: true }).fill('Atlantis/Lost_City');
    await page.getByRole('button', { name: 'Save health settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'Nothing was saved: fix the 2 fields marked below.' }).waitFor();
    expect(await meetings.locator('#hs-factors-meetings-bands-1-atLeast-error').textContent()).toBe("must be less than the band before's 6: bands go in descending order");
    expect(await page.locator('#hs-schedule-timezone-error').textContent()).toContain('must be an IANA time zone name');
    expect(await page.getByLabel('Timezone', { exact: true }).inputValue()).toBe('Atlantis/Lost_City');
    expect(await meetings.getByLabel('Meetings, meetings held, band 2: at least (meetings)').inputValue()).toBe('9');
    expect(await page.locator('[data-version]').textContent()).toContain('Version 1, saved');
    await screenshot(page, 'health-settings-error');
    expect(await storedVersions(org.orgId)).toBe(1);

    // "Add a band" gives the meetings an empty row before the fixed "0" one, without saving anything.
    await page.goto(`${session.served.baseUrl}/settings/health`);
    await page.getByRole('button', { name: 'Add a meetings band (meetings held)' }).click();
    await meetings.getByLabel('Meetings, meetings held, band 4: at least (meetings)').waitFor();
    expect(await meetings.getByLabel('Meetings, meetings held, band 4: at least (meetings)').inputValue()).toBe('');
    expect(await meetings.locator('tbody tr').count()).toBe(5);
    expect(await storedVersions(org.orgId)).toBe(1);

    await page.goto(`${session.served.baseUrl}/settings/health`);
    await page.getByRole('button', { name: 'Score now' }).click();
    const progress = page.getByRole('link', { name: 'See its progress' });
    await progress.waitFor();
    const href = await progress.getAttribute('href');
    expect(href).toMatch(new RegExp(`^/settings/health/runs/health-run-${org.orgId}-`));
    runs.push(decodeURIComponent(href!.split('/').pop()!));

    // A CSM of the same organisation is refused.
    const csmPage = await session.browser.newPage();
    await signInBrowser(csmPage, session, org, org.csms[0]!.email);
    const refused = await csmPage.goto(`${session.served.baseUrl}/settings/health`);
    expect(refused?.status()).toBe(403);
    await csmPage.close();

    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('an admin makes a write key, sees it once, and revokes it', async () => {
    const org = await session.h.newOrganisation();
    orgs.push(org);
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInBrowser(page, session, org);
    await page.goto(`${session.served.baseUrl}/settings`);
    await page.getByRole('link', { name: 'Manage write keys' }).click();
    await page.waitForURL(/\/settings\/write-keys$/);
    expect(await page.locator('main').textContent()).toContain('No write keys yet.');

    await page.getByLabel('Name', { exact: true }).fill('Segment production');
    await page.getByRole('button', { name: 'Create write key' }).click();
    const shown = page.locator('[data-write-key]');
    await shown.waitFor();
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^wk_[A-Za-z0-9_-]{43}$/);
    const howTo = await page.getByRole('region', { name: /New write key/ }).textContent();
    expect(howTo).toContain(`new Analytics({ writeKey: '${key}', host: 'http://relay.test' })`);
    expect(howTo).toContain(`new PostHog('${key}', { host: 'http://relay.test' })`);
    expect(howTo).toContain('POST http://relay.test/api/events');
    await screenshot(page, 'write-keys');

    // Coming back to the page (a fresh GET) never shows the key again: only its name and prefix.
    await page.goto(`${session.served.baseUrl}/settings/write-keys`);
    const listed = (await page.locator('main').textContent())!;
    expect(listed).not.toContain(key);
    expect(listed).toContain('Segment production');
    expect(listed).toContain(`${key.slice(0, 7)}…`);
    expect(listed).toContain('1 active.');

    await page.getByRole('button', { name: `Revoke Segment production (${key.slice(0, 7)}…)` }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked "Segment production"' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('0 active.');
    expect(await page.locator('tbody tr').first().textContent()).toContain('Revoked');
    await screenshot(page, 'write-keys-revoked');
    await page.close();
  });
});
