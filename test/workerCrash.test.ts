import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { inject } from 'vitest';
import { accountMilestones, outboxEmails, timelineEvents } from '../db/schema/index.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { accountBody, createHarness, eventually, TEST_PUBLIC_URL, TEST_TOKEN_SECRET, type Harness, skipOpenBlockers } from './harness.ts';

/** worker.ts as its own process, the way production runs it, so it can be killed outright. */
function spawnWorker(taskQueue: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue,
      RELAY_SECRET: TEST_TOKEN_SECRET, RELAY_PUBLIC_URL: TEST_PUBLIC_URL, RELAY_LOG_QUIET: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"message":"worker started"')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${output}`)));
  });
  return { child, ready };
}

let h: Harness;
const children: ChildProcess[] = [];
beforeAll(async () => { h = await createHarness({ startWorker: false }); });
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
});

describe('a worker killed mid-flow', () => {
  it('leaves the flow to a new worker, which finishes it without repeating any step', async () => {
    const org = await h.newOrganisation();
    const first = spawnWorker(h.taskQueue);
    children.push(first.child);
    await first.ready;

    const { id } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string };
    // Kill as soon as the first step is recorded, while the rest of the setup is still under way.
    await eventually(async () => {
      const [row] = await h.database.db.select({ n: count() }).from(timelineEvents)
        .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'account_created')));
      return (row?.n ?? 0) > 0;
    }, { what: 'the first step' });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = spawnWorker(h.taskQueue);
    children.push(second.child);
    await second.ready;

    const email = await eventually(async () => {
      const [row] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
      return row;
    }, { what: 'the handoff email from the new worker', timeoutMs: 90_000 });
    const path = new URL(email.links[0]!).pathname;
    const submitted = await h.app.request(path, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) });
    expect(submitted.status).toBe(200);

    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string; milestones: { id: string }[] };
    expect(view.status).toBe('active');
    for (const m of view.milestones) {
      await skipOpenBlockers(org, id, m.id);
      expect((await org.api(`/api/accounts/${id}/milestones/${m.id}/complete`, { body: {} })).status).toBe(200);
    }
    expect((await org.api(`/api/accounts/${id}/status`, { body: { status: 'completed' } })).status).toBe(200);

    const milestoneRows = await h.database.db.select({ n: count() }).from(accountMilestones).where(eq(accountMilestones.accountId, id));
    expect(milestoneRows[0]?.n).toBe(4);
    const emails = await h.database.db.select({ kind: outboxEmails.kind }).from(outboxEmails).where(eq(outboxEmails.accountId, id));
    expect(emails.map((e) => e.kind).sort()).toEqual(['csm_assigned', 'handoff_link']);
    const created = await h.database.db.select({ n: count() }).from(timelineEvents)
      .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'account_created')));
    expect(created[0]?.n).toBe(1);
    expect(await h.deps.temporal.workflow.getHandle(`account-${id}`).result()).toEqual({ status: 'completed' });
  }, 180_000);

  it('two workers share the queue; one SIGKILLed while accounts are being onboarded, the other finishes them all, nothing lost or doubled', async () => {
    const org = await h.newOrganisation();
    const workers = [spawnWorker(h.taskQueue), spawnWorker(h.taskQueue)];
    children.push(...workers.map((w) => w.child));
    await Promise.all(workers.map((w) => w.ready));

    const ids = await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const res = await org.api('/api/accounts', { body: accountBody({ companyName: `Shared Queue ${i}` }) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    }));
    // Mid-run: once the first account's first step is recorded, while the others are under way.
    await eventually(async () => {
      const [row] = await h.database.db.select({ n: count() }).from(timelineEvents)
        .where(and(eq(timelineEvents.orgId, org.orgId), eq(timelineEvents.type, 'account_created')));
      return (row?.n ?? 0) > 0;
    }, { what: 'a first step' });
    workers[0]!.child.kill('SIGKILL');
    await new Promise((r) => workers[0]!.child.once('exit', r));

    // The survivor carries every account to the AE: one milestone set, one creation, one email each.
    for (const id of ids) {
      await eventually(async () => {
        const [row] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
        return row;
      }, { what: `the handoff email of ${id}`, timeoutMs: 120_000 });
    }
    for (const id of ids) {
      const [milestones] = await h.database.db.select({ n: count() }).from(accountMilestones).where(eq(accountMilestones.accountId, id));
      expect(milestones?.n, id).toBe(4);
      const [created] = await h.database.db.select({ n: count() }).from(timelineEvents)
        .where(and(eq(timelineEvents.accountId, id), eq(timelineEvents.type, 'account_created')));
      expect(created?.n, id).toBe(1);
      const emails = await h.database.db.select({ kind: outboxEmails.kind }).from(outboxEmails).where(eq(outboxEmails.accountId, id));
      expect(emails.map((e) => e.kind), id).toEqual(['handoff_link']);
      const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string };
      expect(view.status, id).toBe('pending_handoff');
    }
    expect(workers[1]!.child.exitCode).toBeNull();
  }, 240_000);

  it('an AE who submits the handoff right after the worker holding the run died is answered by another worker, not 503', async () => {
    const org = await h.newOrganisation();
    const first = spawnWorker(h.taskQueue);
    children.push(first.child);
    await first.ready;
    const { id } = await (await org.api('/api/accounts', { body: accountBody({ companyName: 'Sticky Crash' }) })).json() as { id: string };
    // The first worker carries the run to the AE and keeps it cached: its next task goes to that worker first.
    const email = await eventually(async () => {
      const [row] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
      return row;
    }, { what: 'the handoff email', timeoutMs: 60_000 });
    // Another worker is up and polling; then the one holding the run dies, and the AE submits at once
    // (the server still counts the dead worker as present for a few seconds).
    const second = spawnWorker(h.taskQueue);
    children.push(second.child);
    await second.ready;
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const started = Date.now();
    const submitted = await h.app.request(new URL(email.links[0]!).pathname, { method: 'POST', body: new URLSearchParams({ csmUserId: org.csms[0]!.id }) });
    expect(submitted.status, await submitted.clone().text()).toBe(200);
    // Inside the API's 10 s accept window, with room: the dead worker's queue is given up after 3 s.
    expect(Date.now() - started).toBeLessThan(8_000);
    const view = await (await org.api(`/api/accounts/${id}`)).json() as { status: string };
    expect(view.status).toBe('active');
  }, 180_000);
});
