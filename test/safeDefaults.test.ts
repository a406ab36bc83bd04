// Safe defaults (issue 9): what a server does when nobody configured it carefully. The dev outbox
// only in explicit development mode, loopback-only listening, a sign-in confirmation no other site
// can post, body limits everywhere, sane dates, and an outbox viewer that shows markup as text.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { and, count, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { buildAppDeps } from '../api/appDeps.ts';
import { freePort } from '../platform/temporalDevServer.ts';
import { loadEnv } from '../config/env.ts';
import { accounts, outboxEmails, tasks } from '../db/schema/index.ts';
import { buildMailer } from '../platform/providers.ts';
import { startHttpServer } from '../platform/httpServer.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, TEST_PUBLIC_URL, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** An address of this machine other than loopback, if it has one (to prove a server is not on it). */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
}

/** Whether something accepts TCP connections at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

describe('the dev outbox exists only in explicit development mode', () => {
  const appFor = (vars: Record<string, string>, opts?: { devMode: boolean }) => {
    const env = loadEnv({ RELAY_SECRET: SECRET, ...vars });
    const temporal = { client: h.deps.temporal, connection: h.deps.temporal.connection as Connection };
    const deps = buildAppDeps(env, h.database, temporal, buildMailer(env), opts);
    return { deps, app: createApp(deps) };
  };

  it('is off for the API built from the environment alone, even without a mail provider', async () => {
    const { deps, app } = appFor({ NODE_ENV: 'development' });
    expect(deps.mailer.provider).toBe('dev-outbox');
    expect(deps.devOutbox).toBe(false);
    expect((await app.request('/dev/outbox')).status).toBe(404);
  });

  it('is on only when the development composition root asks for it, and never in production', async () => {
    expect(appFor({ NODE_ENV: 'development' }, { devMode: true }).deps.devOutbox).toBe(true);
    expect(appFor({ NODE_ENV: 'production' }, { devMode: true }).deps.devOutbox).toBe(false);
    expect(appFor({ NODE_ENV: 'development', RESEND_API_KEY: 're_key' }, { devMode: true }).deps.devOutbox).toBe(false);
  });
});

describe('servers listen on 127.0.0.1 unless told otherwise', () => {
  it('defaults HOST to 127.0.0.1 and takes another when set', () => {
    expect(loadEnv({}).HOST).toBe('127.0.0.1');
    expect(loadEnv({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('binds the HTTP server to loopback by default', async () => {
    const server = await startHttpServer(() => new Response('ok'), 0);
    try {
      expect(await accepts('127.0.0.1', server.port)).toBe(true);
      const external = externalAddress();
      if (external) expect(await accepts(external, server.port), `reachable on ${external}`).toBe(false);
    } finally {
      await server.close();
    }
  });

  // `npm run api` itself: a real process, configured the way someone trying it out would.
  it('runs `npm run api` on loopback only, serving no dev outbox without a mail provider', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env, NODE_ENV: 'development', DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'),
      PORT: String(port), RELAY_SECRET: SECRET, RELAY_LOG_QUIET: 'true',
    };
    delete env.HOST;
    delete env.RESEND_API_KEY;
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'api/server.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    try {
      await eventually(async () => child.exitCode === null && (await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200, { what: `the API on port ${port} (${stderr})` });
      expect((await fetch(`http://127.0.0.1:${port}/dev/outbox`)).status).toBe(404);
      const external = externalAddress();
      if (external) expect(await accepts(external, port), `reachable on ${external}`).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve); });
    }
  });
});

describe('confirming a sign-in link', () => {
  /** A fresh, unused sign-in token for the org's admin. */
  async function freshToken(org: TestOrganisation): Promise<string> {
    const before = new Set((await h.database.db.select({ id: outboxEmails.id }).from(outboxEmails).where(eq(outboxEmails.orgId, org.orgId))).map((m) => m.id));
    expect((await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email: org.adminEmail }) })).status).toBe(200);
    const mail = await eventually(async () => (await h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'sign_in'))).orderBy(desc(outboxEmails.createdAt))).find((m) => !before.has(m.id)), { what: 'a sign-in email' });
    return new URL(mail.links[0]!).searchParams.get('token')!;
  }

  const verify = (token: string, headers: Record<string, string>, app = h.app) =>
    app.request('/login/verify', { method: 'POST', headers, body: new URLSearchParams({ token }) });

  it('refuses a post from another site (login CSRF) with a readable 403, and leaves the link usable', async () => {
    const org = await h.newOrganisation();
    const token = await freshToken(org);
    const attempts: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'https://other.relay.test' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: 'null' },
      { origin: 'null' },
    ];
    for (const headers of attempts) {
      const refused = await verify(token, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.headers.get('set-cookie'), JSON.stringify(headers)).toBeNull();
      const html = await refused.text();
      expect(html).toContain('did not come from Relay');
      expect(html).toContain('href="/login"');
    }
    const confirmed = await verify(token, { 'sec-fetch-site': 'same-origin', origin: TEST_PUBLIC_URL });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('set-cookie')).toMatch(/^relay_session=/);
  });

  it('accepts the browser\'s own form post, whether it reached Relay by its public URL or its own host', async () => {
    const org = await h.newOrganisation();
    expect((await verify(await freshToken(org), { 'sec-fetch-site': 'same-origin', origin: TEST_PUBLIC_URL })).status).toBe(303);
    // The request's own origin (a proxy or a test server in front of the same app).
    const own = await h.app.request('http://127.0.0.1:3999/login/verify', {
      method: 'POST', headers: { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:3999' }, body: new URLSearchParams({ token: await freshToken(org) }),
    });
    expect(own.status).toBe(303);
    // Relay's pages send no referrer, so a browser posts their forms with Origin: null.
    expect((await verify(await freshToken(org), { 'sec-fetch-site': 'same-origin', origin: 'null' })).status).toBe(303);
    // Typed or pasted by hand (Sec-Fetch-Site: none), or a client that sends neither header.
    expect((await verify(await freshToken(org), { 'sec-fetch-site': 'none' })).status).toBe(303);
    expect((await verify(await freshToken(org), {})).status).toBe(303);
  });

  it('is rate limited per client address, with Retry-After', async () => {
    const app = createApp({ ...h.deps, signInRateLimit: { limit: 2, windowMs: 60_000 } });
    expect((await verify('not-a-token', {}, app)).status).toBe(410);
    expect((await verify('not-a-token', {}, app)).status).toBe(410);
    const limited = await verify('not-a-token', {}, app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many sign-in attempts');
  });
});

