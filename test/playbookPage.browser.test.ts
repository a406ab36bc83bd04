// The playbook card in Chromium (issue 12): a drafted email reviewed, edited and approved from the
// account page with plain forms, on a laptop and on a phone (no sideways scroll).
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listAccountActions } from '../db/repositories/actions.ts';
import { outboxEmails } from '../db/schema/index.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { accountBody, eventually } from './harness.ts';

const session = useBrowserSession();

describe('the playbook card in Chromium', () => {
  it('shows the draft, sends the edited email on approval, and reads on a phone', async () => {
    // Real hours: the kickoff call stays pending (its Run now, Reschedule and Skip forms show).
    const org = await session.h.newOrganisation({ actionHourSeconds: 3600 });
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Vandelay Industries', templateName: 'Standard SaaS Onboarding' }) });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const handoff = await eventually(async () => (await session.h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link'))))[0], { what: 'the handoff email' });
    const casey = org.csms.find((c) => c.name === 'Casey CSM')!;
    expect((await session.h.app.request(new URL(handoff.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: casey.id }) })).status).toBe(200);
    await eventually(async () => (await listAccountActions(session.h.database.db, org.orgId, id)).find((a) => a.label === 'Welcome email' && a.status === 'review_pending'), { what: 'the welcome email drafted' });

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);
    await page.goto(`${session.served.baseUrl}/accounts/${id}#playbook`);

    const card = page.locator('#playbook');
    const email = card.locator('li', { hasText: 'Welcome email' });
    const call = card.locator('li', { hasText: 'Kickoff call' });
    expect(await email.locator('[data-action-status]').textContent()).toBe('Draft waiting for review');
    expect(await email.getByText('Rule-based draft').isVisible()).toBe(true);
    expect(await email.getByLabel('Subject').inputValue()).toBe('Welcome email: Vandelay Industries');
    expect(await email.getByLabel('Body').inputValue()).toContain('Introduce the CSM and propose kickoff times to Peter Gibbons.');
    expect(await call.locator('[data-action-status]').textContent()).toMatch(/^Waiting until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await call.getByText('Blocker').isVisible()).toBe(true);
    expect(await call.getByRole('button', { name: 'Run now Kickoff call' }).isVisible()).toBe(true);
    expect(await call.getByLabel('New time (UTC)').inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(await page.locator('#milestones [data-held-by]').textContent()).toContain('Held by: "Kickoff call"');
    await card.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'screenshots', 'account-actions-draft-card.png') });
    await screenshot(page, 'account-actions-draft');

    // Skipping needs a reason: the browser keeps the form until there is one.
    await call.getByRole('button', { name: 'Skip Kickoff call' }).click();
    expect(await call.getByLabel('Reason to skip').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);

    // On a phone, with the draft open: the page never scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-actions-draft-phone');
    await card.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'screenshots', 'account-actions-draft-phone-card.png') });
    await page.setViewportSize({ width: 1280, height: 900 });

    // The reviewer edits the draft and approves it: sent once, as edited; the card says Sent.
    await email.getByLabel('Body').fill('Hi Peter,\n\nCasey here, your CSM. Would Tuesday at 10:00 suit you for our kickoff?\n\nBest,\nCasey CSM');
    await email.getByRole('button', { name: 'Approve & send Welcome email' }).click();
    await page.waitForURL(new RegExp(`/accounts/${id}#playbook$`));
    expect(await page.getByRole('status').textContent()).toBe('"Welcome email" approved and sent to the primary contact.');
    expect(await email.locator('[data-action-status]').textContent()).toBe('Sent');
    expect(await email.getByLabel('Subject').count()).toBe(0);
    expect(await email.getByRole('button', { name: 'Complete Welcome email' }).isVisible()).toBe(true);
    const sent = await session.h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect(sent.map((m) => m.text)).toEqual(['Hi Peter,\n\nCasey here, your CSM. Would Tuesday at 10:00 suit you for our kickoff?\n\nBest,\nCasey CSM']);
    expect(await page.locator('#timeline li[data-type="action_changed"]').first().textContent()).toContain(`"Welcome email" sent`);
    expect(await page.locator('#timeline li[data-type="action_changed"]').first().textContent()).toContain('by Ada Admin');
    await card.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'screenshots', 'account-actions-card.png') });
    await screenshot(page, 'account-actions');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'account-actions-phone');
    await card.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'screenshots', 'account-actions-phone-card.png') });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
