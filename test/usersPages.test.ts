import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxEmails, users } from '../db/schema/index.ts';
import { signIn } from './dashboardClient.ts';
import { createHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness({ startWorker: false }); });
afterAll(async () => { await h?.close(); });

async function roleOf(orgId: string, email: string) {
  const [row] = await h.database.db.select({ role: users.role }).from(users).where(and(eq(users.orgId, orgId), eq(users.email, email)));
  return row?.role ?? null;
}

describe('users page', () => {
  it('invites a CSM by email; the invitation signs them in', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const listed = await (await admin.get('/users')).text();
    expect(listed).toContain('Casey CSM');
    // The admin just signed in; the CSMs never have.
    expect(listed).toMatch(/Ada Admin(?:(?!<\/tr>)[\s\S])*\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(listed).toMatch(/Casey CSM(?:(?!<\/tr>)[\s\S])*never/);

    const email = `Nia.New-${org.orgId.slice(0, 8)}@Relay.test`;
    const invited = await admin.post('/users/invite', { name: 'Nia New', email, role: 'csm' });
    expect(invited.status).toBe(303);
    const page = await (await admin.get(invited.headers.get('location')!)).text();
    expect(page).toContain(`Invited Nia New (${email.toLowerCase()})`);
    expect(await roleOf(org.orgId, email.toLowerCase())).toBe('csm');

    const [mail] = await h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'invitation'), eq(outboxEmails.toAddresses, [email.toLowerCase()])));
    expect(mail!.subject).toMatch(/^Ada Admin invited you to Test Org \w+ on Relay$/);
    const token = new URL(mail!.links[0]!).searchParams.get('token')!;
    const verified = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) });
    expect(verified.status).toBe(303);
    const cookie = (verified.headers.get('set-cookie') ?? '').split(';')[0]!;
    const home = await h.app.request('/templates', { headers: { cookie } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Nia New · csm');
    // An invitation is single-use like any sign-in link.
    expect((await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) })).status).toBe(410);
  });

  it('refuses a duplicate or malformed email with an inline error and creates nobody', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const taken = await admin.post('/users/invite', { name: 'Casey Again', email: org.csms[0]!.email.toUpperCase(), role: 'admin' });
    expect(taken.status).toBe(422);
    const takenHtml = await taken.text();
    expect(takenHtml).toContain('Someone in this organisation already uses this email.');
    expect(takenHtml).toContain('value="Casey Again"');

    const malformed = await admin.post('/users/invite', { name: '', email: 'not-an-email', role: 'owner' });
    expect(malformed.status).toBe(422);
    const malformedHtml = await malformed.text();
    expect(malformedHtml).toContain('Name is required');
    expect(malformedHtml).toContain('Enter a valid email address');
    expect(malformedHtml).toContain('Choose Admin or CSM');
    expect(await h.database.db.select().from(users).where(eq(users.orgId, org.orgId))).toHaveLength(4);
    expect(await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'invitation')))).toEqual([]);
  });

  it('never leaves the organisation without an admin', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const alone = await admin.post(`/users/${org.adminId}/role`, { role: 'csm' });
    expect(alone.status).toBe(409);
    expect(await alone.text()).toContain('This is the only admin');
    expect(await roleOf(org.orgId, org.adminEmail)).toBe('admin');

    const casey = org.csms[0]!;
    expect((await admin.post(`/users/${casey.id}/role`, { role: 'admin' })).status).toBe(303);
    expect(await roleOf(org.orgId, casey.email)).toBe('admin');
    // With a second admin, the first may step down, and loses the admin pages at once.
    const stepDown = await admin.post(`/users/${org.adminId}/role`, { role: 'csm' });
    expect(stepDown.status).toBe(303);
    expect(stepDown.headers.get('location')).toBe('/accounts');
    expect((await admin.get('/users')).status).toBe(403);

    const newAdmin = await signIn(h, casey.email);
    expect((await newAdmin.post(`/users/${casey.id}/role`, { role: 'csm' })).status).toBe(409);
    expect(await roleOf(org.orgId, casey.email)).toBe('admin');
  });

  it('is for admins only, and only within their organisation', async () => {
    const orgA = await h.newOrganisation();
    const orgB = await h.newOrganisation();
    const csm = await signIn(h, orgA.csms[0]!.email);
    expect((await csm.get('/users')).status).toBe(403);
    expect((await csm.post('/users/invite', { name: 'Mallory', email: 'mallory@relay.test', role: 'admin' })).status).toBe(403);
    expect((await csm.post(`/users/${orgA.csms[0]!.id}/role`, { role: 'admin' })).status).toBe(403);
    expect(await roleOf(orgA.orgId, orgA.csms[0]!.email)).toBe('csm');
    const csmNav = await (await csm.get('/templates')).text();
    expect(csmNav).not.toContain('href="/users"');
    expect(csmNav).not.toContain('href="/settings"');

    const adminB = await signIn(h, orgB.adminEmail);
    expect(await (await adminB.get('/templates')).text()).toContain('href="/users"');
    expect((await adminB.post(`/users/${orgA.csms[0]!.id}/role`, { role: 'admin' })).status).toBe(404);
    expect((await adminB.post(`/users/${orgA.csms[0]!.id}/sign-in-link`)).status).toBe(404);
    expect(await roleOf(orgA.orgId, orgA.csms[0]!.email)).toBe('csm');
    expect(await (await adminB.get('/users')).text()).not.toContain(orgA.csms[0]!.email);
  });
});
