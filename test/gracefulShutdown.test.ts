// Graceful shutdown (issue 15): SIGTERM to a worker mid-activity lets the activity finish and report
// before the process exits (nothing retried, nothing lost); SIGTERM to the API mid-request says
// not-ready, stops taking connections, answers the request in flight, then exits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxEmails } from '../db/schema/index.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';
import { freePort, startRelayProcess, type RelayProcess } from './support/relayProcess.ts';

const RESEND_KEY = 're_graceful_shutdown_test_key';

/** A Resend stand-in that holds each POST /emails until the test lets it answer. */
async function startHeldResend() {
  const received: { idempotencyKey: string | undefined; at: number }[] = [];
  const held: (() => void)[] = [];
  let arrived: () => void = () => {};
  let firstArrival = new Promise<void>((resolve) => { arrived = resolve; });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/emails') || req.headers.authorization !== `Bearer ${RESEND_KEY}`) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const key = req.headers['idempotency-key'];
      received.push({ idempotencyKey: typeof key === 'string' ? key : undefined, at: Date.now() });
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `email-${randomUUID()}` })));
      arrived();
      void body;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    firstArrival: () => firstArrival,
    releaseAll() { while (held.length) held.shift()!(); },
    reset() { firstArrival = new Promise<void>((resolve) => { arrived = resolve; }); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

let h: Harness;
let org: TestOrganisation;
const processes: RelayProcess[] = [];
let resend: Awaited<ReturnType<typeof startHeldResend>>;

beforeAll(async () => {
  h = await createHarness({ startWorker: false });
  org = await h.newOrganisation();
  resend = await startHeldResend();
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  resend?.releaseAll();
  await resend?.close();
  await h?.close();
});

describe('SIGTERM to a worker', () => {
  it('lets the activity in hand finish and report, takes no new work, and exits 0', async () => {
    const opsPort = await freePort();
    const worker = startRelayProcess('worker.ts', {
      TEMPORAL_TASK_QUEUE: h.taskQueue, RESEND_API_KEY: RESEND_KEY, RESEND_BASE_URL: resend.baseUrl, RESEND_TIMEOUT_MS: '25000',
      RELAY_SHUTDOWN_GRACE_MS: '30000', RELAY_WORKER_METRICS_PORT: String(opsPort),
    });
    processes.push(worker);
    await worker.waitForLine('worker started');

    const created = await org.api('/api/accounts', { body: accountBody() });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    // The handoff email is with the provider, unanswered: an activity in flight.
    await resend.firstArrival();
    const handoff = await eventually(async () => {
      const [row] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
      return row;
    }, { what: 'the handoff email being sent' });
    expect(handoff.status).toBe('sending');

    worker.kill('SIGTERM');
    // Draining: still running (the activity is in hand), not ready for new work.
    await eventually(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status === 503, { what: 'the worker to say not-ready' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(worker.child.exitCode).toBeNull();
    expect(resend.received).toHaveLength(1);

    resend.releaseAll();
    expect(await worker.exited).toBe(0);
    expect(worker.lines().some((l) => l.message === 'worker stopped: tasks in hand finished')).toBe(true);
    // The attempt that was in hand completed and was recorded: sent once, with the provider's ID.
    const [after] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
    expect(after).toMatchObject({ status: 'sent' });
    expect(after?.providerMessageId).toMatch(/^email-/);

    // The next worker carries the account on from there: nothing lost, nothing sent twice.
    const next = await h.startWorker();
    try {
      await eventually(async () => ((await (await org.api(`/api/accounts/${id}`)).json()) as { status: string }).status === 'pending_handoff', { what: 'the account awaiting its handoff' });
      const resent = await org.api(`/api/accounts/${id}/handoff/resend`, { body: {} });
      expect(resent.status).toBe(200);
    } finally {
      await next.stop();
    }
    const handoffs = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')));
    // The original (sent by the stopped worker, never again) and the resend (dev outbox in this process).
    expect(resend.received).toHaveLength(1);
    expect(handoffs.filter((e) => e.status === 'sent')).toHaveLength(1);
  }, 240_000);
});

describe('SIGTERM to the API', () => {
  it('says not-ready, stops accepting, answers the request in flight, then exits 0', async () => {
    // An account awaiting its handoff, then no worker: an action on it waits for one.
    const worker = await h.startWorker();
    const created = await org.api('/api/accounts', { body: accountBody() });
    const { id } = await created.json() as { id: string };
    await eventually(async () => {
      const res = await org.api(`/api/outbox?accountId=${id}`);
      return ((await res.json()) as { items: { kind: string }[] }).items.some((e) => e.kind === 'handoff_link');
    }, { what: 'the handoff email' });
    await worker.stop();

    const port = await freePort();
    const api = startRelayProcess('api/server.ts', {
      TEMPORAL_TASK_QUEUE: h.taskQueue, PORT: String(port), RELAY_SHUTDOWN_DELAY_MS: '1000', RELAY_SHUTDOWN_GRACE_MS: '30000',
    });
    processes.push(api);
    await api.waitForLine('api listening');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/livez`)).status).toBe(200);

    // In flight: the resend waits for a worker to take the update.
    const inFlight = fetch(`${base}/api/accounts/${id}/handoff/resend`, {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: '{}',
    });
    inFlight.catch(() => undefined); // awaited below; a failed run must not also report it unhandled
    await new Promise((r) => setTimeout(r, 300));
    api.kill('SIGTERM');
    await api.waitForLine('api stopping', 10_000);
    // During the delay it still answers, and says it is going: the balancer stops sending.
    const draining = await fetch(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'shutting_down' });
    // Then it stops accepting, while the request in flight still waits.
    await eventually(async () => {
      try { await fetch(`${base}/livez`); return false; } catch { return true; }
    }, { what: 'the API to refuse new connections', timeoutMs: 10_000 });
    expect(api.child.exitCode).toBeNull();

    // A worker comes: the update is taken, the request in flight is answered, and only then the API exits.
    const back = await h.startWorker();
    try {
      const answered = await inFlight;
      expect(answered.status).toBe(200);
      expect(await answered.json()).toMatchObject({ id, linkVersion: 1 });
      expect(await api.exited).toBe(0);
      // The resend the request asked for happened: a second handoff link went out.
      await eventually(async () => (await h.database.db.select().from(outboxEmails)
        .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'handoff_link')))).length === 2, { what: 'the resent link' });
    } finally {
      await back.stop();
    }
    expect(api.lines().some((l) => l.message === 'api stopped accepting; requests in flight answered')).toBe(true);
  }, 240_000);
});
