import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountDetailResponse } from '../api/responses.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

interface ErrorBody { error: { code: string; message: string; requestId?: string; fields?: { field: string }[] } }

describe('API answers', () => {
  it('names the request in every error body and in the X-Request-Id header', async () => {
    const org = await h.newOrganisation();
    const bad = await org.api('/api/accounts', { body: { companyName: '' } });
    expect(bad.status).toBe(400);
    const body = await bad.json() as ErrorBody;
    expect(body.error.code).toBe('validation');
    expect(body.error.fields?.map((f) => f.field)).toContain('companyName');
    expect(body.error.requestId).toMatch(/^[\w-]{8,}$/);
    expect(bad.headers.get('x-request-id')).toBe(body.error.requestId);

    const missing = await org.api('/api/accounts/no-such-account');
    expect(missing.status).toBe(404);
    const notFound = await missing.json() as ErrorBody;
    expect(notFound.error).toMatchObject({ code: 'not_found' });
    expect(notFound.error.requestId).toBe(missing.headers.get('x-request-id'));
    expect(notFound.error.requestId).not.toBe(body.error.requestId);

    const unauthenticated = await h.app.request('/api/accounts');
    expect(unauthenticated.status).toBe(401);
    expect((await unauthenticated.json() as ErrorBody).error.requestId).toBe(unauthenticated.headers.get('x-request-id'));

    const noRoute = await org.api('/api/no-such-route');
    expect(noRoute.status).toBe(404);
    expect((await noRoute.json() as ErrorBody).error.requestId).toBe(noRoute.headers.get('x-request-id'));

    // A caller's own request ID (from a proxy, say) is kept, so both sides' logs can be matched up.
    const traced = await h.app.request('/api/accounts', { headers: { 'x-request-id': 'edge-1234abcd' } });
    expect(traced.status).toBe(401);
    expect((await traced.json() as ErrorBody).error.requestId).toBe('edge-1234abcd');
  });

  it('answers an account with the fields the response schema names, and no internal columns', async () => {
    const org = await h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody({ companyName: 'Schema Check Ltd' }) });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const view = await eventually(async () => {
      const res = await org.api(`/api/accounts/${id}`);
      const json = await res.json() as Record<string, unknown> & { handoff: { state: string } };
      return json.handoff.state === 'awaiting_ae' ? json : undefined;
    }, { what: 'the handoff to be drafted' });
    expect(Object.keys(view).sort()).toEqual(Object.keys(accountDetailResponse.shape).sort());
    for (const internal of ['orgId', 'searchText', 'templateVersionId', 'csmUserId']) expect(view).not.toHaveProperty(internal);
    expect(view).toMatchObject({ id, companyName: 'Schema Check Ltd', status: 'pending_handoff', mrr: 10_000, workflowId: `account-${id}` });
    expect(JSON.stringify(view)).not.toContain(org.orgId);
    // Nested objects too (issue 14): only documented fields, no internal row IDs or unnamed keys.
    const nested = view as unknown as { template: object; milestones: { actions: object[] }[]; handoff: object; domains: object[] };
    expect(Object.keys(nested.template).sort()).toEqual(['id', 'name', 'version']);
    // dueOn, overdue and daysLate: the onboarding plan's due dates (issue 14).
    const milestoneKeys = ['id', 'sequence', 'name', 'durationDays', 'status', 'actions', 'startedAt', 'completedAt', 'dueOn', 'overdue', 'daysLate'];
    for (const m of nested.milestones) {
      expect(Object.keys(m).sort()).toEqual([...milestoneKeys].sort());
      for (const a of m.actions) {
        for (const key of Object.keys(a)) expect(['kind', 'label', 'description', 'blocker', 'trigger', 'autoSend', 'schedulingUrl', 'fields']).toContain(key);
      }
    }
    expect(Object.keys(nested.handoff).sort()).toEqual(['drafter', 'linkExpiresAt', 'qa', 'state', 'submittedAt']);
    expect(JSON.stringify(view)).not.toMatch(/versionId|linkVersion|tokenHash|orgId/);
  });
});
