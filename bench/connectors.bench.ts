/**
 * The HubSpot connector (issue 11), two figures, each printed beside a floor from the same run (this
 * 2-core machine is shared and noisy: compare the ratios between runs, not the seconds):
 *
 * 1. Webhook → account in pending_handoff, at a steady 50 deals/s: the app served over real HTTP
 *    (platform/httpServer.ts), the worker in this process, the real @hubspot/api-client against
 *    test/fakes/hubspotFake.ts. One deal per webhook delivery (one `deal.propertyChange` event on
 *    `dealstage` → closedwon, signed as HubSpot signs it), sent open-loop on a fixed schedule (a slow
 *    answer never delays the next send). Each deal is timed from its send to its account row being
 *    seen in pending_handoff by a poller (one query every 100 ms for every deal still out, so a figure
 *    is late by at most one poll and one query). No rate limit on the fake here: 50 deals/s is about
 *    200 HubSpot calls/s, past every HubSpot tier, so this measures what Relay adds, not HubSpot.
 *    Floor: the same accounts (same body the deal maps to) created by POST /api/accounts at the same
 *    50/s over the same HTTP server, the create path every connector path reuses; there the 201 is
 *    the row committed in pending_handoff. Between the two, the floor's accounts' handoff work
 *    (drafting, the AE email) is let finish, untimed, so neither part runs on the other's leftovers.
 * 2. A backfill against HubSpot's rate limit: BENCH_BACKFILL_DEALS Closed Won deals (default 5,000)
 *    in the fake with a rolling limit of BENCH_BACKFILL_LIMIT requests per 10 s (default 100,
 *    HubSpot's private-app limit on Free and Starter; 190 is Professional/Enterprise) and search's 5
 *    requests/s; the preview count, then POST /api/connectors/hubspot/backfill until every deal's
 *    connector record says created. Each page of 100 deals is read in bulk (a search, the company and
 *    contact associations, the companies and contacts by batch read, the owners list) and its deals
 *    handed to their runs already read; the page waits for its runs, so at most ~100 are in flight.
 *    The fake's answers are counted by a pass-through proxy in front of it (the fake's own log does
 *    not keep statuses). Two floors, the larger one is the figure's: the requests the bulk read needs
 *    at the limit's sustained rate (requests / limit × 10 s: ~300 requests, ~30 s, for 5,000 deals),
 *    and onboarding itself: the same number of accounts created through POST /api/accounts, 100 in
 *    flight (a page's worth), timed until the last is stored in pending_handoff, run just before.
 *
 *   npm run bench -- connectors
 *   BENCH_CONNECTOR_DEALS=300 BENCH_BACKFILL_DEALS=100 npm run bench -- connectors     (quicker)
 *
 * BENCH_CONNECTOR_DEALS (1000), BENCH_CONNECTOR_RATE (50 deals/s), BENCH_BACKFILL_DEALS (5000),
 * BENCH_BACKFILL_LIMIT (100 requests per 10 s), BENCH_BACKFILL_TIMEOUT_S (3 × the floor, at least
 * 120), BENCH_SETTLE_S (120: the longest wait for handoff emails between parts). Most of the run is
 * onboarding 2 × 5,000 accounts (the floor's and the backfill's): see the README for a run's figures.
 * Own database `relay_bench_connectors`, dropped at the end unless BENCH_KEEP=1; its own Temporal
 * dev server unless TEMPORAL_ADDRESS is set.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { and, count, eq } from 'drizzle-orm';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import postgres from 'postgres';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import { openDatabase } from '../db/client.ts';
import { dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { outboxEmails } from '../db/schema/index.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { startHttpServer, type RunningHttpServer } from '../platform/httpServer.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import { openBenchTemporal } from './benchTemporal.ts';
import { cleanUp } from './cleanUp.ts';
import type { DevServer } from '../platform/temporalDevServer.ts';
import { dealStageWebhookBody, signWebhook, startHubSpotFake, type HubSpotFakeOptions } from '../test/fakes/hubspotFake.ts';
import { listenOnLoopback } from '../test/fakes/loopbackServer.ts';
import { connectorScheduleId, hubspotDealWorkflowId } from '../workflows/connectorDefinitions.ts';
import { createRelayWorker } from '../worker.ts';
import { intSetting } from './settings.ts';

// Account workflows retry their first read while the creating transaction commits; expected noise.
Runtime.install({ logger: new DefaultLogger('ERROR') });
process.env.RELAY_LOG_QUIET ??= 'true';

// ---- configuration --------------------------------------------------------------------------------

const DATABASE = 'relay_bench_connectors';
const DEALS = intSetting('BENCH_CONNECTOR_DEALS', 1_000, 1);
const RATE = intSetting('BENCH_CONNECTOR_RATE', 50, 1);
const BACKFILL_DEALS = intSetting('BENCH_BACKFILL_DEALS', 5_000, 1);
const BACKFILL_LIMIT = intSetting('BENCH_BACKFILL_LIMIT', 100, 5);
const SETTLE_MS = intSetting('BENCH_SETTLE_S', 120, 0) * 1000;
const KEEP = process.env.BENCH_KEEP === '1';
/** HubSpot's search endpoints: five requests per second per account, on top of the ten-second limit. */
const SEARCH_PER_SECOND = 5;
/** How long after the last webhook a deal still counts (a miss after that). */
const WEBHOOK_TIMEOUT_MS = 120_000;
const POLL_MS = 100;
const TASK_QUEUE = `bench-connectors-${randomUUID().slice(0, 8)}`;
const PUBLIC_URL = 'http://relay.bench';
const TOKEN_SECRET = 'bench-secret-for-handoff-tokens-0123456789';
const ACCESS_TOKEN = 'pat-na1-bench-0000-1111-2222';
const CLIENT_SECRET = 'hubspot-bench-app-client-secret-1234';
const OWNERS = 5;
/** Deals per backfill page (one search), and so the most deal runs a backfill keeps in flight. */
const PAGE_SIZE = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const msText = (ms: number) => (!Number.isFinite(ms) ? '—' : ms < 1000 ? `${ms.toFixed(0)} ms` : s(ms));
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (value: number, floor: number) => (floor > 0 && Number.isFinite(value) ? `${(value / floor).toFixed(2)}×` : '—');
const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const sortedOf = (xs: number[]) => [...xs].sort((a, b) => a - b);

