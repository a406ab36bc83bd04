import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { accounts } from '../db/schema/index.ts';
import { signIn } from './dashboardClient.ts';
import { accountBody, createHarness, type Harness } from './harness.ts';

let h: Harness;
let connection: Connection;
let unreachable: ReturnType<typeof createApp>;
beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  // Nothing listens on port 1: every call fails the way it does while the Temporal server is down,
  // after the client's retries (fewer here than the default ~20 s of them, to keep the test short).
  connection = Connection.lazy({
    address: '127.0.0.1:1', connectTimeout: '500ms',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
  });
  unreachable = createApp({ ...h.deps, temporal: new Client({ connection }) });
});
afterAll(async () => {
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
});
