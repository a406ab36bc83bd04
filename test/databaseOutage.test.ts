import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { openDatabase } from '../db/client.ts';
import { accounts, outboxEmails } from '../db/schema/index.ts';
import { checkReadiness } from '../platform/readiness.ts';
import type { AccountLifecycleWorkflow } from '../workflows/definitions.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';
import { startPrivatePostgres, type PrivatePostgres } from './support/privatePostgres.ts';

// Database outages on a Postgres server of this file's own (never the machine's shared one): the
// API answers 503 quickly and stays up, and no account is lost or stranded by the cut.

let pg: PrivatePostgres;
let h: Harness;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  const setup = await openDatabase({ url: pg.url, dataDir: '.data', max: 1 });
  await setup.migrate();
  await setup.close();
  h = await createHarness({ databaseUrl: pg.url, activityDeps: { accountCommitGraceMs: 3_000 } });
});
afterAll(async () => {
  await h?.close();
  await pg?.destroy();
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function handoffEmailSent(accountId: string): Promise<boolean> {
  const rows = await h.database.db.select({ id: outboxEmails.id }).from(outboxEmails)
    .where(and(eq(outboxEmails.accountId, accountId), eq(outboxEmails.kind, 'handoff_link')));
  return rows.length === 1;
}

describe('database outages', () => {
  it('answers 503 with Retry-After within seconds while the database is down, and serves again when it is back', async () => {
    const org = await h.newOrganisation();
    expect((await org.api('/api/accounts', { body: accountBody() })).status).toBe(201);
    await pg.stop();
    try {
      const list = await timed(() => org.api('/api/accounts'));
      expect(list.value.status).toBe(503);
      expect(list.value.headers.get('retry-after')).toBe('5');
      expect((await list.value.json() as { error: { code: string } }).error.code).toBe('unavailable');
      expect(list.ms).toBeLessThan(4_000);

      const create = await timed(() => org.api('/api/accounts', { body: accountBody() }));
      expect(create.value.status).toBe(503);
      expect(create.ms).toBeLessThan(4_000);

      // A page request (a session lookup first) gets the same answer as a page.
      const page = await h.app.request('/accounts', { headers: { cookie: 'relay_session=whatever' } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('cannot reach its database');

      const ready = await checkReadiness(h.database, h.deps.temporal.connection, { namespace: 'default', taskQueue: h.taskQueue });
      expect(ready).toMatchObject({ database: false, temporal: true });
    } finally {
      await pg.start();
    }
    await eventually(async () => (await org.api('/api/accounts')).status === 200, { what: 'the API to serve again' });
  });

  it('onboards an account whose first read met the outage, once the database is back', async () => {
    const org = await h.newOrganisation();
    const created = await org.api('/api/accounts', { body: accountBody() });
    expect(created.status).toBe(201);
    const { id, workflowId } = await created.json() as { id: string; workflowId: string };
    await pg.stop();
    await new Promise((r) => setTimeout(r, 8_000));
    await pg.start();
    await eventually(() => handoffEmailSent(id), { timeoutMs: 60_000, what: 'the handoff email after the outage' });
    // Every activity of the run retries a database outage for as long as it lasts: no attempt limit.
    const history = await h.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    expect(scheduled.length).toBeGreaterThan(0);
    for (const activity of scheduled) expect(activity.retryPolicy?.maximumAttempts ?? 0).toBe(0);
  }, 90_000);

  it('survives a cut in the middle of concurrent creates: every answer is 201 or 503, and every run has its row', async () => {
    const org = await h.newOrganisation();
    const statuses = new Map<number, number>();
    const created: string[] = [];
    let stop = false;
    const lanes = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const res = await org.api('/api/accounts', { body: accountBody() });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) created.push((await res.json() as { id: string }).id);
        else await new Promise((r) => setTimeout(r, 100));
      }
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await pg.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.start();
    await new Promise((r) => setTimeout(r, 1_500));
    stop = true;
    await Promise.all(lanes);

    expect([...statuses.keys()].every((s) => s === 201 || s === 503)).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(created.length).toBeGreaterThan(0);
    for (const id of created) await eventually(() => handoffEmailSent(id), { timeoutMs: 60_000, what: `the handoff email of ${id}` });

    // From Temporal's side: every run of this org either has its row, or ended because its row was
    // never stored (a create answered 503 at the cut); none failed, none waits for a row forever.
    const rows = new Set((await h.database.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.orgId, org.orgId))).map((r) => r.id));
    expect(created.every((id) => rows.has(id))).toBe(true);
    await eventually(async () => {
      for await (const run of h.deps.temporal.workflow.list({ query: `RelayOrgId = "${org.orgId}"` })) {
        const accountId = run.workflowId.replace(/^account-/, '');
        if (rows.has(accountId)) { if (run.status.name !== 'RUNNING') return false; continue; }
        if (run.status.name !== 'COMPLETED') return false;
        const result = await h.deps.temporal.workflow.getHandle(run.workflowId).result() as { stored?: boolean };
        if (result.stored !== false) return false;
      }
      return true;
    }, { timeoutMs: 60_000, what: 'every run to have its row or to have ended as never stored' });
  }, 120_000);

  it('ends the run of an account whose transaction never committed, instead of failing it', async () => {
    const org = await h.newOrganisation();
    const accountId = randomUUID();
    const handle = await h.deps.temporal.workflow.start<AccountLifecycleWorkflow>('accountLifecycle', {
      workflowId: `account-${accountId}`, taskQueue: h.taskQueue,
      args: [{ orgId: org.orgId, accountId, timing: { tokenTtlSeconds: 60, reminderDelaysSeconds: [], escalationDelaySeconds: 3600 } }],
    });
    expect(await handle.result()).toEqual({ status: 'pending_handoff', stored: false });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  }, 60_000);
});
