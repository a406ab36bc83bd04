import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffs, organisations } from '../db/schema/index.ts';
import { signIn } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const DAY = 86_400;
const settingsOf = async (orgId: string) => (await h.database.db.select().from(organisations).where(eq(organisations.id, orgId)))[0]!.settings;
const valueOf = (html: string, name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];

describe('settings page', () => {
  it('shows the handoff settings in days, saves them, and new handoffs use them', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const page = await admin.get('/settings');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(valueOf(html, 'tokenLifetimeDays')).toBe('14');
    expect(valueOf(html, 'reminderDelaysDays')).toBe('2, 5');
    expect(valueOf(html, 'escalationDelayDays')).toBe('7');
    expect(html).toContain('href="/settings"');

    const saved = await admin.post('/settings', { tokenLifetimeDays: '10', reminderDelaysDays: '1, 3.5', escalationDelayDays: '6' });
    expect(saved.status).toBe(303);
    const after = await (await admin.get(saved.headers.get('location')!)).text();
    expect(after).toContain('Saved.');
    expect(valueOf(after, 'tokenLifetimeDays')).toBe('10');
    expect(valueOf(after, 'reminderDelaysDays')).toBe('1, 3.5');
    expect(await settingsOf(org.orgId)).toEqual({
      handoffTokenTtlSeconds: 10 * DAY, handoffReminderDelaysSeconds: [DAY, 3.5 * DAY], handoffEscalationDelaySeconds: 6 * DAY,
    });

    // A handoff started after the change gets a link that lives 10 days, not the default 14.
    const createdAt = Date.now();
    const { id } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string };
    const expiresAt = await eventually(async () => {
      const [row] = await h.database.db.select({ at: handoffs.tokenExpiresAt }).from(handoffs).where(eq(handoffs.accountId, id));
      return row?.at ?? undefined;
    }, { what: 'the handoff link' });
    const lifetimeDays = (expiresAt.getTime() - createdAt) / (DAY * 1000);
    expect(lifetimeDays).toBeGreaterThan(9.9);
    expect(lifetimeDays).toBeLessThan(10.1);
  });

  it('rejects impossible settings field by field and keeps the saved ones', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const before = await settingsOf(org.orgId);

    const bad = await admin.post('/settings', { tokenLifetimeDays: 'two weeks', reminderDelaysDays: '5, 2', escalationDelayDays: '0' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('Link lifetime must be a number of days');
    expect(html).toContain('List reminders in increasing order');
    expect(html).toContain('Escalation delay must be at least 0.01 days');
    expect(valueOf(html, 'tokenLifetimeDays')).toBe('two weeks');

    const late = await admin.post('/settings', { tokenLifetimeDays: '14', reminderDelaysDays: '2, 8', escalationDelayDays: '7' });
    expect(late.status).toBe(422);
    expect(await late.text()).toContain('Every reminder must come before the escalation');

    const tooLong = await admin.post('/settings', { tokenLifetimeDays: '400', reminderDelaysDays: '', escalationDelayDays: '7' });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain('Link lifetime is at most 90 days');
    expect(await settingsOf(org.orgId)).toEqual(before);

    // No reminders at all is a valid choice.
    expect((await admin.post('/settings', { tokenLifetimeDays: '14', reminderDelaysDays: '', escalationDelayDays: '7' })).status).toBe(303);
    expect((await settingsOf(org.orgId)).handoffReminderDelaysSeconds).toEqual([]);
  });

  it('is not for CSMs', async () => {
    const org = await h.newOrganisation();
    const csm = await signIn(h, org.csms[1]!.email);
    expect((await csm.get('/settings')).status).toBe(403);
    expect((await csm.post('/settings', { tokenLifetimeDays: '1', reminderDelaysDays: '', escalationDelayDays: '1' })).status).toBe(403);
    expect((await settingsOf(org.orgId)).handoffTokenTtlSeconds).toBe(14 * DAY);
    // Without a session, the page sends people to sign in like the rest of the dashboard.
    const anonymous = await h.app.request('/settings');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fsettings');
  });
});
