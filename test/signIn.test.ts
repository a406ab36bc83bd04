import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { createApp } from '../api/app.tsx';
import { loginTokens, outboxEmails, sessions } from '../db/schema/index.ts';
import { signIn } from './dashboardClient.ts';
import { createHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness({ startWorker: false }); });
afterAll(async () => { await h?.close(); });

describe('dashboard sign-in', () => {
  it('sends someone who is not signed in to /login, and back where they were going afterwards', async () => {
    const res = await h.app.request('/accounts?status=active');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Faccounts%3Fstatus%3Dactive');
  });

  it('signs in through an emailed single-use link, with a hardened session cookie', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const page = await client.get('/accounts');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Ada Admin');

    const [mail] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId));
    const token = new URL(mail!.links[0]!).searchParams.get('token')!;
    const reused = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) });
    expect(reused.status).toBe(410);

    const again = await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) });
    expect(again.status).toBe(200);
    const second = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId));
    const freshToken = new URL(second.find((m) => m.id !== mail!.id)!.links[0]!).searchParams.get('token')!;
    // Opening the link (a GET, as a mail scanner would) does not use it up.
    expect((await h.app.request(`/login/verify?token=${freshToken}`)).status).toBe(200);
    const verified = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token: freshToken }) });
    const cookie = verified.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^relay_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('answers an unknown email exactly like a known one, and sends nothing', async () => {
    const res = await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: 'nobody@nowhere.example' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('If nobody@nowhere.example belongs to a Relay user');
    const sent = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.toAddresses, ['nobody@nowhere.example']));
    expect(sent).toEqual([]);
    const bad = await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: 'not an email' }) });
    expect(bad.status).toBe(400);
  });

  it('refuses a form post without the CSRF token, and signs out for good', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.csms[0]!.email);
    const forged = await client.post('/logout', {}, { csrf: false });
    expect(forged.status).toBe(403);
    expect((await client.get('/accounts')).status).toBe(200);
    const out = await client.post('/logout');
    expect(out.status).toBe(303);
    expect((await client.get('/accounts')).status).toBe(303);
  });

  it('never follows a next= that leaves the site', async () => {
    const org = await h.newOrganisation();
    await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail, next: '//evil.example/x' }) });
    const [mail] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId));
    expect(mail!.links[0]).not.toContain('evil');
  });

  it('slows down one client asking for many links, with Retry-After, without sending more email', async () => {
    const org = await h.newOrganisation();
    const app = createApp({ ...h.deps, signInRateLimit: { limit: 2, windowMs: 60_000 } });
    const ask = () => app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many sign-in requests');
    const mails = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId));
    expect(mails).toHaveLength(2);
  });

  it('serves pages with a policy that lets no script run and no other site frame them', async () => {
    const res = await h.app.request('/login');
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('script-src');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("form-action 'self'");
  });

  it('sends someone whose session has expired back to sign in, and refuses an expired sign-in link', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    expect((await client.get('/accounts')).status).toBe(200);
    await h.database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, org.adminId));
    const after = await client.get('/accounts');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/login/);

    await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) });
    await h.database.db.update(loginTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(loginTokens.userId, org.adminId));
    const [mail] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId)).orderBy(desc(outboxEmails.createdAt)).limit(1);
    const token = new URL(mail!.links[0]!).searchParams.get('token')!;
    const verified = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) });
    expect(verified.status).toBe(410);
    expect(verified.headers.get('set-cookie')).toBeNull();
  });
});
