// Structured logs (issue 15): every request's log line names the request, the organisation it acts
// for and, when the path names one, the account and its workflow; the API key, the session cookie
// and the sign-in token a request carries appear in no line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from './support/captureOutput.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
let org: TestOrganisation;
let dashboard: DashboardClient;
/** Everything written to stdout and stderr while capturing. */
let output: ReturnType<typeof captureOutput>;

/** The JSON lines captured so far. */
const lines = () => output.text().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  h = await createHarness();
  org = await h.newOrganisation();
  output = captureOutput();
  dashboard = await signIn(h, org.adminEmail);
});
afterAll(async () => {
  output?.stop();
  await h?.close();
});

describe('request log lines', () => {
  it('carry the request ID, the organisation, the account and its workflow, and the route pattern', async () => {
    const created = await org.api('/api/accounts', { body: accountBody() });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    output.clear();
    const res = await org.api(`/api/accounts/${id}`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();

    const line = lines().find((l) => l.message === 'request' && l.requestId === requestId);
    expect(line).toMatchObject({
      level: 'info', method: 'GET', route: '/api/accounts/:id', status: 200,
      orgId: org.orgId, accountId: id, workflowId: `account-${id}`,
    });
    expect(typeof line?.ms).toBe('number');
    // The key that authenticated the request is in no line.
    expect(output.text()).not.toContain(org.apiKey);
  });

  it('name the signed-in user\'s organisation on dashboard pages, never the session cookie', async () => {
    const created = await org.api('/api/accounts', { body: accountBody() });
    const { id } = await created.json() as { id: string };
    output.clear();
    const page = await dashboard.get(`/accounts/${id}`);
    expect(page.status).toBe(200);
    const line = lines().find((l) => l.message === 'request' && l.requestId === page.headers.get('x-request-id'));
    expect(line).toMatchObject({ route: '/accounts/:id', status: 200, orgId: org.orgId, userId: org.adminId, accountId: id });
    const sessionToken = dashboard.cookie.split('=')[1]!;
    expect(sessionToken.length).toBeGreaterThan(10);
    expect(output.text()).not.toContain(sessionToken);
    expect(output.text()).not.toContain(dashboard.csrf);
  });

  it('name no organisation for a request no key vouches for, and keep the bad key out', async () => {
    output.clear();
    const forged = 'relay_forged-key-that-matches-nothing-0000';
    const res = await h.app.request('/api/accounts', { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    const line = lines().find((l) => l.message === 'request' && l.requestId === res.headers.get('x-request-id'));
    expect(line).toMatchObject({ status: 401, method: 'GET' });
    expect(line).not.toHaveProperty('orgId');
    expect(output.text()).not.toContain(forged);
  });
});
