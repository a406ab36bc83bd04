// Operability (issue 15): /metrics on the API and on a worker, scraped as Prometheus would. Route
// labels are patterns (never an account's id), the gauges read Postgres and Temporal, the worker
// measures its activities, the Temporal SDK serves its own metrics when asked, and a token guards
// /metrics when one is set.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { createMetrics } from '../platform/metrics.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';
import { freePort, sample, startRelayProcess, type RelayProcess } from './support/relayProcess.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let h: Harness;
let org: TestOrganisation;
const processes: RelayProcess[] = [];
const schedules: string[] = [];

beforeAll(async () => {
  h = await createHarness();
  org = await h.newOrganisation();
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  for (const id of schedules) await h?.deps.temporal.schedule.getHandle(id).delete().catch(() => undefined);
  await h?.close();
});

async function scrape(app: { request(path: string, init?: RequestInit): Response | Promise<Response> }, headers: Record<string, string> = {}) {
  const res = await app.request('/metrics', { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('the API\'s /metrics', () => {
  it('measures requests by route pattern, counts errors, and reads accounts and the outbox from Postgres', async () => {
    const app = createApp({ ...h.deps, metrics: createMetrics({ db: h.database.db, temporal: h.deps.temporal }) });
    const api = (path: string, init: RequestInit = {}) => app.request(path, { ...init, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' } });
    const created = await api('/api/accounts', { method: 'POST', body: JSON.stringify(accountBody()) });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    expect((await api(`/api/accounts/${id}`)).status).toBe(200);
    expect((await api(`/api/accounts/${id}`)).status).toBe(200);
    expect((await api(`/api/accounts/${randomUUID()}`)).status).toBe(404);
    expect((await api('/api/no-such-thing')).status).toBe(404);
    // The handoff email is held in the outbox (no mail provider in tests).
    await eventually(async () => ((await (await api(`/api/outbox?accountId=${id}`)).json()) as { items: unknown[] }).items.length > 0, { what: 'the handoff email' });

    const { status, type, body } = await scrape(app);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(sample(body, 'relay_http_request_duration_seconds_count', { method: 'GET', route: '/api/accounts/:id', status_class: '2xx' })).toBe(2);
    expect(sample(body, 'relay_http_request_duration_seconds_count', { method: 'POST', route: '/api/accounts', status_class: '2xx' })).toBe(1);
    expect(sample(body, 'relay_http_request_errors_total', { method: 'GET', route: '/api/accounts/:id', status_class: '4xx' })).toBe(1);
    expect(sample(body, 'relay_http_request_errors_total', { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBe(1);
    expect(sample(body, 'relay_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/accounts/:id', status_class: '2xx', le: '+Inf' })).toBe(2);
    // No ids, no keys in any label: the raw paths never become series.
    expect(body).not.toMatch(UUID);
    expect(body).not.toContain(org.apiKey);
    // The scrape itself is the one request in flight.
    expect(sample(body, 'relay_http_requests_in_flight')).toBe(1);
    // Gauges from Postgres: every organisation's accounts (other tests' too), at least this one.
    expect(sample(body, 'relay_accounts', { status: 'pending_handoff' })).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'relay_accounts', { status: 'churned' })).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'relay_outbox_unsent_emails', { status: 'held' })).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'relay_outbox_unsent_emails', { status: 'failed' })).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'relay_outbox_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('reports how long ago the reconcile schedule last started a run', async () => {
    // A schedule of this test's own (the real one's ID is shared by the run's other files), on a queue no one polls.
    const scheduleId = `metrics-reconcile-${randomUUID()}`;
    const handle = await h.deps.temporal.schedule.create({
      scheduleId, spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'reconcileAccounts', workflowId: scheduleId, taskQueue: `nobody-${randomUUID()}`, args: [{}] },
    });
    schedules.push(scheduleId);
    const gauge = async () => sample((await scrape(createApp({ ...h.deps, metrics: createMetrics({ temporal: h.deps.temporal, reconcileScheduleId: scheduleId }) }))).body, 'relay_reconciler_last_run_age_seconds');
    // Never ran yet: the age is the schedule's own.
    expect(await gauge()).toBeLessThan(60);
    await handle.trigger();
    await eventually(async () => ((await handle.describe()).info.recentActions.length > 0), { what: 'the triggered run' });
    await new Promise((r) => setTimeout(r, 1_100));
    const age = await gauge();
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThan(60);
    // Without the schedule, no sample (an alert on absence fires), but the series is described.
    const missing = await scrape(createApp({ ...h.deps, metrics: createMetrics({ temporal: h.deps.temporal, reconcileScheduleId: `missing-${randomUUID()}` }) }));
    expect(sample(missing.body, 'relay_reconciler_last_run_age_seconds')).toBeUndefined();
    expect(missing.body).toContain('# TYPE relay_reconciler_last_run_age_seconds gauge');
  });

  it('answers only a scraper with the token when RELAY_METRICS_TOKEN is set', async () => {
    const token = `metrics-token-${randomUUID()}`;
    const app = createApp({ ...h.deps, metrics: createMetrics({ db: h.database.db, token }) });
    expect((await scrape(app)).status).toBe(401);
    expect((await scrape(app, { authorization: 'Bearer not-the-token' })).status).toBe(401);
    const allowed = await scrape(app, { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('relay_http_request_duration_seconds');
  });
});

describe('a real API and worker process', () => {
  it('serve /metrics (and the worker the Temporal SDK\'s own) with process, request and activity series', async () => {
    const [apiPort, workerPort, sdkPort] = await Promise.all([freePort(), freePort(), freePort()]);
    // This file's harness runs a worker too; the child worker gets a queue of its own so the activities below are its.
    const taskQueue = `metrics-${randomUUID()}`;
    const worker = startRelayProcess('worker.ts', {
      TEMPORAL_TASK_QUEUE: taskQueue, RELAY_WORKER_METRICS_PORT: String(workerPort), RELAY_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${sdkPort}`,
    });
    const apiProcess = startRelayProcess('api/server.ts', { TEMPORAL_TASK_QUEUE: taskQueue, PORT: String(apiPort) });
    processes.push(worker, apiProcess);
    await worker.waitForLine('worker started');
    await apiProcess.waitForLine('api listening');
    const base = `http://127.0.0.1:${apiPort}`;

    const created = await fetch(`${base}/api/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(accountBody()),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    expect((await fetch(`${base}/api/accounts/${id}`, { headers: { authorization: `Bearer ${org.apiKey}` } })).status).toBe(200);
    expect((await fetch(`${base}/livez`)).status).toBe(200);

    const apiMetrics = await (await fetch(`${base}/metrics`)).text();
    expect(sample(apiMetrics, 'relay_http_request_duration_seconds_count', { method: 'GET', route: '/api/accounts/:id', status_class: '2xx' })).toBe(1);
    expect(sample(apiMetrics, 'relay_http_request_duration_seconds_count', { method: 'GET', route: '/livez', status_class: '2xx' })).toBe(1);
    expect(sample(apiMetrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(apiMetrics, 'relay_accounts', { status: 'pending_handoff' })).toBeGreaterThanOrEqual(1);
    expect(apiMetrics).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(apiMetrics).not.toMatch(UUID);

    // The account's first activities ran on the child worker: measured there, by activity type.
    const workerBase = `http://127.0.0.1:${workerPort}`;
    const workerMetrics = await eventually(async () => {
      const text = await (await fetch(`${workerBase}/metrics`)).text();
      return (sample(text, 'relay_activity_duration_seconds_count', { outcome: 'completed' }) ?? 0) > 0 ? text : undefined;
    }, { what: 'an activity measured on the worker' });
    expect(workerMetrics).toMatch(/relay_activity_duration_seconds_count\{activity="\w+",outcome="completed"\} \d+/);
    expect(sample(workerMetrics, 'relay_outbox_unsent_emails', { status: 'held' })).toBeGreaterThanOrEqual(0);
    expect(sample(workerMetrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await fetch(`${workerBase}/livez`)).status).toBe(200);
    const ready = await fetch(`${workerBase}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', worker: 'RUNNING' });

    // The Temporal SDK's own exporter, in the worker process (Runtime.install telemetry options).
    const sdk = await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
      return text.includes('temporal_') ? text : undefined;
    }, { what: 'the SDK\'s metrics' });
    expect(sdk).toMatch(/^temporal_\w+/m);
    expect(sdk).toContain(`task_queue="${taskQueue}"`);
  }, 240_000);
});