// ---- a counting pass-through in front of the fake -------------------------------------------------

interface ProxiedCall { method: string; path: string; status: number; startedAt: number; endedAt: number; retryAfterS: number | null; error?: string }

/**
 * Forwards every request to the fake and notes what it answered and when: the fake's request log
 * keeps no statuses, and a 429 is what the backfill's figures are about. Loopback, keep-alive.
 */
async function startCountingProxy(target: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const calls: ProxiedCall[] = [];
  async function relay(req: IncomingMessage, res: ServerResponse) {
    const startedAt = performance.now();
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const note = (status: number, retryAfter?: string | string[], error?: string) => calls.push({
      method: req.method ?? 'GET', path, status, startedAt, endedAt: performance.now(), retryAfterS: typeof retryAfter === 'string' ? Number(retryAfter) : null,
      ...(error ? { error } : {}),
    });
    const forward = (triesLeft: number) => {
      let answered = false;
      const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers, agent }, (answer) => {
        answered = true;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => note(answer.statusCode ?? 0, answer.headers['retry-after']));
      });
      upstream.on('error', (error) => {
        // A keep-alive socket the fake closed just as it was reused: the request never reached the
        // fake, and the reset is this proxy's, not something HubSpot or the connector did.
        if (!answered && upstream.reusedSocket && triesLeft > 0) return forward(triesLeft - 1);
        note(0, undefined, error.message);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      upstream.end(body);
    };
    forward(2);
  }
  const server = createServer((req, res) => { void relay(req, res); });
  const listening = await listenOnLoopback(server);
  return { url: listening.url, calls, close: async () => { agent.destroy(); await listening.close(); } };
}

type CallKind = 'search' | 'associations (batch)' | 'companies (batch)' | 'contacts (batch)' | 'owners (list)' | 'deal' | 'company' | 'contact' | 'owner' | 'other';
function kindOf(call: ProxiedCall): CallKind {
  if (/\/search$/.test(call.path)) return 'search';
  if (call.path.startsWith('/crm/v4/associations/')) return 'associations (batch)';
  if (call.path === '/crm/v3/objects/companies/batch/read') return 'companies (batch)';
  if (call.path === '/crm/v3/objects/contacts/batch/read') return 'contacts (batch)';
  if (call.path === '/crm/v3/owners/') return 'owners (list)';
  if (call.path.startsWith('/crm/v3/objects/deals/')) return 'deal';
  if (call.path.startsWith('/crm/v3/objects/companies/')) return 'company';
  if (call.path.startsWith('/crm/v3/objects/contacts/')) return 'contact';
  if (call.path.startsWith('/crm/v3/owners/')) return 'owner';
  return 'other';
}

function describeCalls(calls: ProxiedCall[]): string {
  const by = new Map<string, { ok: number; limited: number; other: Map<string, number> }>();
  for (const c of calls) {
    const k = kindOf(c);
    const e = by.get(k) ?? { ok: 0, limited: 0, other: new Map<string, number>() };
    if (c.status === 429) e.limited++;
    else if (c.status >= 200 && c.status < 300) e.ok++;
    else {
      const what = c.status ? String(c.status) : `no answer (${c.error ?? 'connection failed'})`;
      e.other.set(what, (e.other.get(what) ?? 0) + 1);
    }
    by.set(k, e);
  }
  return [...by].map(([k, e]) => `${k} ${n(e.ok)} answered${e.limited ? ` + ${n(e.limited)} × 429` : ''}${[...e.other].map(([what, c]) => ` + ${n(c)} × ${what}`).join('')}`).join('; ');
}

// ---- sending on a schedule --------------------------------------------------------------------------

/** Whether latency held or grew while sending: the median of the first tenth sent beside the last tenth's. */
function trend(inSendOrder: number[]): string {
  const tenth = Math.max(1, Math.floor(inSendOrder.length / 10));
  const median = (xs: number[]) => percentile(sortedOf(xs.filter(Number.isFinite)), 50);
  return `first tenth sent p50 ${msText(median(inSendOrder.slice(0, tenth)))}, last tenth p50 ${msText(median(inSendOrder.slice(-tenth)))}`;
}

/** Starts `send(i)` at t0 + i / perSecond, whatever the earlier ones are doing (open loop). */
async function openLoop<T>(total: number, perSecond: number, send: (i: number) => Promise<T>): Promise<{ results: T[]; spanMs: number; worstLateMs: number }> {
  const started = performance.now();
  const pending: Promise<T>[] = [];
  let worstLateMs = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    worstLateMs = Math.max(worstLateMs, performance.now() - due);
    pending.push(send(i));
  }
  const spanMs = performance.now() - started;
  return { results: await Promise.all(pending), spanMs, worstLateMs };
}

