// Every page a person opens, on a phone (issue 14: "no page scrolls sideways at 390 px"): the
// dashboard's pages for an admin, an account's pages with a timeline and tasks on them, the AE's
// handoff page and the dev outbox. Wide content (tables, long names) scrolls inside its card; the
// page itself never does.
import { describe, expect, it } from 'vitest';
import { findCurrentTemplateVersion } from '../db/repositories/templates.ts';
import { onServedApp, screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';
import { accountBody, eventually } from './harness.ts';

const session = useBrowserSession();

describe('every page on a 390 px phone', () => {
  it('fits the width: nothing scrolls sideways', { timeout: 180_000 }, async () => {
    const org = await session.h.newOrganisation();
    // A long unbroken company name and notes: the usual way a page grows wider than the phone.
    const created = await org.api('/api/accounts', {
      body: accountBody({ companyName: 'Supercalifragilisticexpialidocious Holdings International', notes: `**Deal notes** ${'x'.repeat(120)}` }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const handoff = await eventually(async () => {
      const res = await org.api(`/api/outbox?accountId=${id}`);
      return ((await res.json()) as { items: { kind: string; links: string[] }[] }).items.find((e) => e.kind === 'handoff_link')?.links[0];
    }, { what: 'the handoff link' });
    const task = await org.api('/api/tasks', { body: { accountId: id, title: 'Send the kickoff deck to the whole implementation team', priority: 'high' } });
    expect(task.status).toBe(201);
    const template = await findCurrentTemplateVersion(session.h.database.db, org.orgId, { templateName: 'Quick Start' });

    const page = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    await signInBrowser(page, session, org);
    const paths = [
      '/accounts', '/accounts?csm=all&status=pending_handoff', `/accounts/${id}`, `/accounts/${id}/edit`, '/accounts/new',
      '/follow-up', '/tasks', '/templates', `/templates/${template!.templateId}`, '/users', '/imports',
      '/settings', '/settings/questions', '/settings/health', '/settings/write-keys', '/settings/connectors', '/dev/outbox',
    ];
    const wide: string[] = [];
    for (const path of paths) {
      const res = await page.goto(`${session.served.baseUrl}${path}`);
      expect(res?.status(), path).toBe(200);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) {
        wide.push(`${path}: ${width} px`);
        await screenshot(page, `phone-too-wide-${path.replace(/[^a-z0-9]+/gi, '-')}`);
      }
    }
    // The AE's page, signed out, as it opens from the email on a phone.
    const ae = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    await ae.goto(onServedApp(handoff, session.served));
    await ae.getByLabel('CSM who will onboard this customer').waitFor();
    const aeWidth = await ae.evaluate(() => document.documentElement.scrollWidth);
    if (aeWidth > 390) wide.push(`handoff page: ${aeWidth} px`);
    expect(wide).toEqual([]);
    await ae.close();
    await page.close();
  });
});
