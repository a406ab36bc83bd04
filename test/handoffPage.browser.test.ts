import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { updateOrganisationSettings } from '../db/repositories/organisations.ts';
import { handoffs, outboxEmails } from '../db/schema/index.ts';
import { onServedApp, screenshot, useBrowserSession } from './browser/chromium.ts';
import { accountBody, eventually } from './harness.ts';

const session = useBrowserSession();

describe('the AE handoff page in Chromium', () => {
  it('lets the AE correct an answer, pick a CSM and submit, then refuses the used link', async () => {
    const org = await session.h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Globex Browser Test' }) });
    const { id } = await created.json() as { id: string };
    const link = await eventually(async () => (await session.h.database.db.select().from(outboxEmails)
      .where(eq(outboxEmails.accountId, id)))[0]?.links[0], { what: 'the handoff email' });

    const page = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(onServedApp(link, session.served));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Globex Browser Test');
    expect(await page.getByText('unverified draft').count()).toBeGreaterThan(0);
    await screenshot(page, 'handoff-page');

    const goals = page.getByLabel(/what does the customer want to achieve/i);
    await goals.fill('Retire the spreadsheet process by March; the AE checked this.');
    await page.getByLabel('CSM who will onboard this customer').selectOption({ label: `Robin CSM (${org.csms[1]!.email})` });
    await page.getByRole('button', { name: 'Submit handoff' }).click();
    await page.waitForURL(/\/handoff\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Thank you');
    expect(await page.textContent('body')).toContain('Robin CSM');
    await screenshot(page, 'handoff-submitted');

    const account = await eventually(async () => {
      const res = await org.api(`/api/accounts/${id}`);
      const body = await res.json() as { status: string; csm: { email: string } | null };
      return body.status === 'active' ? body : undefined;
    }, { what: 'the account to become active' });
    expect(account.csm?.email).toBe(org.csms[1]!.email);
    const [handoff] = await session.h.database.db.select().from(handoffs).where(eq(handoffs.accountId, id));
    expect(handoff!.qa.find((q) => q.key === 'goals')?.answer).toBe('Retire the spreadsheet process by March; the AE checked this.');

    await page.goto(onServedApp(link, session.served));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('already been submitted');
    expect(await page.textContent('body')).not.toContain('Globex');
    await page.close();
  });

  it('sizes each text box to its draft, and says "choose the CSM" beside the picker (issue 14)', async () => {
    const org = await session.h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Long Draft Co' }) });
    const { id } = await created.json() as { id: string };
    const link = await eventually(async () => (await session.h.database.db.select().from(outboxEmails)
      .where(eq(outboxEmails.accountId, id)))[0]?.links[0], { what: 'the handoff email' });
    // A long draft: eight lines, one of them long enough to wrap.
    const [handoff] = await session.h.database.db.select().from(handoffs).where(eq(handoffs.accountId, id));
    const longDraft = [...Array.from({ length: 7 }, (_, i) => `Point ${i + 1}: something the CRM notes said.`), 'A long line. '.repeat(20).trim()].join('\n');
    await session.h.database.db.update(handoffs).set({ qa: handoff!.qa.map((q) => (q.key === 'goals' ? { ...q, answer: longDraft } : q)) }).where(eq(handoffs.id, handoff!.id));

    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(onServedApp(link, session.served));
    const goals = page.getByLabel(/what does the customer want to achieve/i);
    const fits = await goals.evaluate((el: HTMLTextAreaElement) => ({ rows: el.rows, scroll: el.scrollHeight, client: el.clientHeight }));
    expect(fits.rows).toBeGreaterThanOrEqual(9);
    expect(fits.scroll).toBeLessThanOrEqual(fits.client + 2);
    // Every text box is at least three rows, even an empty one.
    expect(Math.min(...await page.locator('textarea').evaluateAll((els) => els.map((el) => (el as HTMLTextAreaElement).rows)))).toBeGreaterThanOrEqual(3);

    // Without the browser's own check (as a browser without it would send it), the server's answer marks the picker.
    await page.locator('#csmUserId').evaluate((el) => el.removeAttribute('required'));
    await page.getByRole('button', { name: 'Submit handoff' }).click();
    await page.waitForLoadState('load');
    const picker = page.locator('#csmUserId');
    expect(await picker.getAttribute('aria-invalid')).toBe('true');
    const beside = await picker.evaluate((el) => ({ id: el.nextElementSibling?.id, text: el.nextElementSibling?.textContent, gap: el.nextElementSibling ? el.nextElementSibling.getBoundingClientRect().top - el.getBoundingClientRect().bottom : null }));
    expect(beside).toMatchObject({ id: 'csmUserId-error', text: 'choose the CSM who will onboard this customer' });
    expect(beside.gap).toBeLessThan(20);
    expect(await page.getByRole('alert').textContent()).toContain('choose the CSM at the end of the form');
    // What the AE had in the box is kept.
    expect(await goals.inputValue()).toBe(longDraft);
    await screenshot(page, 'handoff-page-csm-missing');
    await page.close();
  });

  it('asks an organisation\'s own questions: choices as radio buttons, help text, required answers', async () => {
    const org = await session.h.newOrganisation();
    await updateOrganisationSettings(session.h.database.db, org.orgId, {
      handoffQuestions: [
        { key: 'hosting', question: 'Where will they run it?', kind: 'multiple_choice', required: true, options: ['Cloud', 'On-premises'], help: 'As agreed in the order form.' },
        { key: 'sso', question: 'Do they need SSO on day one?', kind: 'yes_no', required: true },
        { key: 'goal', question: 'Main goal in one line', kind: 'text', required: false },
      ],
    });
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Initrode Radio Test' }) });
    const { id } = await created.json() as { id: string };
    const link = await eventually(async () => (await session.h.database.db.select().from(outboxEmails)
      .where(eq(outboxEmails.accountId, id)))[0]?.links[0], { what: 'the handoff email' });

    const page = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(onServedApp(link, session.served));
    const hosting = page.getByRole('group', { name: /Where will they run it/ });
    expect(await hosting.getByRole('radio').count()).toBe(2);
    expect(await page.getByText('As agreed in the order form.').isVisible()).toBe(true);
    await screenshot(page, 'handoff-page-custom-questions');

    await hosting.getByLabel('On-premises').check();
    await page.getByRole('group', { name: /SSO on day one/ }).getByRole('radio', { name: 'Yes', exact: true }).check();
    await page.getByLabel(/Main goal in one line/).fill('Close the books two days faster');
    await page.getByLabel('CSM who will onboard this customer').selectOption({ label: `Casey CSM (${org.csms[0]!.email})` });
    await page.getByRole('button', { name: 'Submit handoff' }).click();
    await page.getByRole('heading', { name: /Thank you/ }).waitFor();
    await page.close();

    const [handoff] = await session.h.database.db.select().from(handoffs).where(eq(handoffs.accountId, id));
    expect(handoff!.qa.map((q) => [q.key, q.answer])).toEqual([['hosting', 'On-premises'], ['sso', 'yes'], ['goal', 'Close the books two days faster']]);
  });
});
