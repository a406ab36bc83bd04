import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { accounts } from '../db/schema/index.ts';
import { temporalConnectionOptions } from '../platform/temporalClient.ts';
import { signIn } from './dashboardClient.ts';
import { accountBody, createHarness, type Harness } from './harness.ts';

let h: Harness;
let connection: Connection;
let unreachable: ReturnType<typeof createApp>;
let unreachableWithDefaultRetries: { app: ReturnType<typeof createApp>; connection: Connection };
beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  // Nothing listens on port 1: every call fails the way it does while the Temporal server is down,
  // after the client's retries (fewer here than the default ~20 s of them, to keep the test short).
  connection = Connection.lazy({
    address: '127.0.0.1:1', connectTimeout: '500ms',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
  });
  unreachable = createApp({ ...h.deps, temporal: new Client({ connection }) });
  // As in production: the client's own retries would take ~20 s; the API's deadlines cut them short.
  const production = Connection.lazy({ address: '127.0.0.1:1', ...temporalConnectionOptions() });
  unreachableWithDefaultRetries = { app: createApp({ ...h.deps, temporal: new Client({ connection: production }) }), connection: production };
});
afterAll(async () => {
  await unreachableWithDefaultRetries?.connection.close();
  await connection?.close();
  await h?.close();
});

describe('while Temporal is unreachable', () => {
  it('answers 503 to a new account and keeps no half-made record', async () => {
    const org = await h.newOrganisation();
    const res = await unreachable.request('/api/accounts', {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(accountBody()),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
    const [{ n }] = await h.database.db.select({ n: count() }).from(accounts).where(eq(accounts.orgId, org.orgId)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('keeps what the person typed in the create form and says to try again', async () => {
    const org = await h.newOrganisation();
    const client = await signIn(h, org.adminEmail);
    const [template] = await h.database.db.query.templates.findMany({ where: (t, { eq: same }) => same(t.orgId, org.orgId), limit: 1 });
    const body = accountBody({ companyName: 'Outage Test Co' });
    const res = await unreachable.request('/accounts/new', {
      method: 'POST', headers: { cookie: client.cookie },
      body: new URLSearchParams({
        _csrf: client.csrf, companyName: body.companyName, arr: String(body.arr), closeDate: body.closeDate,
        primaryContactName: body.primaryContactName, primaryContactEmail: body.primaryContactEmail, templateId: template!.id,
      }),
    });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain('cannot reach its workflow engine');
    expect(html).toContain('value="Outage Test Co"');
  });

  it('answers 503 within 2 s with the production client\'s retries, for a new account and an import confirm', async () => {
    const org = await h.newOrganisation();
    const headers = { authorization: `Bearer ${org.apiKey}` };
    const { app } = unreachableWithDefaultRetries;
    let started = performance.now();
    const created = await app.request('/api/accounts', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(accountBody()) });
    expect(created.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2_200);

    const csv = 'companyName,arr,closeDate,primaryContactName,primaryContactEmail,templateName\nOutage Import Co,1000,2026-11-01,Pat,pat@outage-import.example,Standard SaaS Onboarding\n';
    const preview = await app.request('/api/imports', { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv });
    expect(preview.status).toBe(201);
    const { id } = await preview.json() as { id: string };
    started = performance.now();
    const confirmed = await app.request(`/api/imports/${id}/confirm`, { method: 'POST', headers });
    expect(confirmed.status).toBe(503);
    expect(await confirmed.json()).toMatchObject({ error: { code: 'unavailable' } });
    expect(performance.now() - started).toBeLessThan(2_200);
  }, 30_000);
});
