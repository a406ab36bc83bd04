// The customer portal in Chromium (issue 12): the CSM sends the link from the account page, the
// customer opens it on a laptop and on a phone, answers the information request with an upload, and
// the CSM sees the answers (and "View as customer"). Screenshots of each.
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listAccountActions } from '../db/repositories/actions.ts';
import { saveTemplate } from '../db/repositories/templates.ts';
import { outboxEmails } from '../db/schema/index.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { onServedApp, screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { eventually, handedOffAccount } from './harness.ts';

const session = useBrowserSession();

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2048, 1)]);

describe('the customer portal in Chromium', () => {
  it('is sent from the account page, answered on a phone with an upload, and the CSM sees the answers', async () => {
    const org = await session.h.newOrganisation({ actionHourSeconds: 0.05 });
    await saveTemplate(session.h.database.db, org.orgId, {
      name: 'Portal Onboarding', description: 'With an information request', estimatedDurationDays: 30, targetSegment: 'Any',
      milestones: [
        {
          sequence: 1, name: 'Kickoff', durationDays: 7, actions: [{
            kind: 'form', label: 'Technical questionnaire', description: 'Tell us about sign-in and your systems so we can plan the integration.',
            trigger: { type: 'milestone_start', delayHours: 0 }, blocker: true,
            fields: [
              { key: 'sso_provider', label: 'Which SSO provider do you use?', kind: 'text', required: true },
              { key: 'data_region', label: 'Where should your data live?', kind: 'choice', options: ['EU', 'US'], required: true },
              { key: 'architecture', label: 'Architecture diagram', kind: 'file', help: 'A PDF or an image, up to 10 MB.' },
              { key: 'notes', label: 'Anything else we should know?', kind: 'long_text' },
            ],
          }],
        },
        { sequence: 2, name: 'Integration', durationDays: 14, actions: [] },
        { sequence: 3, name: 'Go live', durationDays: 7, actions: [] },
      ],
    });
    const { id } = await handedOffAccount(session.h, org, { companyName: 'Vandelay Industries', templateName: 'Portal Onboarding' });
    await eventually(async () => (await listAccountActions(session.h.database.db, org.orgId, id)).find((a) => a.label === 'Technical questionnaire' && a.status === 'ready'), { what: 'the questionnaire to be open' });
    const casey = org.csms.find((c) => c.name === 'Casey CSM')!;

    // The CSM sends the link from the account page.
    const csmPage = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    csmPage.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await signInBrowser(csmPage, session, org, casey.email);
    await csmPage.goto(`${session.served.baseUrl}/accounts/${id}#portal`);
    const card = csmPage.locator('#portal');
    await card.getByRole('button', { name: 'Send portal link' }).click();
    await csmPage.waitForURL(new RegExp(`/accounts/${id}#portal$`));
    expect(await csmPage.getByRole('status').textContent()).toMatch(/^Portal link sent to peter@initech-.*; it works until \d{4}-\d\d-\d\d\. Earlier links no longer work\.$/);
    expect(await card.locator('[data-portal-link]').getAttribute('data-portal-link')).toBe('live');
    const [email] = await session.h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'portal_link')));
    const link = onServedApp(email!.links[0]!, session.served);

    // View as customer: the customer's page under the CSM's session, without the token, its form read-only.
    await csmPage.goto(`${session.served.baseUrl}/accounts/${id}/portal`);
    expect(await csmPage.locator('[data-preview]').textContent()).toContain('Viewing as the customer (Peter Gibbons)');
    expect(await csmPage.getByRole('heading', { level: 1 }).textContent()).toBe('Vandelay Industries onboarding');
    expect(await csmPage.getByLabel('Which SSO provider do you use?').isDisabled()).toBe(true);
    await screenshot(csmPage, 'portal-view-as-customer');

    // The customer, on a laptop: no session, only the link.
    const customer = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const desktop = await customer.newPage();
    desktop.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await desktop.goto(link);
    expect(await desktop.getByRole('heading', { level: 1 }).textContent()).toBe('Vandelay Industries onboarding');
    expect(await desktop.locator('[data-overall]').textContent()).toBe('0% done · 0 of 3 milestones');
    expect(await desktop.locator('[data-current]').textContent()).toBe('Now: Kickoff');
    expect(await desktop.locator('[data-csm]').textContent()).toContain('Casey CSM');
    expect(await desktop.locator('#plan li').count()).toBe(3);
    expect(await desktop.locator('#plan li[aria-current="step"]').getAttribute('data-milestone')).toBe('Kickoff');
    await screenshot(desktop, 'portal-desktop');

    // On a phone: nothing scrolls sideways; the form is filled in there, with an upload.
    const phone = await session.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await phone.goto(link);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone, 'portal-phone');

    const request = phone.locator('form[data-request]');
    // The browser itself holds back a form missing its required answers.
    await request.getByRole('button', { name: 'Send Technical questionnaire' }).click();
    expect(await request.getByLabel('Which SSO provider do you use?').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);

    await request.getByLabel('Which SSO provider do you use?').fill('Okta');
    await request.getByLabel('EU').check();
    await request.getByLabel('Architecture diagram').setInputFiles({ name: 'architecture.png', mimeType: 'image/png', buffer: PNG });
    await request.getByLabel('Anything else we should know?').fill('We go live with the EU team first.');
    await screenshot(phone, 'portal-phone-form-filled');
    await request.getByRole('button', { name: 'Send Technical questionnaire' }).click();
    await phone.waitForURL(/\?answered=/);
    expect(await phone.getByRole('status').textContent()).toBe('Thank you: "Technical questionnaire" was sent to your customer success team.');
    expect(await phone.locator('#requests').textContent()).toContain('Nothing right now.');
    expect(await phone.locator('#done').textContent()).toContain('You answered "Technical questionnaire"');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone, 'portal-phone-answered');

    // The action completed through the workflow, as the customer.
    await eventually(async () => (await listAccountActions(session.h.database.db, org.orgId, id)).find((a) => a.label === 'Technical questionnaire')?.status === 'completed', { what: 'the questionnaire completed' });

    // The CSM sees the answers and the file, and the timeline names the customer.
    await csmPage.goto(`${session.served.baseUrl}/accounts/${id}#portal`);
    const answers = card.locator('[data-portal-answers]');
    expect(await answers.textContent()).toContain('Okta');
    expect(await answers.textContent()).toContain('We go live with the EU team first.');
    expect(await answers.getByRole('link', { name: 'architecture.png' }).getAttribute('href')).toMatch(new RegExp(`^/accounts/${id}/portal/files/`));
    expect(await csmPage.locator('#timeline li[data-type="action_changed"]').first().textContent()).toContain('"Technical questionnaire" completed');
    expect(await csmPage.locator('#timeline li[data-type="action_changed"]').first().textContent()).toContain('(customer portal)');
    await card.screenshot({ path: join(PROJECT_ROOT, 'test-artifacts', 'screenshots', 'account-portal-card.png') });

    expect(consoleErrors).toEqual([]);
    await phone.close();
    await customer.close();
    await csmPage.close();
  });
});
