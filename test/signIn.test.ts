import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type WorkflowExecutionInfo } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { createApp } from '../api/app.tsx';
import { insertUser } from '../db/repositories/users.ts';
import { loginTokens, outboxEmails, sessions } from '../db/schema/index.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import { signInEmailHash } from '../services/signInLinks.ts';
import { nextSignInEmail, signIn } from './dashboardClient.ts';
import { createHarness, eventually, type Harness } from './harness.ts';

// Sign-in links are sent by a sendSignInLinks run after the answer: this file needs a worker.
let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

/** The sendSignInLinks runs for `email` on this harness's queue once `count` of them exist and all have finished. */
async function finishedSignInRuns(harness: Harness, email: string, count: number): Promise<WorkflowExecutionInfo[]> {
  const prefix = `sign-in-${signInEmailHash(email)}-`;
  return eventually(async () => {
    const runs: WorkflowExecutionInfo[] = [];
    for await (const run of harness.deps.temporal.workflow.list({ query: `WorkflowType = 'sendSignInLinks' AND TaskQueue = '${harness.taskQueue}'` })) {
      if (run.workflowId.startsWith(prefix)) runs.push(run);
    }
    return runs.length >= count && runs.every((r) => r.status.name !== 'RUNNING') ? runs : undefined;
  }, { what: `${count} finished sign-in run(s) for ${email}` });
}

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
    const second = await nextSignInEmail(h, org.adminEmail, new Set([mail!.id]));
    expect(second.orgId).toBe(org.orgId);
    const freshToken = new URL(second.links[0]!).searchParams.get('token')!;
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
    // The run that looked the address up has finished, having sent nothing.
    const [run] = await finishedSignInRuns(h, 'nobody@nowhere.example', 1);
    expect(run!.status.name).toBe('COMPLETED');
    expect(await h.deps.temporal.workflow.getHandle(run!.workflowId).result()).toEqual({ sent: 0 });
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
    const mail = await nextSignInEmail(h, org.adminEmail);
    expect(mail.links[0]).not.toContain('evil');
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
    const runs = await finishedSignInRuns(h, org.adminEmail, 2);
    expect(runs).toHaveLength(2);
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

    const earlier = new Set((await h.database.db.select({ id: outboxEmails.id }).from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId))).map((m) => m.id));
    await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) });
    const mail = await nextSignInEmail(h, org.adminEmail, earlier);
    await h.database.db.update(loginTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(loginTokens.userId, org.adminId));
    const token = new URL(mail.links[0]!).searchParams.get('token')!;
    const verified = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) });
    expect(verified.status).toBe(410);
    expect(verified.headers.get('set-cookie')).toBeNull();
  });
});

describe('sign-in links are sent after the answer, by a sendSignInLinks run', () => {
  it('sends one link per organisation the address belongs to, each once', async () => {
    const org = await h.newOrganisation();
    const other = await h.newOrganisation();
    await insertUser(h.database.db, other.orgId, { email: org.adminEmail, name: 'Ada Twice', role: 'csm' });
    expect((await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) })).status).toBe(200);
    const [run] = await finishedSignInRuns(h, org.adminEmail, 1);
    expect(await h.deps.temporal.workflow.getHandle(run!.workflowId).result()).toEqual({ sent: 2 });
    const mails = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.toAddresses, [org.adminEmail]));
    expect(mails.map((m) => m.orgId).sort()).toEqual([org.orgId, other.orgId].sort());
  });

  it('answers 503 with the sign-in page, sending nothing, while Temporal is unreachable', async () => {
    const org = await h.newOrganisation();
    // Nothing listens on port 1; fewer client retries than the default ~20 s keep the test short.
    const connection = Connection.lazy({
      address: '127.0.0.1:1', connectTimeout: '500ms',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
    try {
      const app = createApp({ ...h.deps, temporal: new Client({ connection }) });
      const res = await app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) });
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain('We could not send the sign-in email just now');
      expect(html).toContain(`value="${org.adminEmail}"`);
    } finally {
      await connection.close();
    }
    expect(await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId))).toEqual([]);
  });

  it('stops at once, failing the run visibly, when the mail provider rejects the address', async () => {
    let attempts = 0;
    const rejecting = await createHarness({
      activityDeps: {
        mailer: {
          provider: 'resend',
          deliver: async () => { attempts += 1; throw new EmailDeliveryError('invalid recipient', { retryable: false, status: 422 }); },
        },
      },
    });
    try {
      const org = await rejecting.newOrganisation();
      expect((await rejecting.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) })).status).toBe(200);
      const [run] = await finishedSignInRuns(rejecting, org.adminEmail, 1);
      expect(run!.status.name).toBe('FAILED');
      await expect(rejecting.deps.temporal.workflow.getHandle(run!.workflowId).result()).rejects.toThrow();
      expect(attempts).toBe(1);
      const [mail] = await rejecting.database.db.select().from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId));
      expect(mail!.status).toBe('failed');
    } finally {
      await rejecting.close();
    }
  });
});
