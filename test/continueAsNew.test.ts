import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { outboxEmails } from '../db/schema/index.ts';
import { stateQuery } from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';

let h: Harness;
// A tiny history budget, so a handful of status changes makes the run continue as new.
beforeAll(async () => { h = await createHarness({ historyLimit: 40 }); });
afterAll(async () => { await h?.close(); });

describe('a long-lived account', () => {
  it('continues as new when its history grows, carrying its state, and stays answerable', async () => {
    const org = await h.newOrganisation();
    const { id, workflowId } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string; workflowId: string };
    const email = await eventually(async () => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id)))[0], { what: 'handoff email' });
    expect((await h.app.request(new URL(email.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[1]!.id }) })).status).toBe(200);

    const handle = h.deps.temporal.workflow.getHandle(workflowId);
    const firstRunId = (await handle.describe()).runId;
    for (let i = 0; i < 6; i += 1) {
      expect((await org.api(`/api/accounts/${id}/status`, { body: { status: 'at_risk', note: `slipping ${i}` } })).status).toBe(200);
      expect((await org.api(`/api/accounts/${id}/status`, { body: { status: 'active' } })).status).toBe(200);
    }
    const laterRunId = await eventually(async () => {
      const runId = (await h.deps.temporal.workflow.getHandle(workflowId).describe()).runId;
      return runId !== firstRunId ? runId : undefined;
    }, { what: 'a new run' });
    expect(laterRunId).not.toBe(firstRunId);

    const state = await h.deps.temporal.workflow.getHandle(workflowId).query(stateQuery);
    expect(state.status).toBe('active');
    expect(state.csm?.email).toBe(org.csms[1]!.email);
    expect(state.milestones[0]?.status).toBe('in_progress');

    expect((await org.api(`/api/accounts/${id}/status`, { body: { status: 'churned', note: 'budget cut' } })).status).toBe(200);
    expect(await h.deps.temporal.workflow.getHandle(workflowId).result()).toEqual({ status: 'churned' });
    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string };
    expect(view.status).toBe('churned');
  });
});
