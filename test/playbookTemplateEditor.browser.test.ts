// The template editor's playbook fields in Chromium (issue 12): an email's "send automatically"
// checkbox and a meeting's scheduling link show for their kind as the admin picks it (CSS only, no
// script), a link that is not https is refused beside its field, and both are saved and shown again.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { templates, templateVersions } from '../db/schema/index.ts';
import { screenshot, useBrowserSession } from './browser/chromium.ts';
import { signInBrowser } from './browser/signInBrowser.ts';

const session = useBrowserSession();

describe('the template editor in Chromium', () => {
  it('shows the auto-send checkbox for emails and the scheduling link for meetings, and saves them', async () => {
    const org = await session.h.newOrganisation();
    const [template] = await session.h.database.db.select({ id: templates.id }).from(templates)
      .where(and(eq(templates.orgId, org.orgId), eq(templates.name, 'Standard SaaS Onboarding')));
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    // The refused save answers 422 on purpose; any other console error is a fault.
    page.on('console', (message) => { if (message.type() === 'error' && !message.text().includes('status of 422')) consoleErrors.push(message.text()); });
    await signInBrowser(page, session, org);
    await page.goto(`${session.served.baseUrl}/templates/${template!.id}/edit`);

    const welcome = page.locator('fieldset.template-action', { has: page.locator('legend', { hasText: 'Action 1.1' }) });
    const call = page.locator('fieldset.template-action', { has: page.locator('legend', { hasText: 'Action 1.2' }) });
    const autoSend = welcome.getByLabel('Send automatically: the drafted email goes out without waiting for review');
    const link = call.getByLabel(/^Scheduling link/);
    expect(await autoSend.isVisible()).toBe(true);
    expect(await autoSend.isChecked()).toBe(false);
    expect(await welcome.getByLabel(/^Scheduling link/).isVisible()).toBe(false);
    expect(await link.isVisible()).toBe(true);
    expect(await call.getByLabel(/^Send automatically/).isVisible()).toBe(false);

    // Picking another kind shows that kind's field at once, without a round trip.
    await welcome.getByLabel('Type').selectOption('meeting');
    expect(await autoSend.isVisible()).toBe(false);
    expect(await welcome.getByLabel(/^Scheduling link/).isVisible()).toBe(true);
    await welcome.getByLabel('Type').selectOption('email');
    expect(await autoSend.isVisible()).toBe(true);

    await autoSend.check();
    await link.fill('http://calendly.com/casey/kickoff');
    await page.getByRole('button', { name: 'Save', exact: false }).last().click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('alert').textContent()).toContain('Nothing was saved');
    const refusedLink = page.locator('fieldset.template-action', { has: page.locator('legend', { hasText: 'Action 1.2' }) }).getByLabel(/^Scheduling link/);
    expect(await refusedLink.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('Scheduling link must start with https://').isVisible()).toBe(true);
    // What was ticked is kept for the next try.
    expect(await autoSend.isChecked()).toBe(true);
    await screenshot(page, 'template-editor-scheduling-link-refused');

    await refusedLink.fill('https://calendly.com/casey/kickoff');
    await page.getByRole('button', { name: 'Save', exact: false }).last().click();
    await page.waitForURL(/\?saved=2$/);
    const [v2] = await session.h.database.db.select().from(templateVersions)
      .where(and(eq(templateVersions.templateId, template!.id), eq(templateVersions.version, 2)));
    expect(v2!.milestones[0]!.actions[0]).toMatchObject({ label: 'Welcome email', autoSend: true });
    expect(v2!.milestones[0]!.actions[1]).toMatchObject({ label: 'Kickoff call', schedulingUrl: 'https://calendly.com/casey/kickoff' });

    await page.goto(`${session.served.baseUrl}/templates/${template!.id}/edit`);
    expect(await autoSend.isChecked()).toBe(true);
    expect(await link.inputValue()).toBe('https://calendly.com/casey/kickoff');
    await welcome.scrollIntoViewIfNeeded();
    await screenshot(page, 'template-editor-playbook-fields');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'template-editor-playbook-fields-phone');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('shows every trigger in full and keeps legends inside their boxes, on desktop and phone (issue 14)', async () => {
    const org = await session.h.newOrganisation();
    const [template] = await session.h.database.db.select({ id: templates.id }).from(templates)
      .where(and(eq(templates.orgId, org.orgId), eq(templates.name, 'Standard SaaS Onboarding')));
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInBrowser(page, session, org);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${session.served.baseUrl}/templates/${template!.id}/edit`);
      const layout = await page.evaluate(() => {
        const context = document.createElement('canvas').getContext('2d')!;
        const triggers = [...document.querySelectorAll<HTMLSelectElement>('select[name$="[trigger]"]')].map((select) => {
          const style = getComputedStyle(select);
          context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          // The selected text, the select's padding and its arrow (about 20px) must fit its width.
          const needed = context.measureText(select.selectedOptions[0]?.text ?? '').width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 20;
          return { needed, width: select.clientWidth };
        });
        const legends = [...document.querySelectorAll('fieldset.template-milestone, fieldset.template-action')].map((fieldset) => {
          const legend = fieldset.querySelector(':scope > legend')!;
          return { inset: legend.getBoundingClientRect().top - fieldset.getBoundingClientRect().top, text: legend.textContent };
        });
        return { triggers, legends };
      });
      expect(layout.triggers.length).toBeGreaterThan(0);
      for (const t of layout.triggers) expect(t.needed).toBeLessThanOrEqual(t.width);
      expect(layout.legends.length).toBeGreaterThan(0);
      for (const l of layout.legends) expect(l.inset, `${l.text} at ${width}px`).toBeGreaterThanOrEqual(8);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(page, `template-editor-layout-${width}`);
    }
    await page.close();
  });

  it('shows a question\'s options box only for multiple choice, as the kind is picked (issue 14)', async () => {
    const org = await session.h.newOrganisation();
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInBrowser(page, session, org);
    await page.goto(`${session.served.baseUrl}/settings/questions`);
    const first = page.locator('fieldset#question-1');
    const options = first.getByLabel('Options, one per line');
    expect(await first.getByLabel('Kind of answer').inputValue()).not.toBe('multiple_choice');
    expect(await options.isVisible()).toBe(false);
    expect(await page.locator('[data-options]').evaluateAll((els) => els.filter((el) => (el as HTMLElement).offsetParent !== null).length)).toBe(0);
    await first.getByLabel('Kind of answer').selectOption('multiple_choice');
    expect(await options.isVisible()).toBe(true);
    await first.getByLabel('Kind of answer').selectOption('yes_no');
    expect(await options.isVisible()).toBe(false);
    await screenshot(page, 'handoff-questions-editor');
    await page.close();
  });
});
