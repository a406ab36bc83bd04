import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
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
});