/** Runs `send(i)` for every i, `inFlight` at a time (closed loop: the next starts when one ends). */
async function closedLoop<T>(total: number, inFlight: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, async () => {
    while (next < total) {
      const i = next++;
      results[i] = await send(i);
    }
  }));
  return results;
}

interface Sent { sentAt: number; answeredAt: number; status: number; body: string }

async function timedPost(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
  const sentAt = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    return { sentAt, answeredAt: performance.now(), status: res.status, body: text };
  } catch (error) {
    return { sentAt, answeredAt: performance.now(), status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

function statusCounts(results: { status: number }[]): string {
  const counts = new Map<number, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([status, c]) => `${n(c)} × ${status || 'no answer'}`).join(', ');
}

// temporal.api.enums.v1.EventType
const EVENT = { workflowTaskScheduled: 5, workflowTaskStarted: 6, workflowTaskCompleted: 7, activityScheduled: 10, activityStarted: 11, activityCompleted: 12 } as const;
interface HistoryEventTimes { eventType?: unknown; eventTime?: { seconds?: unknown; nanos?: number | null } | null }

function eventMs(event: HistoryEventTimes | undefined): number {
  const seconds = event?.eventTime?.seconds;
  const whole = typeof seconds === 'object' && seconds !== null && 'toNumber' in seconds ? (seconds as { toNumber(): number }).toNumber() : Number(seconds);
  return whole * 1000 + (event?.eventTime?.nanos ?? 0) / 1e6;
}

/**
 * Where a sample of deal runs waited, from their histories: the first workflow task's and the
 * activity's schedule-to-start (time in the task queue, waiting for a worker slot) and run times.
 */
async function dealRunTimings(fetchHistory: (workflowId: string) => Promise<{ events?: HistoryEventTimes[] | null }>, workflowIds: string[]) {
  const waits = { workflowTask: [] as number[], workflowTaskRun: [] as number[], activity: [] as number[], activityRun: [] as number[] };
  for (const id of workflowIds) {
    const events = (await fetchHistory(id)).events ?? [];
    const first = (type: number) => events.find((e) => Number(e.eventType) === type);
    const gap = (from: number, to: number) => eventMs(first(to)) - eventMs(first(from));
    const add = (list: number[], value: number) => { if (Number.isFinite(value)) list.push(value); };
    add(waits.workflowTask, gap(EVENT.workflowTaskScheduled, EVENT.workflowTaskStarted));
    add(waits.workflowTaskRun, gap(EVENT.workflowTaskStarted, EVENT.workflowTaskCompleted));
    add(waits.activity, gap(EVENT.activityScheduled, EVENT.activityStarted));
    add(waits.activityRun, gap(EVENT.activityStarted, EVENT.activityCompleted));
  }
  return { workflowTask: sortedOf(waits.workflowTask), workflowTaskRun: sortedOf(waits.workflowTaskRun), activity: sortedOf(waits.activity), activityRun: sortedOf(waits.activityRun) };
}

// ---- the deals ------------------------------------------------------------------------------------

interface BenchDeal { dealId: string; domain: string; companyId: string; contactIds: string[]; calls: number }

function accountBodyFor(i: number, domain: string, closeDate: string, prefix: string) {
  // What accountFromDeal makes of the deals below: the same body for the floor's direct creates.
  return {
    companyName: `${prefix} Co ${i}`, arr: 48_000 + i, closeDate, primaryContactName: 'Dana Scully', primaryContactEmail: `dana@${domain}`,
    primaryContactRole: 'COO', industry: 'SOFTWARE', companySize: '51-500', website: `https://${domain}`, aeEmail: `ae${i % OWNERS}@relay.example`,
    templateName: 'Quick Start', rawPayload: `Deal notes: Needs SSO before rollout.\nDeal: ${prefix} plan ${i} (HubSpot deal ${30_000_000_000 + i})\nIndustry: SOFTWARE`,
  };
}

// ---- the benchmark --------------------------------------------------------------------------------

interface Row { figure: string; value: string; floor: string; ratio: string }

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const tag = randomUUID().slice(0, 6);

  const databaseUrl = await recreateDatabase(DATABASE);
  const database = await openDatabase({ url: databaseUrl, dataDir: '.data', max: 20 });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  // Mutable on purpose: the fake reads its rate limit on every request, so part 2 turns it on.
  const fakeOptions: HubSpotFakeOptions = { accessTokens: [ACCESS_TOKEN], app: { clientId: 'bench-client-id', clientSecret: CLIENT_SECRET } };
  const fake = await startHubSpotFake(fakeOptions);
  const proxy = await startCountingProxy(fake.url);

  let server: DevServer | null = null;
  let clientConnection: Connection | null = null;
  let workerConnection: NativeConnection | null = null;
  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  let http: RunningHttpServer | null = null;
  let scheduleToDelete: (() => Promise<void>) | null = null;
  try {
    await database.migrate();
    const temporal = await openBenchTemporal();
    const { address, client } = temporal;
    server = temporal.server;
    clientConnection = temporal.connection;
    workerConnection = await NativeConnection.connect({ address });
    const mailer = createDevOutboxMailer();
    worker = await createRelayWorker({
      connection: workerConnection, namespace: 'default', taskQueue: TASK_QUEUE,
      activityDeps: { db: database.db, mailer, drafter: createRuleBasedDrafter(), publicUrl: PUBLIC_URL, tokenSecret: TOKEN_SECRET, hubspotBaseUrl: proxy.url },
    });
    running = worker.run();
    const deps: AppDeps = {
      db: database.db, temporal: client, taskQueue: TASK_QUEUE, namespace: 'default', temporalUiUrl: 'http://temporal-ui.bench',
      devOutbox: false, mailer, publicUrl: PUBLIC_URL, secureCookies: false, checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
      secretBox: createSecretBox(TOKEN_SECRET), hubspotBaseUrl: proxy.url,
    };
    const app = createApp(deps);
    http = await startHttpServer((request) => app.fetch(request), 0);
    const base = `http://127.0.0.1:${http.port}`;
    const org = await seedOrganisation(database.db, {
      name: 'Bench Connectors Org', slug: `bench-connectors-${tag}`,
      admin: { email: 'admin@bench.example', name: 'Bench Admin' }, csms: [{ email: 'csm@bench.example', name: 'Bench CSM' }],
    });
    const api = (path: string, body: unknown, method = 'POST') => fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const connected = await api('/api/connectors/hubspot', {
      accessToken: ACCESS_TOKEN, clientSecret: CLIENT_SECRET, portalId: String(fake.portalId), templateName: 'Quick Start', intervalMinutes: 1440,
    }, 'PUT');
    if (connected.status !== 200) throw new Error(`connecting HubSpot failed: ${connected.status} ${await connected.text()}`);
    const connectionId = ((await connected.json()) as { id: string }).id;
    // The polling safety net would add its own searches to the figures: paused for the benchmark.
    const schedule = client.schedule.getHandle(connectorScheduleId(connectionId));
    await schedule.pause('benchmark: webhooks and the backfill only');
    scheduleToDelete = () => schedule.delete();
    console.log(`set-up: ${DATABASE}, Temporal ${server ? 'dev server (own)' : `at ${address}`}, worker on ${TASK_QUEUE}, app on ${base}, HubSpot fake at ${fake.url} behind a counting proxy (${s(performance.now() - benchStarted)})`);

    const handoffEmails = async () => (await database.db.select({ c: count() }).from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'handoff_link'))))[0]?.c ?? 0;
    const accountsSoFar = async () => Number((await sql<{ c: string }[]>`select count(*)::text as c from accounts where org_id = ${org.orgId}`)[0]!.c);
    /** Untimed: lets the accounts' handoff work (drafting, the AE email) finish before the next part. */
    const settle = async (what: string) => {
      const started = performance.now();
      const want = await accountsSoFar();
      let sent = await handoffEmails();
      while (sent < want && performance.now() - started < SETTLE_MS) {
        await sleep(1000);
        sent = await handoffEmails();
      }
      console.log(`  (settled after ${what}: ${n(sent)} of ${n(want)} handoff emails out after ${s(performance.now() - started)}, untimed)`);
    };

    /** When every account of the organisation has its handoff email out (from `from`), or NaN past `timeoutMs`. */
    const handoffsOutAfter = async (from: number, timeoutMs: number) => {
      const want = await accountsSoFar();
      while (await handoffEmails() < want) {
        if (performance.now() - from > timeoutMs) return Number.NaN;
        await sleep(500);
      }
      return performance.now() - from;
    };

    // ---- 1. webhook latency --------------------------------------------------------------------------
    const oldClose = dayOffset(-90);
    console.log(`\n1. Webhook → pending_handoff at ${RATE} deals/s, ${n(DEALS)} deals (one deal per webhook delivery; no rate limit on the fake)`);

    // Floor first: the direct create path at the same rate.
    const floorBodies = Array.from({ length: DEALS }, (_, i) => JSON.stringify(accountBodyFor(i, `direct-${i}-${tag}.example`, oldClose, 'Direct')));
    const floorHeaders = { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' };
    const floorRun = await openLoop(DEALS, RATE, (i) => timedPost(`${base}/api/accounts`, floorHeaders, floorBodies[i]!));
    const floorCreated = floorRun.results.filter((r) => r.status === 201);
    const floorLatencies = sortedOf(floorCreated.map((r) => r.answeredAt - r.sentAt));
    console.log(`  floor: POST /api/accounts × ${n(DEALS)} in ${s(floorRun.spanMs)} (${(DEALS / (floorRun.spanMs / 1000)).toFixed(1)}/s sent; worst send ${msText(floorRun.worstLateMs)} late): ${statusCounts(floorRun.results)}`);
    console.log(`    201 after p50 ${msText(percentile(floorLatencies, 50))}, p95 ${msText(percentile(floorLatencies, 95))}, max ${msText(percentile(floorLatencies, 100))}; ${trend(floorRun.results.map((r) => (r.status === 201 ? r.answeredAt - r.sentAt : Number.NaN)))}`);
    if (floorCreated.length < DEALS) {
      const sample = floorRun.results.find((r) => r.status !== 201);
      notes.push(`${n(DEALS - floorCreated.length)} direct creates were not 201 (first: ${sample?.status} ${sample?.body.slice(0, 200)})`);
    }
    await settle('the direct creates');

    // The deals, already in HubSpot at Closed Won; each webhook says it just moved there.
    const deals: BenchDeal[] = Array.from({ length: DEALS }, (_, i) => {
      const domain = `webhook-${i}-${tag}.example`;
      const made = fake.addDeal({
        dealname: `Webhook plan ${i}`, amount: 48_000 + i, closedate: oldClose, dealstage: 'closedwon', description: 'Needs SSO before rollout.',
        company: { name: `Webhook Co ${i}`, domain, industry: 'SOFTWARE', numberofemployees: 120 },
        contacts: [{ firstname: 'Dana', lastname: 'Scully', email: `dana@${domain}`, jobtitle: 'COO' }],
        owner: { email: `ae${i % OWNERS}@relay.example`, firstName: 'Sam', lastName: `Seller ${i % OWNERS}` },
      });
      return { dealId: made.dealId, domain, companyId: made.companyId!, contactIds: made.contactIds, calls: 1 + 1 + made.contactIds.length + (made.ownerId ? 1 : 0) };
    });
    const webhookUrl = `${PUBLIC_URL}/webhooks/hubspot`;
    const callsBefore = proxy.calls.length;
    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const pollMs: number[] = [];
    let sending = true;
    let lastSendAt = performance.now();
    const poller = (async () => {
      for (;;) {
        const out = [...sentAt.keys()].filter((d) => !seenAt.has(d));
        if (!sending && !out.length) return;
        if (!sending && performance.now() - lastSendAt > WEBHOOK_TIMEOUT_MS) return;
        const started = performance.now();
        if (out.length) {
          const found = await sql<{ d: string }[]>`
            select primary_domain as d from accounts where org_id = ${org.orgId} and status = 'pending_handoff' and primary_domain = any(${sql.array(out)})`;
          const at = performance.now();
          pollMs.push(at - started);
          for (const r of found) seenAt.set(r.d, at);
        }
        const wait = POLL_MS - (performance.now() - started);
        if (wait > 0) await sleep(wait);
      }
    })();
    const webhookRun = await openLoop(DEALS, RATE, (i) => {
      const deal = deals[i]!;
      const body = JSON.stringify(dealStageWebhookBody({ portalId: fake.portalId, dealId: deal.dealId, stageId: 'closedwon' }));
      const headers = { ...signWebhook({ clientSecret: CLIENT_SECRET, url: webhookUrl, body }), 'content-type': 'application/json' };
      sentAt.set(deal.domain, performance.now());
      lastSendAt = performance.now();
      return timedPost(`${base}/webhooks/hubspot`, headers, body);
    }).finally(() => { sending = false; });
    await poller;
    const answered = webhookRun.results.filter((r) => r.status === 200);
    const answerTimes = sortedOf(answered.map((r) => r.answeredAt - r.sentAt));
    const latencies = sortedOf(deals.filter((d) => seenAt.has(d.domain)).map((d) => seenAt.get(d.domain)! - sentAt.get(d.domain)!));
    const webhookMisses = DEALS - latencies.length;
    const webhookTrend = trend(deals.map((d) => (seenAt.get(d.domain) ?? Number.NaN) - sentAt.get(d.domain)!));
    console.log(`  webhooks: ${n(DEALS)} sent in ${s(webhookRun.spanMs)} (${(DEALS / (webhookRun.spanMs / 1000)).toFixed(1)}/s; worst send ${msText(webhookRun.worstLateMs)} late): ${statusCounts(webhookRun.results)}; answered after p50 ${msText(percentile(answerTimes, 50))}, p95 ${msText(percentile(answerTimes, 95))}`);
    console.log(`    row in pending_handoff after p50 ${msText(percentile(latencies, 50))}, p95 ${msText(percentile(latencies, 95))}, max ${msText(percentile(latencies, 100))} (${n(latencies.length)}/${n(DEALS)} seen; ${webhookTrend}; poll query p50 ${msText(percentile(sortedOf(pollMs), 50))}, ${pollMs.length} polls)`);
    if (webhookMisses) notes.push(`${n(webhookMisses)} of ${n(DEALS)} webhook deals had no account in pending_handoff ${s(WEBHOOK_TIMEOUT_MS)} after the last send`);
    if (answered.length < DEALS) {
      const sample = webhookRun.results.find((r) => r.status !== 200);
      notes.push(`${n(DEALS - answered.length)} webhooks were not answered 200 (first: ${sample?.status} ${sample?.body.slice(0, 200)})`);
    }

    // Where a deal's time goes: the fake's calls for its own deal, company and contact (the owner is
    // shared by many deals, so it is not attributed; it is the last call of each import).
    const webhookCalls = proxy.calls.slice(callsBefore);
    const firstStart = new Map<string, number>();
    const lastEnd = new Map<string, number>();
    for (const c of webhookCalls) {
      if (!firstStart.has(c.path)) firstStart.set(c.path, c.startedAt);
      lastEnd.set(c.path, Math.max(lastEnd.get(c.path) ?? 0, c.endedAt));
    }
    const toFirstCall: number[] = [];
    const hubspotSpan: number[] = [];
    const afterCalls: number[] = [];
    for (const d of deals) {
      const sent = sentAt.get(d.domain);
      const first = firstStart.get(`/crm/v3/objects/deals/${d.dealId}`);
      const contactsDone = Math.max(...d.contactIds.map((id) => lastEnd.get(`/crm/v3/objects/contacts/${id}`) ?? Number.NaN));
      const seen = seenAt.get(d.domain);
      if (sent === undefined || first === undefined || !Number.isFinite(contactsDone) || seen === undefined) continue;
      toFirstCall.push(first - sent);
      hubspotSpan.push(contactsDone - first);
      afterCalls.push(seen - contactsDone);
    }
    const p = (xs: number[], q: number) => msText(percentile(sortedOf(xs), q));
    const breakdown = `send → first HubSpot call (webhook answer, workflow start, workflow and activity tasks) p50 ${p(toFirstCall, 50)} / p95 ${p(toFirstCall, 95)}; deal + company + contact reads p50 ${p(hubspotSpan, 50)} / p95 ${p(hubspotSpan, 95)}; owner read, create and commit, seen by the poller p50 ${p(afterCalls, 50)} / p95 ${p(afterCalls, 95)}`;
    console.log(`    where it goes: ${breakdown}`);
    const sampleEvery = Math.max(1, Math.floor(DEALS / 50));
    const sampled = deals.filter((_, i) => i % sampleEvery === 0).slice(0, 50);
    const timings = await dealRunTimings((id) => client.workflow.getHandle(id).fetchHistory(), sampled.map((d) => hubspotDealWorkflowId(String(fake.portalId), d.dealId, org.orgId)));
    const p50p95 = (xs: number[]) => `p50 ${msText(percentile(xs, 50))} / p95 ${msText(percentile(xs, 95))}`;
    const queueLine = `${sampled.length} deal runs' histories (1 deal in ${sampleEvery}): first workflow task waited ${p50p95(timings.workflowTask)} in the task queue, ran ${p50p95(timings.workflowTaskRun)}; importHubSpotDeal waited ${p50p95(timings.activity)} in the task queue, ran ${p50p95(timings.activityRun)}`;
    console.log(`    ${queueLine}`);
    console.log(`    HubSpot calls: ${describeCalls(webhookCalls)} (${(webhookCalls.length / DEALS).toFixed(2)} per deal)`);
    const [outcomes] = await sql<{ created: string; other: string }[]>`
      select count(*) filter (where outcome = 'created')::text as created, count(*) filter (where outcome <> 'created')::text as other
      from connector_records where connection_id = ${connectionId} and external_id = any(${sql.array(deals.map((d) => d.dealId))})`;
    console.log(`    connector records: ${n(Number(outcomes!.created))} created, ${n(Number(outcomes!.other))} other`);

    for (const [label, q] of [['p50', 50], ['p95', 95], ['max', 100]] as const) {
      rows.push({
        figure: `webhook → account in pending_handoff, ${label} (${n(latencies.length)}/${n(DEALS)} at ${RATE}/s)`,
        value: msText(percentile(latencies, q)), floor: `${msText(percentile(floorLatencies, q))} (POST /api/accounts → 201, ${RATE}/s)`,
        ratio: ratio(percentile(latencies, q), percentile(floorLatencies, q)),
      });
    }
    rows.push({ figure: 'webhook answered (200), p50 / p95', value: `${msText(percentile(answerTimes, 50))} / ${msText(percentile(answerTimes, 95))}`, floor: '—', ratio: '—' });
    await settle('the webhooks');

    // ---- 2. backfill -------------------------------------------------------------------------------
    const since = dayOffset(-30);
    const recentClose = dayOffset(-10);
    console.log(`\n2. Backfill of ${n(BACKFILL_DEALS)} Closed Won deals (closed since ${since}) against ${BACKFILL_LIMIT} requests per 10 s (+ search ${SEARCH_PER_SECOND}/s), beside the same accounts' onboarding through POST /api/accounts`);

    // The onboarding floor first: the accounts the deals become, created directly, as many in flight
    // as a backfill page hands over at once (100), timed until the last is stored in pending_handoff.
    const onboardingBodies = Array.from({ length: BACKFILL_DEALS }, (_, i) => JSON.stringify(accountBodyFor(i, `onboard-${i}-${tag}.example`, recentClose, 'Onboard')));
    const onboardingStarted = performance.now();
    const onboarding = await closedLoop(BACKFILL_DEALS, PAGE_SIZE, (i) => timedPost(`${base}/api/accounts`, floorHeaders, onboardingBodies[i]!));
    const onboardingMs = performance.now() - onboardingStarted;
    const onboarded = onboarding.filter((r) => r.status === 201).length;
    // Onboarding goes on after the row: the account's workflow drafts the handoff and emails the AE.
    const onboardingHandoffsMs = await handoffsOutAfter(onboardingStarted, Math.max(SETTLE_MS, 3 * onboardingMs));
    console.log(`  onboarding floor: POST /api/accounts × ${n(BACKFILL_DEALS)}, ${PAGE_SIZE} in flight: ${statusCounts(onboarding)} in ${s(onboardingMs)} (${(onboarded / (onboardingMs / 1000)).toFixed(1)} accounts/s); every handoff email out after ${msText(onboardingHandoffsMs)}`);
    if (onboarded < BACKFILL_DEALS) notes.push(`${n(BACKFILL_DEALS - onboarded)} onboarding-floor creates were not 201`);
    // The floor's leftover onboarding work would hold the backfill's first tasks up in the task queue
    // (5,000 accounts' drafting can outlast the wait above on 2 busy cores): raise BENCH_SETTLE_S then.
    if (!Number.isFinite(onboardingHandoffsMs)) await settle('the onboarding floor');

    const backfillDeals: BenchDeal[] = Array.from({ length: BACKFILL_DEALS }, (_, i) => {
      const domain = `backfill-${i}-${tag}.example`;
      const made = fake.addDeal({
        dealname: `Backfill plan ${i}`, amount: 36_000 + i, closedate: recentClose, dealstage: 'closedwon', description: 'Imported by the backfill.',
        company: { name: `Backfill Co ${i}`, domain, industry: 'SOFTWARE', numberofemployees: 40 },
        contacts: [{ firstname: 'Fox', lastname: 'Mulder', email: `fox@${domain}`, jobtitle: 'CTO' }],
        owner: { email: `ae${i % OWNERS}@relay.example`, firstName: 'Sam', lastName: `Seller ${i % OWNERS}` },
      });
      return { dealId: made.dealId, domain, companyId: made.companyId!, contactIds: made.contactIds, calls: 0 };
    });
    // What the bulk read needs, page by page: a search, the company and the contact associations, the
    // companies and the contacts (100 a batch read), the owners (500 a list call).
    const ownersInPortal = fake.state.owners.size;
    let needed = 0;
    for (let at = 0; at < BACKFILL_DEALS; at += PAGE_SIZE) {
      const page = backfillDeals.slice(at, at + PAGE_SIZE);
      needed += 1 + 2 + Math.ceil(page.length / 100) + Math.ceil(page.reduce((sum, d) => sum + d.contactIds.length, 0) / 100) + Math.ceil(ownersInPortal / 500);
    }
    const searches = Math.ceil(BACKFILL_DEALS / PAGE_SIZE);
    const rateFloorMs = (needed / BACKFILL_LIMIT) * 10_000;
    const floorMs = Math.max(rateFloorMs, onboardingMs);
    const timeoutMs = Math.max(120_000, intSetting('BENCH_BACKFILL_TIMEOUT_S', Math.ceil((3 * floorMs) / 1000), 1) * 1000);
    // Turned on now, with an empty window: part 1's calls were never counted against it.
    fakeOptions.rateLimit = { perTenSeconds: BACKFILL_LIMIT, searchPerSecond: SEARCH_PER_SECOND };

    const previewStarted = performance.now();
    const preview = await api('/api/connectors/hubspot/backfill/preview', { since });
    const previewMs = performance.now() - previewStarted;
    if (preview.status !== 200) throw new Error(`backfill preview failed: ${preview.status} ${await preview.text()}`);
    const { deals: previewCount } = await preview.json() as { deals: number };
    console.log(`  preview: ${n(previewCount)} deals in ${msText(previewMs)}`);
    if (previewCount !== BACKFILL_DEALS) throw new Error(`the preview counts ${previewCount} deals, expected ${BACKFILL_DEALS}`);

    const accountsBefore = await accountsSoFar();
    const backfillCallsFrom = proxy.calls.length;
    const backfillStarted = performance.now();
    const startedRes = await api('/api/connectors/hubspot/backfill', { since });
    if (startedRes.status !== 202) throw new Error(`starting the backfill failed: ${startedRes.status} ${await startedRes.text()}`);
    const { id: backfillId } = await startedRes.json() as { id: string };
    const ids = backfillDeals.map((d) => d.dealId);
    let done = 0;
    let failed = 0;
    let lastReport = backfillStarted;
    let timedOut = false;
    let mostRunsOpen = 0;
    for (;;) {
      const [row] = await sql<{ done: string; failed: string }[]>`
        select count(*) filter (where outcome in ('created', 'linked'))::text as done, count(*) filter (where outcome = 'failed')::text as failed
        from connector_records where connection_id = ${connectionId} and external_id = any(${sql.array(ids)})`;
      done = Number(row!.done);
      failed = Number(row!.failed);
      if (done + failed >= BACKFILL_DEALS) break;
      const now = performance.now();
      if (now - backfillStarted > timeoutMs) { timedOut = true; break; }
      if (now - lastReport > 15_000) {
        lastReport = now;
        const calls = proxy.calls.slice(backfillCallsFrom);
        // Deal runs open now (visibility lags a little): what the backfill keeps in flight.
        const open = await client.workflow.count(`WorkflowType = 'hubspotDeal' AND ExecutionStatus = 'Running' AND TaskQueue = '${TASK_QUEUE}'`).then((c) => c.count).catch(() => Number.NaN);
        if (Number.isFinite(open)) mostRunsOpen = Math.max(mostRunsOpen, open);
        console.log(`  … ${n(done)}/${n(BACKFILL_DEALS)} imported after ${s(now - backfillStarted)}; ${n(calls.length)} requests, ${n(calls.filter((c) => c.status === 429).length)} answered 429; ${Number.isFinite(open) ? n(open) : '?'} deal runs open`);
      }
      await sleep(500);
    }
    const backfillMs = performance.now() - backfillStarted;
    const backfillHandoffsMs = timedOut ? Number.NaN : await handoffsOutAfter(backfillStarted, Math.max(SETTLE_MS, 3 * backfillMs));
    const backfillCalls = proxy.calls.slice(backfillCallsFrom);
    const limited = backfillCalls.filter((c) => c.status === 429).length;
    const accepted = backfillCalls.filter((c) => c.status !== 429).length;
    const created = (await accountsSoFar()) - accountsBefore;
    const progress = await client.workflow.getHandle(backfillId).query<{ status: string; started: number; total: number | null }>('progress').catch(() => null);
    console.log(`  every handoff email out after ${msText(backfillHandoffsMs)}`);
    console.log(`  ${n(done)} imported${failed ? `, ${n(failed)} failed` : ''} in ${s(backfillMs)}${timedOut ? ` (stopped waiting after ${s(timeoutMs)})` : ''}: ${(done / (backfillMs / 1000)).toFixed(2)} deals/s, ${n(created)} accounts created; backfill run ${progress ? `${progress.status}, ${n(progress.started)} of ${n(progress.total ?? 0)} gone through` : 'not queried'}`);
    console.log(`    requests to the fake: ${n(backfillCalls.length)} (${n(accepted)} let through, ${n(limited)} answered 429); needed: ${n(needed)} (${searches} pages × search, 2 association reads, company and contact batch reads, owners list)`);
    console.log(`    by kind: ${describeCalls(backfillCalls)}`);
    const retryAfters = sortedOf(backfillCalls.filter((c) => c.status === 429 && c.retryAfterS !== null).map((c) => c.retryAfterS! * 1000));
    const inFlightLine = `deal runs open at once (sampled every 15 s): at most ${n(mostRunsOpen)}; Retry-After p50 ${msText(percentile(retryAfters, 50))}, max ${msText(percentile(retryAfters, 100))}`;
    console.log(`    ${inFlightLine}`);
    if (timedOut) notes.push(`the backfill had imported ${n(done)} of ${n(BACKFILL_DEALS)} deals when the bench stopped waiting (${s(timeoutMs)}; BENCH_BACKFILL_TIMEOUT_S)`);
    if (failed) notes.push(`${n(failed)} backfilled deals ended failed`);
    if (created !== done) notes.push(`${n(done)} deals imported but ${n(created)} accounts created`);

    rows.push({
      figure: `backfill of ${n(BACKFILL_DEALS)} deals at ${BACKFILL_LIMIT} req/10 s (${n(done)} imported)`,
      value: `${s(backfillMs)} (${(done / (backfillMs / 1000)).toFixed(1)} deals/s)`,
      floor: `${s(floorMs)} (the larger of: onboarding ${s(onboardingMs)}; ${n(needed)} requests at ${BACKFILL_LIMIT}/10 s = ${s(rateFloorMs)})`, ratio: ratio(backfillMs, floorMs),
    });
    rows.push({
      figure: `backfill until every handoff email is out`, value: msText(backfillHandoffsMs),
      floor: `${msText(onboardingHandoffsMs)} (the same for POST /api/accounts)`, ratio: ratio(backfillHandoffsMs, onboardingHandoffsMs),
    });
    rows.push({ figure: `onboarding the same ${n(BACKFILL_DEALS)} accounts (POST /api/accounts, ${PAGE_SIZE} in flight), rows stored`, value: `${s(onboardingMs)} (${(onboarded / (onboardingMs / 1000)).toFixed(1)}/s)`, floor: '—', ratio: '—' });
    rows.push({ figure: 'backfill requests let through by the limit', value: n(accepted), floor: `${n(needed)} (needed)`, ratio: ratio(accepted, needed) });
    rows.push({ figure: 'backfill requests answered 429', value: n(limited), floor: '—', ratio: '—' });
    rows.push({ figure: 'backfill accounts created', value: n(created), floor: `${n(BACKFILL_DEALS)} (deals)`, ratio: ratio(created, BACKFILL_DEALS) });
    rows.push({ figure: 'backfill preview (count) answered', value: `${msText(previewMs)} (${n(previewCount)} deals)`, floor: '—', ratio: '—' });

    // ---- the table ---------------------------------------------------------------------------------
    console.log(`\nconnectors (HubSpot fake, real SDK, worker and Temporal ${server ? 'dev server' : 'server'} on this machine; floors from this run; ratio = value ÷ floor):`);
    const header: Row = { figure: 'figure', value: 'value', floor: 'floor', ratio: 'ratio' };
    const keys = Object.keys(header) as (keyof Row)[];
    const widths = keys.map((k) => Math.max(header[k].length, ...rows.map((r) => r[k].length)));
    const line = (r: Row) => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
    console.log(line(header));
    console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
    for (const r of rows) console.log(line(r));
    console.log(`\n  webhook latency: ${breakdown}; ${webhookTrend}`);
    console.log(`  webhook deals: ${queueLine}`);
    console.log(`  backfill: ${inFlightLine}`);
    for (const note of notes) console.log(`  MISS: ${note}`);
    console.log(`  whole benchmark ${s(performance.now() - benchStarted)}`);
  } finally {
    // Everything this run started, in reverse; each step tried even if an earlier one failed.
    const steps: [string, () => Promise<unknown>][] = [
      ['stop the HTTP server', async () => { await http?.close(); }],
      ['delete the connection\'s schedule', async () => { if (!server) await scheduleToDelete?.(); }],
      ['stop the worker', async () => { if (worker) { worker.shutdown(); await running; } }],
      ['close Temporal connections', async () => { await workerConnection?.close(); await clientConnection?.close(); }],
      ['stop the HubSpot fake and its proxy', async () => { await proxy.close(); await fake.close(); }],
      ['stop the dev server', async () => { await server?.stop(); }],
      ['close the pools', async () => { await database.close(); await sql.end({ timeout: 5 }); }],
      ['drop the database', async () => { if (!KEEP) await dropDatabase(DATABASE); }],
    ];
    await cleanUp(steps);
    if (KEEP) console.log(`kept ${DATABASE}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