describe('request bodies are limited on every route', () => {
  const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);
  let org: TestOrganisation;
  let client: DashboardClient;
  beforeAll(async () => {
    org = await h.newOrganisation();
    client = await signIn(h, org.adminEmail);
  });

  it('answers a 2 MB JSON body to POST /api/accounts with 413 payload_too_large, quickly, creating nothing', async () => {
    const started = performance.now();
    const res = await org.api('/api/accounts', { body: { ...accountBody(), notes: twoMegabytes } });
    const took = performance.now() - started;
    expect(res.status).toBe(413);
    const body = await res.json() as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.message).toMatch(/1 MB/);
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(took).toBeLessThan(1000);
    const [{ n }] = await h.database.db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, org.orgId)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('answers 413 to a 2 MB body on other API routes, even one that declares no length', async () => {
    const chunks = [new TextEncoder().encode(`{"status":"at_risk","note":"${twoMegabytes}"}`)];
    const stream = new ReadableStream<Uint8Array>({ pull(controller) { const next = chunks.shift(); if (next) controller.enqueue(next); else controller.close(); } });
    const res = await h.app.request('/api/accounts/00000000-0000-0000-0000-000000000000/status', {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: stream, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('answers a 2 MB dashboard form post with the 413 page', async () => {
    const res = await client.post('/accounts/new', { companyName: twoMegabytes });
    expect(res.status).toBe(413);
    const html = await res.text();
    expect(html).toContain('Too large');
    expect(html).toContain(res.headers.get('x-request-id')!);
    const [{ n }] = await h.database.db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, org.orgId)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('answers 413 on the public forms too: sign-in, its confirmation and the handoff page', async () => {
    for (const path of ['/login', '/login/verify', '/handoff/not-a-real-token']) {
      const res = await h.app.request(path, { method: 'POST', body: new URLSearchParams({ email: 'a@b.example', token: twoMegabytes }) });
      expect(res.status, path).toBe(413);
      expect(await res.text(), path).toContain('Too large');
    }
  });

  it('keeps the CSV upload\'s own 5 MB limit', async () => {
    const header = 'company_name,arr,close_date,primary_contact_name,primary_contact_email,ae_email,template_name,website,notes';
    const rows = Array.from({ length: 15 }, (_, i) => `Big ${i},100000,2026-11-01,Owner,o@big-${i}.example,ae@relay.test,Quick Start,https://big-${i}.example,${'n'.repeat(100_000)}`);
    const csv = `${header}\n${rows.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    const api = await h.app.request('/api/imports?filename=big.csv', { method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'text/csv' }, body: csv });
    expect(api.status).not.toBe(413);
    const page = await client.postMultipart('/imports', { file: new File([csv], 'big.csv', { type: 'text/csv' }) });
    expect(page.status).not.toBe(413);
    const tooBig = await h.app.request('/api/imports?filename=huge.csv', {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'text/csv' }, body: `${header}\n${'x'.repeat(6 * 1024 * 1024)}`,
    });
    expect(tooBig.status).toBe(413);
  });
});

describe('dates stay within a sane range', () => {
  it('refuses a close date in year 0 or after 2100, naming the field', async () => {
    const org = await h.newOrganisation();
    for (const closeDate of ['0000-01-01', '1969-12-31', '2101-01-01', '9999-12-31']) {
      const res = await org.api('/api/accounts', { body: accountBody({ closeDate }) });
      expect(res.status, closeDate).toBe(400);
      const body = await res.json() as { error: { fields: { field: string; message: string }[] } };
      expect(body.error.fields, closeDate).toEqual([{ field: 'closeDate', message: 'close date must be between 1970-01-01 and 2100-12-31' }]);
    }
    expect((await org.api('/api/accounts', { body: accountBody({ closeDate: '2100-12-31' }) })).status).toBe(201);
    expect((await org.api('/api/accounts', { body: accountBody({ closeDate: '1970-01-01' }) })).status).toBe(201);
  });

  it('refuses a task due in year 0 on the account page', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const created = await org.api('/api/accounts', { body: accountBody() });
    const { id } = await created.json() as { id: string };
    const res = await client.post(`/accounts/${id}/tasks`, { title: 'Ancient task', dueDate: '0000-01-01' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('due date must be a real date (YYYY-MM-DD) between 1970-01-01 and 2100-12-31');
    expect(await h.database.db.select().from(tasks).where(eq(tasks.accountId, id))).toEqual([]);
  });
});

describe('the dev outbox email viewer', () => {
  const hostile = '<img src=x onerror=alert(1)>';

  /** Decodes an HTML attribute value the way a browser does (the entities our renderer writes). */
  const decodeAttribute = (value: string) => value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  it('shows a company named <img src=x onerror=alert(1)> as text inside the framed email, under a sandbox and a strict policy', async () => {
    const org = await h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: hostile }) });
    const { id } = await created.json() as { id: string };
    const mail = await eventually(async () => (await h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link'))))[0], { what: 'the handoff email' });

    const page = await h.app.request(`/dev/outbox/${mail.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const iframe = /<iframe\b[^>]*>/.exec(html)?.[0] ?? '';
    expect(iframe).not.toBe('');
    const sandbox = /\bsandbox="([^"]*)"/.exec(iframe)?.[1];
    expect(sandbox).toBeDefined();
    expect(sandbox).not.toContain('allow-scripts');
    expect(sandbox).not.toContain('allow-same-origin');

    // The document inside the frame: its srcdoc as the browser decodes it, or what its src serves.
    const srcdoc = /\bsrcdoc="([^"]*)"/.exec(iframe)?.[1];
    let framed: string;
    if (srcdoc !== undefined) {
      framed = decodeAttribute(srcdoc);
    } else {
      const src = decodeAttribute(/\bsrc="([^"]*)"/.exec(iframe)?.[1] ?? '');
      expect(src).toMatch(/^\/dev\/outbox\//);
      const doc = await h.app.request(src);
      expect(doc.status).toBe(200);
      const policy = doc.headers.get('content-security-policy') ?? '';
      expect(policy).toMatch(/(^|;)\s*sandbox\b/);
      expect(policy).not.toContain('allow-scripts');
      expect(policy).toContain("default-src 'none'");
      expect(policy).not.toContain('script-src');
      framed = await doc.text();
    }
    expect(framed).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(framed).not.toContain('<img');
  });
});
