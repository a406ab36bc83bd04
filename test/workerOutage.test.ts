import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { accounts, outboxEmails } from '../db/schema/index.ts';
import { setStatusUpdate, stateQuery } from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

// Updates answer in bounded time whatever the workers do, and a change the database refuses fails
// for good instead of jamming the account's run.

let h: Harness;
beforeAll(async () => { h = await createHarness({ updateTimeouts: { acceptWithinMs: 2_000, finishWithinMs: 5_000 } }); });
afterAll(async () => { await h?.close(); });

async function accountAwaitingHandoff(org: TestOrganisation): Promise<{ id: string; workflowId: string }> {
  const created = await org.api('/api/accounts', { body: accountBody() });
  expect(created.status).toBe(201);
  const account = await created.json() as { id: string; workflowId: string };
  await eventually(async () => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, account.id))).length > 0, { what: 'the handoff email' });
  return account;
}

const statusInDatabase = async (id: string) => (await h.database.db.select({ status: accounts.status }).from(accounts).where(eq(accounts.id, id)))[0]?.status;

describe('bounded updates', () => {
  it('answers 503 when no worker takes the change up in time, and the change never applies later', async () => {
    const org = await h.newOrganisation();
    const { id, workflowId } = await accountAwaitingHandoff(org);
    const [worker] = h.running();
    await worker!.stop();
    const started = performance.now();
    const refused = await org.api(`/api/accounts/${id}/status`, { body: { status: 'churned', note: 'no worker' } });
    const waited = performance.now() - started;
    expect(refused.status).toBe(503);
    expect((await refused.json() as { error: { code: string } }).error.code).toBe('unavailable');
    expect(waited).toBeLessThan(6_000);

    // The worker comes back: the request it never took up in time is refused, not applied.
    await h.startWorker();
    const state = await eventually(async () => h.deps.temporal.workflow.getHandle(workflowId).query(stateQuery), { what: 'the run to answer again' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(state.status).toBe('pending_handoff');
    expect((await h.deps.temporal.workflow.getHandle(workflowId).query(stateQuery)).status).toBe('pending_handoff');
    expect(await statusInDatabase(id)).toBe('pending_handoff');

    // And the account is as workable as ever.
    const churned = await org.api(`/api/accounts/${id}/status`, { body: { status: 'churned' } });
    expect(churned.status).toBe(200);
    expect(await statusInDatabase(id)).toBe('churned');
  }, 60_000);

  it('gives an AE whose handoff no worker took up the form back as filled, and takes the same form sent again once a worker is back', async () => {
    const org = await h.newOrganisation();
    const { id, workflowId } = await accountAwaitingHandoff(org);
    const [email] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id));
    const path = new URL(email!.links[0]!).pathname;
    const page = await (await h.app.request(path)).text();
    const submissionId = /name="submissionId" value="([^"]+)"/.exec(page)?.[1];
    expect(submissionId).toBeTruthy();
    const form = new URLSearchParams({ csmUserId: org.csms[0]!.id, answer_goals: 'Typed by the AE before the outage', submissionId: submissionId! });

    const [worker] = h.running();
    await worker!.stop();
    const refused = await h.app.request(path, { method: 'POST', body: form });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const again = await refused.text();
    expect(again).toContain('nothing was submitted');
    expect(again).toContain('Typed by the AE before the outage');
    expect(again).toContain(`name="submissionId" value="${submissionId}"`);
    expect(again).toMatch(new RegExp(`<option value="${org.csms[0]!.id}"[^>]*selected`));
    expect(again).not.toContain('Back to accounts');

    await h.startWorker();
    await eventually(async () => h.deps.temporal.workflow.getHandle(workflowId).query(stateQuery), { what: 'the run to answer again' });
    const sent = await h.app.request(path, { method: 'POST', body: form });
    expect(sent.status).toBe(200);
    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string; csm: { email: string } | null };
    expect(view.status).toBe('active');
    expect(view.csm?.email).toBe(org.csms[0]!.email);
  }, 60_000);

  it('fails a change the database refuses at once, keeping Temporal and Postgres in agreement and the account workable', async () => {
    const org = await h.newOrganisation();
    const { id, workflowId } = await accountAwaitingHandoff(org);
    const handle = h.deps.temporal.workflow.getHandle(workflowId);
    // Past the API's boundary (which refuses it): a NUL byte Postgres cannot store, sent straight to the run.
    const started = performance.now();
    const failure = await handle.executeUpdate(setStatusUpdate, { args: [{ status: 'churned', note: 'bad\u0000note', actor: 'test' }] })
      .then(() => null, (error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    const activityFailure = (failure as WorkflowUpdateFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(((activityFailure as ActivityFailure).cause as ApplicationFailure).type).toBe('DatabaseRejected');

    expect((await handle.query(stateQuery)).status).toBe('pending_handoff');
    expect(await statusInDatabase(id)).toBe('pending_handoff');
    const description = await handle.describe();
    expect(description.searchAttributes.RelayStatus).toEqual(['pending_handoff']);

    const churned = await org.api(`/api/accounts/${id}/status`, { body: { status: 'churned', note: 'a clean note' } });
    expect(churned.status).toBe(200);
    expect(await statusInDatabase(id)).toBe('churned');
  }, 60_000);
});
