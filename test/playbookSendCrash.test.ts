// A worker killed while an email action is being sent (issue 12, "sent exactly once, also across a
// worker kill"): worker.ts runs as its own process with the Resend SDK pointed at a fake of Resend's
// API; the fake holds the send unanswered, the worker is killed outright mid-request, and a new worker
// takes the action over. The email goes out once: one outbox row and one accepted provider email for
// the action's idempotency key, though the provider saw the request twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxEmails } from '../db/schema/index.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { resendScript, startResendFake, type ResendFake } from './fakes/resendFake.ts';
import { createHarness, eventually, handedOffAccount, TEST_PUBLIC_URL, TEST_TOKEN_SECRET, type Harness } from './harness.ts';

const RESEND_KEY = 're_test_send_crash';

/** worker.ts as its own process, mailing through the Resend fake, so it can be killed outright. */
function spawnWorker(taskQueue: string, resendUrl: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue,
      RELAY_SECRET: TEST_TOKEN_SECRET, RELAY_PUBLIC_URL: TEST_PUBLIC_URL, RELAY_LOG_QUIET: 'false',
      RESEND_API_KEY: RESEND_KEY, RESEND_BASE_URL: resendUrl, RESEND_TIMEOUT_MS: '25000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"message":"worker started"')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}):\n${output}`)));
  });
  return { child, ready };
}

let h: Harness;
let resend: ResendFake;
const children: ChildProcess[] = [];
beforeAll(async () => {
  resend = await startResendFake({ apiKey: RESEND_KEY });
  h = await createHarness({ startWorker: false });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  await resend?.close();
});

interface ActionView { actionId: string; label: string; status: string; outboxId: string | null }

describe('a worker killed while an email action is sent', () => {
  it('sends the email exactly once after the restart', async () => {
    const first = spawnWorker(h.taskQueue, resend.baseUrl);
    children.push(first.child);
    await first.ready;

    // Real hours: only the welcome email moves, when approved.
    const org = await h.newOrganisation({ actionHourSeconds: 3600 });
    const { id } = await handedOffAccount(h, org, { companyName: 'Crashsend Co', templateName: 'Standard SaaS Onboarding' });
    const actionsOf = async () => ((await (await org.api(`/api/accounts/${id}/actions`)).json()) as { items: ActionView[] }).items;
    const welcome = await eventually(async () => (await actionsOf()).find((a) => a.label === 'Welcome email' && a.status === 'review_pending'), { what: 'the welcome draft' });
    const key = `account-${id}:action:${welcome.actionId}:send`;
    const requestsFor = () => resend.requests.filter((r) => r.path === '/emails' && r.headers['idempotency-key'] === key);

    // The provider holds the send unanswered; the worker dies with the request in flight.
    resend.once(resendScript.hang());
    const approving = org.api(`/api/accounts/${id}/actions/${encodeURIComponent(welcome.actionId)}/approve`, { body: {} });
    await eventually(async () => requestsFor().length === 1, { what: 'the send to reach the provider' });
    const [inFlight] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.idempotencyKey, key));
    expect(inFlight?.status).toBe('sending');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = spawnWorker(h.taskQueue, resend.baseUrl);
    children.push(second.child);
    await second.ready;

    // The activity's attempt on the dead worker times out; the new worker sends it, with the same key.
    const sent = await eventually(async () => {
      const a = (await actionsOf()).find((x) => x.actionId === welcome.actionId);
      return a?.status === 'executed' ? a : undefined;
    }, { what: 'the welcome email sent by the new worker', timeoutMs: 120_000 });
    expect([200, 202]).toContain((await approving).status);

    const rows = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email')));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: sent.outboxId, idempotencyKey: key, status: 'sent', provider: 'resend', providerMessageId: expect.any(String) });
    expect(requestsFor().length).toBeGreaterThanOrEqual(2);
    const accepted = resend.sent.filter((e) => e.idempotencyKey === key);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.id).toBe(rows[0]!.providerMessageId);
    expect(accepted[0]!.subject).toBe('Welcome email: Crashsend Co');

    // Nothing more goes out for it later (a late retry would find the sent row).
    await new Promise((r) => setTimeout(r, 1500));
    expect(resend.sent.filter((e) => e.idempotencyKey === key)).toHaveLength(1);
  }, 240_000);
});
