import { and, desc, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { outboxEmails } from '../db/schema/index.ts';
import { eventually, type Harness } from './harness.ts';

export interface DashboardClient {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Response>;
  /** A form post carrying the session's CSRF token unless `csrf: false`. */
  post(path: string, fields?: Record<string, string>, opts?: { csrf?: boolean }): Promise<Response>;
  /** A multipart/form-data post (file uploads), CSRF token as a form field unless `csrf: false`. */
  postMultipart(path: string, fields: Record<string, string | Blob>, opts?: { csrf?: boolean }): Promise<Response>;
}

/** The newest sign-in email to `email` that is not one of `seen` (outbox row IDs), once it is there. */
export async function nextSignInEmail(h: Harness, email: string, seen: Set<string> = new Set()) {
  return eventually(async () => (await h.database.db.select().from(outboxEmails)
    .where(and(eq(outboxEmails.kind, 'sign_in'), eq(outboxEmails.toAddresses, [email.toLowerCase()])))
    .orderBy(desc(outboxEmails.createdAt))).find((m) => !seen.has(m.id)), { what: `a sign-in email to ${email}` });
}

async function signInEmailIds(h: Harness, email: string): Promise<Set<string>> {
  const rows = await h.database.db.select({ id: outboxEmails.id }).from(outboxEmails)
    .where(and(eq(outboxEmails.kind, 'sign_in'), eq(outboxEmails.toAddresses, [email.toLowerCase()])));
  return new Set(rows.map((r) => r.id));
}

/**
 * Signs in the way a person does: ask for a link, take it from the outbox (it is sent after the
 * answer, by a sendSignInLinks run), confirm it.
 */
export async function signIn(h: Harness, email: string): Promise<DashboardClient> {
  const mail = await h.whileWorkerRuns(async () => {
    const seen = await signInEmailIds(h, email);
    const asked = await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email }) });
    expect(asked.status).toBe(200);
    return nextSignInEmail(h, email, seen);
  });
  const link = new URL(mail.links[0]!);
  const token = link.searchParams.get('token')!;
  const verified = await h.app.request('/login/verify', { method: 'POST', body: new URLSearchParams({ token }) });
  expect(verified.status).toBe(303);
  const setCookie = verified.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const page = await h.app.request('/accounts', { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the accounts page');
  return {
    cookie,
    csrf,
    get: (path) => Promise.resolve(h.app.request(path, { headers: { cookie } })),
    postMultipart: (path, fields, opts = {}) => {
      const form = new FormData();
      if (opts.csrf !== false) form.set('_csrf', csrf);
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      return Promise.resolve(h.app.request(path, { method: 'POST', headers: { cookie }, body: form }));
    },
    post: (path, fields = {}, opts = {}) => Promise.resolve(h.app.request(path, {
      method: 'POST', headers: { cookie },
      body: new URLSearchParams(opts.csrf === false ? fields : { ...fields, _csrf: csrf }),
    })),
  };
}
