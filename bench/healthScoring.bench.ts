/**
 * Health scoring at issue 10's scale: 100,000 accounts with 10,000,000 events across 90 days. Three
 * figures, each printed beside a floor measured in the same run (this 2-core machine is shared and
 * noisy: compare the ratios between runs, not the seconds):
 *
 * 1. A full scoring run: the real `healthScoring` workflow on a real worker (in this process), timed
 *    from start to result, at concurrency 1, 2 and 4 and at other batch sizes, so the fan-out choice
 *    is measured. Floor, measured right before each run: one SQL statement that computes the same
 *    inputs from the same tables and writes a score per account (INSERT … SELECT into an unlogged
 *    table), checked against the real scores so it is known to compute the same thing.
 * 2. Ingestion: Segment track calls through POST /v1/batch over real HTTP, several concurrent senders
 *    that retry a 503 or 429 as Segment's libraries do (the retries are reported). The API runs as
 *    production runs it: BENCH_HEALTH_API_PROCESSES (2) `api/server.ts` processes of their own, the
 *    senders spread over them as a balancer would; the senders (the load generator) stay in this
 *    process, so their CPU is not charged to the API. CPU per event is reported per process: the API
 *    processes, this one, Postgres' backends. Floor: the same events in one INSERT … SELECT into
 *    events + dedupe keys + rollup deltas (rolled back afterwards).
 * 3. Event-to-new-score latency with the rescorer workflow running: events for random accounts over
 *    ~30 s, each timed from its HTTP 200 to its account_health row showing a newer computed_at. Floor:
 *    one scoreAccounts call for one account in isolation.
 *
 * Set-up writes what scoring reads (account_event_days rollups, account_threads, org_event_types,
 * milestones, tasks, a few pulses) with generate_series. 10M raw events through the API would take
 * longer than everything else here, and scoring never reads raw events.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- healthScoring
 *   BENCH_HEALTH_ACCOUNTS=10000 npm run bench -- healthScoring        (quicker; or the count as first argument)
 *
 * BENCH_HEALTH_ACCOUNTS (100000), BENCH_HEALTH_EVENTS (100 per account), BENCH_HEALTH_INGEST_EVENTS
 * (200000), BENCH_HEALTH_PROBES (200), BENCH_HEALTH_PROBE_SECONDS (30), BENCH_HEALTH_CONCURRENCY
 * ('1,2,4'), BENCH_HEALTH_BATCH_SIZES ('500,2000', tried at the best concurrency; '' skips them),
 * BENCH_HEALTH_DRAIN_SECONDS (60), BENCH_HEALTH_API_PROCESSES (2; 0 serves the API in this process, as before), BENCH_HEALTH_SETTLE_MS / BENCH_HEALTH_IDLE_MS (unset: the
 * rescorer workflow's own defaults). About 12–15 minutes at full scale on 2 cores, 2 of them set-up.
 * Own database `relay_bench_health`, dropped at the end unless BENCH_KEEP=1; BENCH_REUSE=1 reuses a
 * kept one of the same scale (set-up skipped, earlier runs' scores and ingested events removed).
 * Its own Temporal dev server unless TEMPORAL_ADDRESS is set.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import postgres from 'postgres';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { accountsForScoring, scorableAccountRanges, scorableAccountsInRange } from '../db/repositories/accounts.ts';
import { taskCountsByAccount } from '../db/repositories/accountWork.ts';
import { accountEventStats } from '../db/repositories/events.ts';
import {
  currentHealthConfig, latestHealth, latestPulses, organisationEventTypes, saveScores, threadStats,
} from '../db/repositories/health.ts';
import { currentMilestones } from '../db/repositories/milestones.ts';
import { ADMIN_DATABASE_URL, dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { ENGAGEMENT_SIGNALS } from '../domain/events.ts';
import { dayIn, type HealthConfig } from '../domain/health.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { startHttpServer, type RunningHttpServer } from '../platform/httpServer.ts';
import { startApiProcesses, stopApiProcesses } from './apiProcesses.ts';
import { openBenchTemporal } from './benchTemporal.ts';
import { cleanUp } from './cleanUp.ts';
import { connectTemporal } from '../platform/temporalClient.ts';
import type { DevServer } from '../platform/temporalDevServer.ts';
import { startHealthRun } from '../services/health/runs.ts';
import { scoreAccounts } from '../services/health/scoring.ts';
import { createWriteKey } from '../services/writeKeys.ts';
import {
  healthRunIdPrefix, type HealthRescorerInput, type HealthRescorerWorkflow, type HealthScoringResult, type HealthScoringWorkflow,
} from '../workflows/healthDefinitions.ts';
import { createRelayWorker } from '../worker.ts';

// Scoring signals accounts whose tier crossed a line; these accounts have no lifecycle runs, so the
// worker's log would fill with their not-found answers, which the activity expects and ignores.
Runtime.install({ logger: new DefaultLogger('ERROR') });
process.env.RELAY_LOG_QUIET ??= 'true';

// ---- configuration --------------------------------------------------------------------------------

function intSetting(name: string, raw: string | undefined, fallback: number, min: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be a whole number ≥ ${min} (got ${raw})`);
    process.exit(2);
  }
  return value;
}
function listSetting(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => intSetting(name, s, 0, 1));
}
const flag = (raw: string | undefined) => raw === '1' || raw === 'true';

const DATABASE = 'relay_bench_health';
const ACCOUNTS = intSetting('BENCH_HEALTH_ACCOUNTS', process.argv[2] ?? process.env.BENCH_HEALTH_ACCOUNTS, 100_000, 100);
const EVENTS = intSetting('BENCH_HEALTH_EVENTS', process.env.BENCH_HEALTH_EVENTS, ACCOUNTS * 100, 0);
const DAYS = 90;
const INGEST_EVENTS = intSetting('BENCH_HEALTH_INGEST_EVENTS', process.env.BENCH_HEALTH_INGEST_EVENTS, 200_000, 1_000);
const PROBES = intSetting('BENCH_HEALTH_PROBES', process.env.BENCH_HEALTH_PROBES, 200, 1);
const PROBE_SECONDS = intSetting('BENCH_HEALTH_PROBE_SECONDS', process.env.BENCH_HEALTH_PROBE_SECONDS, 30, 1);
const CONCURRENCIES = listSetting('BENCH_HEALTH_CONCURRENCY', process.env.BENCH_HEALTH_CONCURRENCY, [1, 2, 4]);
const BATCH_SIZES = listSetting('BENCH_HEALTH_BATCH_SIZES', process.env.BENCH_HEALTH_BATCH_SIZES, [500, 2000]);
const RESCORER_OVERRIDES: Pick<HealthRescorerInput, 'settleMs' | 'idleMs'> = {
  ...(process.env.BENCH_HEALTH_SETTLE_MS ? { settleMs: intSetting('BENCH_HEALTH_SETTLE_MS', process.env.BENCH_HEALTH_SETTLE_MS, 0, 0) } : {}),
  ...(process.env.BENCH_HEALTH_IDLE_MS ? { idleMs: intSetting('BENCH_HEALTH_IDLE_MS', process.env.BENCH_HEALTH_IDLE_MS, 0, 0) } : {}),
};
const API_PROCESSES = intSetting('BENCH_HEALTH_API_PROCESSES', process.env.BENCH_HEALTH_API_PROCESSES, 2, 0);
const KEEP = flag(process.env.BENCH_KEEP);
const REUSE = flag(process.env.BENCH_REUSE);
/** The workflow's own defaults (workflows/healthScoring.ts): what "Score now" and the nightly run use. */
const DEFAULT_BATCH = 1_000;
const DEFAULT_CONCURRENCY = 2;
/**
 * How long the rescorer gets to work off the queue ingestion left (its rate is the figure; what is
 * left then is taken off the queue, so the latency probes meet an idle rescorer).
 */
const DRAIN_TIMEOUT_MS = 1000 * intSetting('BENCH_HEALTH_DRAIN_SECONDS', process.env.BENCH_HEALTH_DRAIN_SECONDS, 60, 5);
/** How long a probe may wait for its new score before it counts as never rescored. */
const PROBE_TIMEOUT_MS = 120_000;
const TASK_QUEUE = `bench-health-${randomUUID().slice(0, 8)}`;

const GOALS = { fullRunMs: 60_000, eventsPerSecond: 20_000, rescoreP95Ms: 60_000 };

/** Product event types the set-up and the Segment senders use (a product's usual spread of features). */
const PRODUCT_TYPES = [
  'Report Viewed', 'Dashboard Opened', 'Query Run', 'Export Created', 'Alert Configured', 'User Invited',
  'Integration Synced', 'Comment Added', 'File Uploaded', 'Search Performed', 'API Key Used', 'Settings Changed',
];
const ENGAGEMENT: readonly string[] = ENGAGEMENT_SIGNALS;

// ---- small helpers ----------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const n = (value: number) => Math.round(value).toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
const sqlTextArray = (values: readonly string[]) => `array[${values.map(sqlText).join(',')}]::text[]`;

/** A seeded PRNG (mulberry32), so two runs send the same events to the same accounts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const phases: { name: string; ms: number }[] = [];
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  phases.push({ name, ms });
  console.log(`  ${name}: ${s(ms)}`);
  return result;
}

/** Deadlocks Postgres has detected in this database so far. */
async function deadlocks(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: string }[]>`select deadlocks::text as n from pg_stat_database where datname = current_database()`;
  return Number(row?.n ?? 0);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 when it is gone or unknown. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ, 100 on Linux)
  } catch {
    return 0;
  }
}

/** The API processes (BENCH_HEALTH_API_PROCESSES), whose CPU `profiled` reports beside this process's. */
const apiPids: number[] = [];

/**
 * Where the time goes while `work` runs: Postgres' backends sampled every 100 ms (running on CPU,
 * waiting on a lock, on WAL, or idle in a transaction waiting for this process), and this
 * process's CPU (its event loop, the Temporal worker's threads) as a share of one core.
 */
interface CpuUse { apiMs: number; thisMs: number; backendsMs: number; wallMs: number }

async function profiled<T>(sql: postgres.Sql, work: () => Promise<T>): Promise<{ result: T; profile: string; cpu: CpuUse }> {
  const counts = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  // Postgres' backends serving this database (the API's pools, this process's), each one's CPU when first seen.
  const backends = new Map<number, number>();
  const noteBackends = async () => {
    for (const r of await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`) {
      if (!backends.has(r.pid)) backends.set(r.pid, processCpuSeconds(r.pid));
    }
  };
  await noteBackends();
  const sampler = (async () => {
    while (sampling) {
      const found = await sql<{ w: string; n: number }[]>`
        select case when state = 'idle in transaction' then 'idle in transaction (waiting for the app)'
                    else coalesce(wait_event_type || ':' || wait_event, 'on CPU') end as w, count(*)::int as n
        from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')
          and query not like '%pg_stat_activity%'
        group by 1`;
      samples += 1;
      for (const r of found) counts.set(r.w, (counts.get(r.w) ?? 0) + r.n);
      if (samples % 10 === 0) await noteBackends();
      await sleep(100);
    }
  })();
  const apiBefore = apiPids.map(processCpuSeconds);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await work();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    sampling = false;
    await sampler;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)
      .map(([w, c]) => `${w} ${((c / Math.max(total, 1)) * 100).toFixed(0)} %`).join(', ');
    const processCpu = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    const apiCpuMs = apiPids.reduce((sum, pid, i) => sum + (processCpuSeconds(pid) - apiBefore[i]!) * 1000, 0);
    const backendCpuMs = [...backends].reduce((sum, [pid, before]) => sum + Math.max(0, processCpuSeconds(pid) - before) * 1000, 0);
    const share = (ms: number) => `${((ms / wallMs) * 100).toFixed(0)} % of a core`;
    const use: CpuUse = { apiMs: apiCpuMs, thisMs: (cpu.user + cpu.system) / 1000, backendsMs: backendCpuMs, wallMs };
    const apiPart = apiPids.length ? `; ${apiPids.length} API processes: ${share(apiCpuMs)} together` : '';
    return {
      result, cpu: use,
      profile: `Postgres: ${(total / Math.max(samples, 1)).toFixed(1)} busy backends on average (${top || 'none'}), its backends ${share(backendCpuMs)}${apiPart}; this process: ${processCpu.toFixed(0)} % of a core`,
    };
  } finally {
    sampling = false;
    await sampler;
  }
}

interface Row { figure: string; value: string; floor: string; ratio: string; goal: string; met: string }
const rows: Row[] = [];
const ratio = (slowerMs: number, floorMs: number) => (floorMs > 0 ? `${(slowerMs / floorMs).toFixed(1)}×` : '—');

// ---- set-up: what scoring reads, made in SQL ---------------------------------------------------------

interface Scale { accounts: number; events: number }
/** Bumped when set-up changes what it makes, so a kept database from before is made again. */
const SETUP_VERSION = 2;
interface Seeded { orgId: string; today: string; setupMs: number; reused: boolean }

/**
 * One organisation and its accounts, with 90 days of rollups. Each account draws a profile: its
 * status (mostly active), how it uses the product (engaged, casual, declining in the last 14 days,
 * or dormant for the last 30), how many emails, tickets and meetings it has and how fast emails are
 * answered. Everything else is made from the profile, in account-ID order so the big inserts land
 * in index order. setseed() makes two runs of the same scale draw the same data.
 */
async function seedData(sql: postgres.Sql, db: DatabaseHandle['db'], scale: Scale): Promise<Seeded> {
  const setupStarted = performance.now();
  const slug = `bench-health-${Date.now()}`;
  const org = await phase('organisation, CSMs, starter templates', () => seedOrganisation(db, {
    name: 'Bench Health Org', slug, admin: { email: `admin@${slug}.example`, name: 'Bench Admin' },
    csms: Array.from({ length: 10 }, (_, i) => ({ email: `csm${i}@${slug}.example`, name: `CSM ${i}` })),
  }));
  const orgId = org.orgId;
  const { config } = await currentHealthConfig(db, orgId);
  const today = dayIn(new Date(), config.schedule.timezone);
  const versions = await sql<{ id: string }[]>`select id from template_versions where org_id = ${orgId} order by id`;
  const conn = await sql.reserve();
  try {
    await conn`select setseed(0.42)`;
    const o = sqlText(orgId);
    await phase(`profiles + ${n(scale.accounts)} accounts + domains`, async () => {
      await conn.unsafe(`drop table if exists bench_profiles`);
      await conn.unsafe(`
        create unlogged table bench_profiles as
        with drawn as (
          select g, md5('relay-bench-health-' || g)::uuid::text as id,
            random() as status_draw, random() as segment_draw, random() as r1, random() as r2,
            (${sqlTextArray(versions.map((v) => v.id))})[1 + floor(random() * ${versions.length})::int] as version_id,
            (${sqlTextArray(org.csms.map((c) => c.id))})[1 + floor(random() * ${org.csms.length})::int] as csm_id,
            random() as progress_draw, random() as milestone_draw, random() as task_draw, random() as pulse_draw,
            random() as e1, random() as e2, random() as e3,
            now() - interval '60 days' - random() * interval '670 days' as created_at
          from generate_series(1, ${scale.accounts}) g
        ), profiled as (
          select drawn.*,
            case when status_draw < 0.05 then 'churned' when status_draw < 0.12 then 'pending_handoff'
                 when status_draw < 0.22 then 'completed' when status_draw < 0.30 then 'at_risk' else 'active' end as status,
            case when segment_draw < 0.50 then 'engaged' when segment_draw < 0.75 then 'casual'
                 when segment_draw < 0.88 then 'declining' else 'dormant' end as segment,
            jsonb_array_length(v.milestones) as milestones_total
          from drawn join template_versions v on v.id = drawn.version_id
        )
        select g, id, 'bench-' || g || '.example' as domain, status, segment, version_id, csm_id, created_at, milestones_total,
          1 + least(milestones_total - 1, floor(progress_draw * milestones_total)::int) as current_seq, milestone_draw, task_draw, pulse_draw,
          case segment when 'engaged' then 0.2 + 0.4 * r1 when 'casual' then 0.03 + 0.12 * r1 when 'declining' then 0.25 + 0.3 * r1 else 0.02 end as p_old,
          case segment when 'engaged' then 0.2 + 0.4 * r1 when 'casual' then 0.03 + 0.12 * r1 when 'declining' then 0.02 + 0.03 * r2 else 0 end as p_new,
          case segment when 'dormant' then 30 else 0 end as quiet_days,
          case segment when 'engaged' then 4 + floor(e1 * 9) when 'casual' then 1 + floor(e1 * 4) when 'declining' then 2 + floor(e1 * 6) else floor(e1 * 3) end::int as n_email,
          case segment when 'engaged' then floor(e2 * 3) when 'casual' then floor(e2 * 2) when 'declining' then 1 + floor(e2 * 4) else floor(e2 * 2) end::int as n_ticket,
          case segment when 'engaged' then 2 + floor(e3 * 5) when 'casual' then floor(e3 * 3) when 'declining' then floor(e3 * 2) else 0 end::int as n_meet,
          case segment when 'engaged' then 0.5 when 'casual' then 1.0 when 'declining' then 2.0 else 3.0 end as reply_factor
        from profiled order by id`);
      await conn.unsafe(`
        insert into accounts (id, org_id, company_name, arr, close_date, primary_contact_name, primary_contact_email, primary_domain,
          website, status, csm_user_id, template_version_id, workflow_id, milestones_completed, milestones_total, search_text,
          created_at, updated_at, last_activity_at)
        select id, ${o}, 'Bench Company ' || g, 10000 + (g * 7919) % 990000, to_char(created_at, 'YYYY-MM-DD'), 'Contact ' || g,
          'contact@' || domain, domain, 'https://' || domain, status, csm_id, version_id, 'account-' || id,
          case status when 'pending_handoff' then 0 when 'completed' then milestones_total else current_seq - 1 end, milestones_total,
          lower('bench company ' || g || ' contact ' || g || ' contact@' || domain || ' ' || domain), created_at, created_at, now()
        from bench_profiles`);
      await conn.unsafe(`insert into account_domains (org_id, domain, account_id, is_primary) select ${o}, domain, id, true from bench_profiles`);
      // What 90 days of Segment traffic taught: each account's five users (their email domain and
      // group) and its group, as ingestion keeps them in event_identities and looks them up per batch.
      await conn.unsafe(`
        insert into event_identities (org_id, source, kind, external_id, domain, group_id)
        select ${o}, 'segment', 'user', 'user-' || p.g || '-' || k, p.domain, p.domain from bench_profiles p, generate_series(1, 5) k
        union all
        select ${o}, 'segment', 'group', p.domain, p.domain, null from bench_profiles p`);
    });

    await phase('milestones, tasks, pulses', async () => {
      // Onboarding in flight: milestones before the current one done, the current one started in the last 60 days.
      await conn.unsafe(`
        insert into account_milestones (id, org_id, account_id, template_version_id, sequence, name, duration_days, actions, status, started_at, completed_at)
        select md5(p.id || ':m:' || m.sequence)::uuid::text, ${o}, p.id, p.version_id, m.sequence, m.name, m."durationDays", m.actions,
          x.status,
          case x.status when 'in_progress' then now() - p.milestone_draw * interval '60 days'
                        when 'completed' then p.created_at + (m.sequence - 1) * interval '10 days' end,
          case x.status when 'completed' then p.created_at + m.sequence * interval '10 days' end
        from bench_profiles p
        join template_versions v on v.id = p.version_id
        cross join lateral jsonb_to_recordset(v.milestones) as m(sequence int, name text, "durationDays" int, actions jsonb)
        cross join lateral (select case
          when p.status = 'pending_handoff' then 'pending' when p.status = 'completed' then 'completed'
          when m.sequence < p.current_seq then 'completed' when m.sequence = p.current_seq then 'in_progress' else 'pending' end as status) x`);
      // 40 % of accounts have 1–5 tasks, due from 20 days ago to 20 days ahead, 40 % of them done.
      await conn.unsafe(`
        insert into tasks (id, org_id, account_id, title, due_date, completed_at, created_at)
        select md5(p.id || ':task:' || i)::uuid::text, ${o}, p.id, 'Follow-up ' || i, '${today}'::date + (floor(random() * 41) - 20)::int,
          case when random() < 0.4 then now() - random() * interval '10 days' end, now() - interval '30 days'
        from bench_profiles p, generate_series(1, case when p.task_draw < 0.4 then 1 + floor(p.task_draw * 12.5)::int else 0 end) i`);
      // 5 % have a CSM Pulse, set in the last 100 days (some stale).
      await conn.unsafe(`
        insert into account_pulses (id, org_id, account_id, score, note, set_by, set_at)
        select md5(p.id || ':pulse')::uuid::text, ${o}, p.id, 1 + floor(random() * 10)::int, 'Bench pulse', 'bench', now() - random() * interval '100 days'
        from bench_profiles p where p.pulse_draw < 0.05`);
    });

    const engagementEvents = await phase('email and ticket threads, engagement rollups', async () => {
      // Emails answered after 1–120 hours (log-uniform, scaled by how attentive the account's CSM is), 6 % never;
      // tickets resolved after 1–400 hours, 10 % still open. A thread whose answer would be in the future is still open.
      await conn.unsafe(`
        insert into account_threads (org_id, account_id, kind, thread_key, opened_at, closed_at)
        select ${o}, id, kind, thread_key, opened_at, case when never or opened_at + wait > now() then null else opened_at + wait end
        from (
          select p.id, 'email' as kind, 'email-' || i as thread_key, now() - random() * interval '${DAYS} days' as opened_at,
            exp(random() * ln(120)) * p.reply_factor * interval '1 hour' as wait, random() < 0.06 as never
          from bench_profiles p, generate_series(1, p.n_email) i
          union all
          select p.id, 'ticket', 'ticket-' || i, now() - random() * interval '${DAYS} days',
            exp(random() * ln(400)) * p.reply_factor * interval '1 hour', random() < 0.10
          from bench_profiles p, generate_series(1, p.n_ticket) i
        ) t`);
      await conn.unsafe(`
        insert into account_event_days (org_id, account_id, day, event_type, count)
        select ${o}, account_id, day, event_type, count(*)::int from (
          select account_id, (opened_at at time zone 'UTC')::date as day, case kind when 'email' then 'email_received' else 'ticket_opened' end as event_type
          from account_threads where org_id = ${o}
          union all
          select account_id, (closed_at at time zone 'UTC')::date, case kind when 'email' then 'email_replied' else 'ticket_resolved' end
          from account_threads where org_id = ${o} and closed_at is not null
          union all
          select p.id, '${today}'::date - floor(random() * ${DAYS})::int, 'meeting_held'
          from bench_profiles p, generate_series(1, p.n_meet) i
        ) e group by account_id, day, event_type
        on conflict (org_id, account_id, day, event_type) do update set count = account_event_days.count + excluded.count`);
      const [row] = await conn.unsafe<{ events: string }[]>(`select coalesce(sum(count), 0)::bigint as events from account_event_days where org_id = ${o}`);
      return Number(row!.events);
    });

    // The product events fill the rest of the target. Rows per account and day: 1–3 feature types, so
    // the mean count per row is what makes the total come out at the target (geometric counts).
    const productEvents = Math.max(0, scale.events - engagementEvents);
    const [expected] = await conn.unsafe<{ rows: number }[]>(`
      select (sum(greatest(0, 14 - quiet_days) * p_new + (${DAYS} - greatest(quiet_days, 14)) * p_old) * 1.55)::float8 as rows from bench_profiles`);
    const meanCount = expected!.rows > 0 ? productEvents / expected!.rows : 1;
    const lambda = meanCount > 1.0001 ? 1 / Math.log(1 + 1 / (meanCount - 1)) : 0;
    await phase(`product-usage rollups (≈ ${n(expected!.rows)} rows, mean count ${meanCount.toFixed(2)})`, async () => {
      await conn.unsafe(`
        insert into account_event_days (org_id, account_id, day, event_type, count)
        select ${o}, a.id, '${today}'::date - a.d, (${sqlTextArray(PRODUCT_TYPES)})[1 + (a.s + j) % ${PRODUCT_TYPES.length}],
          1 + floor(-ln(1 - random()) * ${lambda})::int
        from (
          select p.id, d.d, floor(power(random(), 1.5) * ${PRODUCT_TYPES.length})::int as s,
            1 + (random() < 0.4)::int + (random() < 0.15)::int as n
          from bench_profiles p, generate_series(0, ${DAYS - 1}) d(d)
          where random() < case when d.d < p.quiet_days then 0 when d.d < 14 then p.p_new else p.p_old end
        ) a, generate_series(0, a.n - 1) j`);
      await conn.unsafe(`
        insert into org_event_types (org_id, event_type) select ${o}, t from unnest(${sqlTextArray([...PRODUCT_TYPES, ...ENGAGEMENT])}) t
        on conflict do nothing`);
    });
    await phase('vacuum analyze', async () => {
      await conn.unsafe(`vacuum (analyze) accounts, account_domains, event_identities, account_event_days, account_threads, account_milestones, tasks, account_pulses, org_event_types`);
    });
  } finally {
    conn.release();
  }
  const setupMs = performance.now() - setupStarted;
  await sql.unsafe(`create table bench_health_setup (org_id text not null, accounts int not null, events bigint not null, today date not null, setup_ms int not null, version int not null)`);
  await sql`insert into bench_health_setup ${sql({ org_id: orgId, accounts: scale.accounts, events: scale.events, today, setup_ms: Math.round(setupMs), version: SETUP_VERSION })}`;
  return { orgId, today, setupMs, reused: false };
}

/** A kept database of the same scale: its organisation, with earlier runs' scores and ingested events taken out again. */
async function reuseData(sql: postgres.Sql, scale: Scale): Promise<Seeded | null> {
  const [table] = await sql<{ found: string | null }[]>`select to_regclass('bench_health_setup')::text as found`;
  if (!table?.found) return null;
  const [row] = await sql<{ m: { org_id: string; accounts: number; events: number; today: string; setup_ms: number; version?: number } }[]>`
    select to_jsonb(s) as m from bench_health_setup s`;
  const marker = row?.m;
  if (!marker || marker.version !== SETUP_VERSION || marker.accounts !== scale.accounts || Number(marker.events) !== scale.events) return null;
  await phase('reset of the kept database', async () => {
    await sql.unsafe(`truncate account_health, account_health_days, health_rescore_queue`);
    // Set-up stores no raw events: every raw event is one an earlier run ingested, so its rollup counts come out again
    // (folded first: an earlier run may have left deltas that scoring had not yet added).
    const [deltas] = await sql<{ found: string | null }[]>`select to_regclass('account_event_day_deltas')::text as found`;
    if (deltas?.found) await sql.unsafe(`
      with taken as (delete from account_event_day_deltas returning *)
      insert into account_event_days (org_id, account_id, day, event_type, count)
      select org_id, account_id, day, event_type, sum(count)::int from taken group by 1, 2, 3, 4
      on conflict (org_id, account_id, day, event_type) do update set count = account_event_days.count + excluded.count`);
    await sql`
      update account_event_days d set count = d.count - x.n
      from (select account_id, (occurred_at at time zone 'UTC')::date as day, type, count(*)::int as n
            from events where org_id = ${marker.org_id} and account_id is not null group by 1, 2, 3) x
      where d.org_id = ${marker.org_id} and d.account_id = x.account_id and d.day = x.day and d.event_type = x.type`;
    await sql`delete from account_event_days where org_id = ${marker.org_id} and count <= 0`;
    // event_identities stays: set-up's users are the ones the senders use, so ingestion only ever confirms them.
    await sql.unsafe(`truncate events, event_message_keys, unmatched_event_domains`);
    await sql.unsafe(`vacuum (analyze) account_event_days, account_health`);
  });
  return { orgId: marker.org_id, today: marker.today, setupMs: marker.setup_ms, reused: true };
}

// ---- the scoring floor: the same inputs and weighted average in one statement ------------------------

type UpToBands = { upTo: number | null; score: number }[];
type AtLeastBands = { atLeast: number; score: number }[];
const upTo = (x: string, bands: UpToBands) => `(case ${bands.map((b) => (b.upTo === null ? `else ${b.score}` : `when ${x} <= ${b.upTo} then ${b.score}`)).join(' ')} end)`;
const atLeast = (x: string, bands: AtLeastBands) => `(case ${bands.map((b) => `when ${x} >= ${b.atLeast} then ${b.score}`).join(' ')} else ${bands[bands.length - 1]!.score} end)`;
const clamp = (x: string) => `least(100, greatest(0, round(${x})))`;

/**
 * domain/health.ts' scoreHealth for every scorable account, with the organisation's configuration
 * turned into CASE expressions, over the same tables and windows services/health/scoring.ts reads:
 * $1 organisation, $2 its today, $3 now. Writes only the score, tier and factor scores (no
 * explanations): the least work that still scores every account.
 */
function floorScoringStatement(config: HealthConfig): string {
  const f = config.factors;
  const tz = sqlText(config.schedule.timezone);
  const eng = sqlTextArray(ENGAGEMENT);
  const product = `not (event_type = any(${eng}))`;
  const factors: { key: string; weight: number; expr: string }[] = [
    { key: 'recent_activity', weight: f.recent_activity.weight, expr: `case when ot.sends_product or ot.touch_signals then ${upTo(`greatest(0, $2::date - coalesce(ev.last_touch, (acc.created_at at time zone ${tz})::date))`, f.recent_activity.bands)} end` },
    {
      key: 'email_responsiveness', weight: f.email_responsiveness.weight,
      expr: `case when th.email_median is not null or th.email_unanswered > 0 then ${clamp(`(case when th.email_median is null then ${f.email_responsiveness.bands[f.email_responsiveness.bands.length - 1]!.score} else ${upTo('th.email_median', f.email_responsiveness.bands)} end) - ${f.email_responsiveness.unansweredPenalty} * th.email_unanswered`)} end`,
    },
    {
      key: 'support_load', weight: f.support_load.weight,
      expr: `case when ot.has_tickets then (case when th.ticket_median_days is null then ${upTo('coalesce(th.open_tickets, 0)', f.support_load.openBands)}
        else ${clamp(`(${upTo('coalesce(th.open_tickets, 0)', f.support_load.openBands)} + ${upTo('th.ticket_median_days', f.support_load.resolutionBands)}) / 2.0`)} end) end`,
    },
    { key: 'meetings', weight: f.meetings.weight, expr: `case when ot.has_meetings then ${atLeast('coalesce(ev.meetings, 0)', f.meetings.bands)} end` },
    { key: 'milestone_progress', weight: f.milestone_progress.weight, expr: `case when ms.started_at is not null then ${upTo(`greatest(0, $2::date - ((ms.started_at at time zone ${tz})::date + ms.duration_days))`, f.milestone_progress.bands)} end` },
    { key: 'overdue_tasks', weight: f.overdue_tasks.weight, expr: `case when tk.total > 0 then ${upTo('tk.overdue', f.overdue_tasks.bands)} end` },
    {
      key: 'product_usage', weight: f.product_usage.weight,
      expr: `case when ot.sends_product then ${clamp(`${atLeast('coalesce(ev.active14, 0)', f.product_usage.bands)} - case when coalesce(ev.active_prev14, 0) > 0 and coalesce(ev.active14, 0) < ev.active_prev14 * ${1 - f.product_usage.dropThresholdPercent / 100} then ${f.product_usage.dropPenalty} else 0 end`)} end`,
    },
  ].filter((x) => x.weight > 0);
  const pulseWeight = f.csm_pulse.weight;
  const pulse = pulseWeight > 0
    ? `case when pu.score is not null and $2::date - (pu.set_at at time zone 'UTC')::date <= case when pu.score <= 1 or pu.score >= 10 then 30 else 90 end then ${clamp('pu.score * 10')} end`
    : 'null::numeric';
  const othersTotal = factors.map((x) => `case when ${x.key} is not null then ${x.weight} else 0 end`).join(' + ');
  const othersSum = factors.map((x) => `coalesce(${x.key} * ${x.weight}, 0)`).join(' + ');
  return `
    insert into bench_floor_scores (account_id, score, tier, factor_scores)
    with ot as (
      select coalesce(bool_or(${product}), false) as sends_product, coalesce(bool_or(event_type in ('email_received', 'meeting_held')), false) as touch_signals,
        coalesce(bool_or(event_type = 'ticket_opened'), false) as has_tickets, coalesce(bool_or(event_type = 'meeting_held'), false) as has_meetings
      from org_event_types where org_id = $1
    ),
    acc as (select id, created_at from accounts where org_id = $1 and status <> 'churned'),
    ev as (
      select account_id,
        max(day) filter (where ${product} or event_type in ('email_received', 'meeting_held')) as last_touch,
        coalesce(sum(count) filter (where event_type = 'meeting_held'), 0) as meetings,
        count(distinct day) filter (where ${product} and day > $2::date - 14) as active14,
        count(distinct day) filter (where ${product} and day <= $2::date - 14 and day > $2::date - 28) as active_prev14
      from account_event_days where org_id = $1 and day > $2::date - 180 and day <= $2::date
      group by account_id
    ),
    th as (
      select account_id,
        count(*) filter (where kind = 'email' and closed_at is null and opened_at < $3::timestamptz - interval '72 hours') as email_unanswered,
        percentile_cont(0.5) within group (order by extract(epoch from closed_at - opened_at) / 3600)
          filter (where kind = 'email' and closed_at > $3::timestamptz - interval '30 days') as email_median,
        count(*) filter (where kind = 'ticket' and closed_at is null) as open_tickets,
        percentile_cont(0.5) within group (order by extract(epoch from closed_at - opened_at) / 86400)
          filter (where kind = 'ticket' and closed_at > $3::timestamptz - interval '90 days') as ticket_median_days
      from account_threads where org_id = $1 group by account_id
    ),
    ms as (
      select distinct on (account_id) account_id, started_at, duration_days
      from account_milestones where org_id = $1 and status = 'in_progress' order by account_id, sequence
    ),
    tk as (
      select account_id, count(*) as total, count(*) filter (where completed_at is null and due_date < $2::date) as overdue
      from tasks where org_id = $1 group by account_id
    ),
    pu as (select distinct on (account_id) account_id, score, set_at from account_pulses where org_id = $1 order by account_id, set_at desc),
    factors as (
      select acc.id, ${factors.map((x) => `(${x.expr})::numeric as ${x.key}`).join(', ')}, (${pulse})::numeric as csm_pulse
      from acc cross join ot
      left join ev on ev.account_id = acc.id left join th on th.account_id = acc.id left join ms on ms.account_id = acc.id
      left join tk on tk.account_id = acc.id left join pu on pu.account_id = acc.id
    ),
    weighed as (
      select factors.*, (${othersTotal}) as others_total, (${othersSum}) as others_sum,
        case when csm_pulse is null then 0 else ${pulseWeight} end as share
      from factors
    ),
    scored as (
      select id, ${factors.map((x) => x.key).join(', ')}, csm_pulse,
        case when others_total = 0 and csm_pulse is null then null
             when others_total = 0 then csm_pulse
             else round(others_sum::numeric / others_total * (100 - share) / 100 + coalesce(csm_pulse, 0) * share / 100.0 + 0.000000001) end as score
      from weighed
    )
    select id, score, case when score >= 80 then 'healthy' when score >= 60 then 'needs_attention' when score >= 40 then 'at_risk' when score is not null then 'critical' end,
      jsonb_strip_nulls(jsonb_build_object(${[...factors.map((x) => x.key), 'csm_pulse'].map((k) => `'${k}', ${k}`).join(', ')}))
    from scored`;
}

/**
 * Runs the floor statement into a fresh unlogged table. JIT is off for it: at 100,000 accounts its
 * estimated cost is far past jit_above_cost and compiling took 8 of its 20 s (the app's batch
 * queries cost too little to be compiled, so JIT is no part of what they pay either).
 */
async function floorScoring(sql: postgres.Sql, statement: string, orgId: string, today: string): Promise<{ ms: number; scored: number }> {
  await sql.unsafe(`create unlogged table if not exists bench_floor_scores (account_id text primary key, score smallint, tier text, factor_scores jsonb)`);
  await sql.unsafe(`truncate bench_floor_scores`);
  const started = performance.now();
  const scored = await sql.begin(async (tx) => {
    await tx.unsafe('set local jit = off');
    return (await tx.unsafe(statement, [orgId, today, new Date().toISOString()])).count;
  });
  return { ms: performance.now() - started, scored };
}

/**
 * What autovacuum would do between two nightly runs (it is off on some shared servers, this one
 * included): each run rewrites every account's score row, and without fresh statistics and vacuum
 * the next run reads through the dead versions (latestHealth went from 3 to 30–60 ms a batch). Untimed.
 */
async function vacuumScores(sql: postgres.Sql): Promise<void> {
  await sql.unsafe('vacuum (analyze) account_health, account_health_days');
}

// ---- scoring runs ---------------------------------------------------------------------------------

interface RunResult { label: string; batchSize: number; concurrency: number; ms: number; floorMs: number; result: HealthScoringResult }

/**
 * One scoring run, timed from start to result, right after its own floor: on a shared machine the
 * load drifts over minutes, so each run is compared with the floor measured next to it.
 */
async function timedRun(
  sql: postgres.Sql, client: Client, orgId: string, label: string, opts: { batchSize: number; concurrency: number } | 'score-now',
  measureFloor: () => Promise<{ ms: number }>,
): Promise<RunResult> {
  const floor = await measureFloor();
  console.log(`  floor before ${label}: ${s(floor.ms)}`);
  const started = performance.now();
  let handle: WorkflowHandle<HealthScoringWorkflow>;
  if (opts === 'score-now') {
    // The real "Score now" path (services/health/runs.ts): the workflow's defaults.
    const { id } = await startHealthRun({ temporal: client, taskQueue: TASK_QUEUE }, orgId);
    handle = client.workflow.getHandle<HealthScoringWorkflow>(id);
  } else {
    handle = await client.workflow.start<HealthScoringWorkflow>('healthScoring', {
      workflowId: `${healthRunIdPrefix(orgId)}bench-${randomUUID()}`, taskQueue: TASK_QUEUE, workflowExecutionTimeout: '1 hour',
      args: [{ orgId, trigger: 'manual', batchSize: opts.batchSize, concurrency: opts.concurrency }],
    });
  }
  const { result, profile } = await profiled(sql, () => handle.result());
  const ms = performance.now() - started;
  const shape = opts === 'score-now' ? { batchSize: DEFAULT_BATCH, concurrency: DEFAULT_CONCURRENCY } : opts;
  const floorMs = floor.ms;
  phases.push({ name: `scoring run: ${label}`, ms });
  console.log(`  ${label}: ${s(ms)}  (${n(result.scored)} accounts, ${n(result.scored / (ms / 1000))}/s, ${ratio(ms, floorMs)} its floor; ${n(result.wentAtRisk)} went at risk, ${n(result.recovered)} recovered)`);
  console.log(`    ${profile}`);
  await vacuumScores(sql);
  return { label, ...shape, ms, floorMs, result };
}

/** Where one batch's time goes: each read scoreAccounts makes, the scoring itself, the two writes. */
async function batchBreakdown(db: DatabaseHandle['db'], orgId: string, batchSize: number): Promise<string[]> {
  const { ranges } = await scorableAccountRanges(db, orgId, batchSize);
  const range = ranges[Math.floor(ranges.length / 2)]!;
  const accounts = await scorableAccountsInRange(db, orgId, range);
  const ids = accounts.map((a) => a.id);
  const { version, config } = await currentHealthConfig(db, orgId);
  const now = new Date();
  const today = dayIn(now, config.schedule.timezone);
  const timings: [string, () => Promise<unknown>][] = [
    ['scorableAccountsInRange', () => scorableAccountsInRange(db, orgId, range)],
    ['organisationEventTypes', () => organisationEventTypes(db, orgId)],
    ['accountEventStats', () => accountEventStats(db, orgId, ids, today, ENGAGEMENT)],
    ['threadStats', () => threadStats(db, orgId, ids, now)],
    ['currentMilestones', () => currentMilestones(db, orgId, ids)],
    ['taskCountsByAccount', () => taskCountsByAccount(db, orgId, ids, today)],
    ['latestPulses', () => latestPulses(db, orgId, ids)],
    ['latestHealth', () => latestHealth(db, orgId, ids)],
    ['scoreAccounts (all of the above + scoring + saveScores + signals)', () => db.transaction((tx) => scoreAccounts(tx, async () => {}, orgId, accounts, now))],
  ];
  const lines: string[] = [];
  for (const [name, work] of timings) {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
    lines.push(`${name}: ${median(samples).toFixed(1)} ms`);
  }
  // saveScores alone, with the scores the last call wrote (the same rows again, as a rerun writes them).
  const stored = await latestHealth(db, orgId, ids);
  const scores = [...stored.values()].map((h) => ({ accountId: h.accountId, score: h.score, tier: h.tier, factors: h.factors, excluded: h.excluded, configVersion: version }));
  const started = performance.now();
  await saveScores(db, orgId, today, now, scores);
  lines.push(`saveScores (${scores.length} rows, both statements): ${(performance.now() - started).toFixed(1)} ms`);
  return lines;
}

// ---- ingestion ------------------------------------------------------------------------------------

interface Target { g: number; id: string; domain: string; status: string }

interface Track {
  type: 'track'; messageId: string; userId: string; event: string; timestamp: string;
  properties: Record<string, string | number>;
  context: { library: { name: string; version: string }; groupId?: string; traits?: { email: string } };
}

/**
 * A Segment track call as @segment/analytics-node sends it from a customer's backend: 70 % name the
 * company as `context.groupId` (a domain), 30 % carry the user's email in `context.traits`.
 */
function trackCall(target: Target, tag: string, i: number, random: () => number, at: Date): Track {
  const user = 1 + Math.floor(random() * 5);
  const viaGroup = random() < 0.7;
  return {
    type: 'track', messageId: `${tag}-${i}`, userId: `user-${target.g}-${user}`,
    event: PRODUCT_TYPES[Math.floor(random() ** 1.5 * PRODUCT_TYPES.length)]!, timestamp: at.toISOString(),
    properties: { plan: 'business', surface: random() < 0.8 ? 'web' : 'api', durationMs: Math.floor(random() * 2000) },
    context: { library: { name: 'analytics-node', version: '3.1.0' }, ...(viaGroup ? { groupId: target.domain } : { traits: { email: `user${user}@${target.domain}` } }) },
  };
}

interface Ingested { ms: number; events: number; stored: number; matched: number; requestMs: number[]; retried: Map<number, number> }

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/**
 * POSTs one batch the way Segment's libraries do: a 5xx or 429 is sent again after an exponential
 * backoff (100 ms, 200 ms, … at most 8 attempts); the same message IDs make the retry idempotent.
 * Answers the final answer and the statuses that were retried.
 */
async function postBatch(url: string, authorization: string, body: string | Uint8Array<ArrayBuffer>, retried: Map<number, number>): Promise<{ stored?: number; matched?: number }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    const answer = await res.json() as { success?: boolean; stored?: number; matched?: number };
    if (res.status === 200 && answer.success) return answer;
    if (!RETRYABLE.has(res.status) || attempt >= 7) throw new Error(`POST /v1/batch answered ${res.status} (attempt ${attempt + 1}): ${JSON.stringify(answer).slice(0, 500)}`);
    retried.set(res.status, (retried.get(res.status) ?? 0) + 1);
    await sleep(100 * 2 ** attempt);
  }
}

/** Sender i posts to bases[i % bases.length]: the API processes share the senders as a balancer would share clients. */
async function sendBatches(bases: string[], writeKey: string, bodies: Uint8Array<ArrayBuffer>[], senders: number, eventsPerBody: number): Promise<Ingested> {
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  let next = 0;
  let stored = 0;
  let matched = 0;
  const requestMs: number[] = [];
  const retried = new Map<number, number>();
  const started = performance.now();
  await Promise.all(Array.from({ length: senders }, async (_, sender) => {
    const url = `${bases[sender % bases.length]}/v1/batch`;
    for (let i = next++; i < bodies.length; i = next++) {
      const sent = performance.now();
      const answer = await postBatch(url, authorization, bodies[i]!, retried);
      requestMs.push(performance.now() - sent);
      stored += answer.stored ?? 0;
      matched += answer.matched ?? 0;
    }
  }));
  return { ms: performance.now() - started, events: bodies.length * eventsPerBody, stored, matched, requestMs: requestMs.sort((a, b) => a - b), retried };
}

const describeRetries = (retried: Map<number, number>) => (retried.size ? [...retried].map(([status, count]) => `${count} × ${status}`).join(', ') : 'none');

/**
 * The floor for ingestion: the same events, matched by domain through account_domains, in one
 * statement that writes what the API writes: the dedupe keys, the raw rows and the rollup deltas
 * (which scoring folds into the rollups; the rescorer figure below includes that fold). Rolled back
 * (the commit's one WAL flush is all the floor leaves out).
 */
async function floorIngestion(sql: postgres.Sql, orgId: string, events: Track[]): Promise<{ ms: number; cpuMs: number }> {
  const flat = JSON.stringify(events.map((e) => ({
    k: `floor:${e.messageId}`, t: e.event, at: e.timestamp, u: e.userId, p: e.properties,
    g: e.context.groupId ?? null, e: e.context.traits ? e.context.traits.email.slice(e.context.traits.email.indexOf('@') + 1) : null,
  })));
  const conn = await sql.reserve();
  try {
    const [backend] = await conn<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await conn`begin`;
    const cpuBefore = processCpuSeconds(backend!.pid);
    const started = performance.now();
    await conn.unsafe(`
      with src as (
        select r.* from jsonb_to_recordset($2::text::jsonb) as r(k text, t text, at timestamptz, u text, p jsonb, g text, e text)
      ), matched as (
        select src.*, coalesce(byg.account_id, bye.account_id) as account_id from src
        left join account_domains byg on byg.org_id = $1 and byg.domain = src.g
        left join account_domains bye on bye.org_id = $1 and bye.domain = src.e
      ), fresh as (
        insert into event_message_keys (org_id, message_key, occurred_at) select $1, k, at from matched
        on conflict do nothing returning message_key
      ), stored as (
        insert into events (org_id, occurred_at, message_key, source, type, account_id, group_domain, email_domain, user_id, properties)
        select $1, m.at, m.k, 'segment', m.t, m.account_id, m.g, m.e, m.u, m.p from matched m join fresh on fresh.message_key = m.k
        returning account_id, occurred_at, type
      )
      insert into account_event_day_deltas (org_id, account_id, day, event_type, count)
      select $1, account_id, (occurred_at at time zone 'UTC')::date, type, count(*)::int from stored where account_id is not null group by 2, 3, 4`, [orgId, flat]);
    const ms = performance.now() - started;
    const cpuMs = (processCpuSeconds(backend!.pid) - cpuBefore) * 1000;
    await conn`rollback`;
    return { ms, cpuMs };
  } finally {
    conn.release();
  }
}

// ---- rescoring latency ------------------------------------------------------------------------------

interface Probe { accountId: string; acceptedAt: number; seenAt: number | null; computedAt: number | null }

async function probeLatency(sql: postgres.Sql, base: string, writeKey: string, targets: Target[], tag: string, retried: Map<number, number>): Promise<Probe[]> {
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const random = prng(7);
  const probes: Probe[] = [];
  const gapMs = (PROBE_SECONDS * 1000) / targets.length;
  const started = performance.now();
  const sends = targets.map(async (target, i) => {
    await sleep(Math.max(0, started + i * gapMs - performance.now()));
    const at = new Date();
    const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => trackCall(target, `${tag}-${i}`, k, random, at));
    const answer = await postBatch(`${base}/v1/batch`, authorization, JSON.stringify({ batch }), retried);
    if (answer.matched !== batch.length) throw new Error(`probe ${i}: ${answer.matched} of ${batch.length} events matched`);
    probes.push({ accountId: target.id, acceptedAt: Date.now(), seenAt: null, computedAt: null });
  });
  let sending = true;
  const sent = Promise.all(sends).finally(() => { sending = false; });
  // Watch account_health for each accepted probe's score to move past its acceptance.
  let lastSent = Date.now();
  for (;;) {
    await sleep(200);
    const waiting = probes.filter((p) => p.seenAt === null);
    if (waiting.length) {
      const found = await sql<{ account_id: string; computed_at: Date }[]>`
        select account_id, computed_at from account_health where account_id in ${sql(waiting.map((p) => p.accountId))}`;
      const now = Date.now();
      const byId = new Map(found.map((r) => [r.account_id, r.computed_at.getTime()]));
      for (const p of waiting) {
        const computed = byId.get(p.accountId);
        if (computed !== undefined && computed > p.acceptedAt) Object.assign(p, { seenAt: now, computedAt: computed });
      }
    }
    if (sending) lastSent = Date.now();
    else if (probes.every((p) => p.seenAt !== null) || Date.now() - lastSent > PROBE_TIMEOUT_MS) break;
  }
  await sent;
  return probes;
}

/** CPU per ingested event, per process: where an event's cost goes. */
function cpuPerEvent(cpu: CpuUse, events: number): string {
  const us = (ms: number) => `${((ms * 1000) / events).toFixed(0)} µs`;
  const api = apiPids.length ? `API processes ${us(cpu.apiMs)}, ` : '';
  return `CPU per event: ${api}Postgres backends ${us(cpu.backendsMs)}, this process (senders${apiPids.length ? '' : ' + API'} + idle worker) ${us(cpu.thisMs)}`;
}

// ---- the run ------------------------------------------------------------------------------------------

/** The benchmark's database: a kept one of this scale when BENCH_REUSE asks and one is found, else a new one. */
async function openBenchDatabase(scale: Scale): Promise<{ url: string; sql: postgres.Sql; reused: Seeded | null }> {
  if (REUSE) {
    const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
    const [found] = await admin`select 1 as found from pg_database where datname = ${DATABASE}`;
    await admin.end();
    if (found) {
      const kept = new URL(ADMIN_DATABASE_URL);
      kept.pathname = `/${DATABASE}`;
      const sql = postgres(kept.toString(), { max: 4, onnotice: () => {} });
      const reused = await reuseData(sql, scale);
      if (reused) return { url: kept.toString(), sql, reused };
      await sql.end();
    }
    console.log('  (no kept database of this scale: making a new one)');
  }
  const url = await recreateDatabase(DATABASE);
  return { url, sql: postgres(url, { max: 4, onnotice: () => {} }), reused: null };
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const scale: Scale = { accounts: ACCOUNTS, events: EVENTS };
  console.log(`healthScoring: ${n(ACCOUNTS)} accounts, ${n(EVENTS)} events across ${DAYS} days (set-up writes them as the daily rollups scoring reads, not as ${n(EVENTS)} raw events through the API: that alone would outlast the benchmark)`);

  const { url, sql, reused } = await openBenchDatabase(scale);
  let seeded: Seeded | null = reused;
  const database = await openDatabase({ url, dataDir: '.data', max: 20 });
  let server: DevServer | null = null;
  let clientConnection: Awaited<ReturnType<typeof connectTemporal>>['connection'] | null = null;
  let workerConnection: NativeConnection | null = null;
  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  let http: RunningHttpServer | null = null;
  let apiChildren: ChildProcess[] = [];
  let rescorer: WorkflowHandle<HealthRescorerWorkflow> | null = null;
  try {
    await database.migrate();
    console.log(seeded ? `set-up (reused ${DATABASE}, made on ${seeded.today} in ${s(seeded.setupMs)}):` : `set-up (${DATABASE}):`);
    seeded ??= await seedData(sql, database.db, scale);
    const { orgId } = seeded;
    const [volume] = await sql<{ rows: string; events: string; threads: string; accounts: string; scorable: string }[]>`
      select (select count(*) from account_event_days where org_id = ${orgId})::text as rows,
        (select coalesce(sum(count), 0) from account_event_days where org_id = ${orgId})::text as events,
        (select count(*) from account_threads where org_id = ${orgId})::text as threads,
        (select count(*) from accounts where org_id = ${orgId})::text as accounts,
        (select count(*) from accounts where org_id = ${orgId} and status <> 'churned')::text as scorable`;
    console.log(`  → ${n(Number(volume!.accounts))} accounts (${n(Number(volume!.scorable))} scorable), ${n(Number(volume!.events))} events as ${n(Number(volume!.rows))} daily rollup rows, ${n(Number(volume!.threads))} email/ticket threads; set-up took ${s(seeded.setupMs)}${seeded.reused ? ' when it was made' : ''}`);

    // Temporal and the worker, in this process.
    const temporalStarted = performance.now();
    const temporal = await openBenchTemporal();
    const { address, client } = temporal;
    server = temporal.server;
    clientConnection = temporal.connection;
    workerConnection = await NativeConnection.connect({ address });
    const mailer = createDevOutboxMailer();
    worker = await createRelayWorker({
      connection: workerConnection, namespace: 'default', taskQueue: TASK_QUEUE,
      activityDeps: { db: database.db, mailer, drafter: createRuleBasedDrafter(), publicUrl: 'http://relay.bench', tokenSecret: 'bench-secret-for-handoff-tokens-0123456789' },
    });
    running = worker.run();
    const deps: AppDeps = {
      db: database.db, temporal: client, taskQueue: TASK_QUEUE, namespace: 'default', temporalUiUrl: 'http://temporal-ui.bench',
      devOutbox: false, mailer, publicUrl: 'http://relay.bench',
      secureCookies: false, checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
    };
    let bases: string[];
    if (API_PROCESSES > 0) {
      const started = await startApiProcesses(API_PROCESSES, {
        DATABASE_URL: url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, RELAY_SECRET: 'bench-secret-for-handoff-tokens-0123456789',
      });
      apiPids.push(...started.pids);
      apiChildren = started.children;
      bases = started.bases;
    } else {
      const app = createApp(deps);
      http = await startHttpServer((request) => app.fetch(request), 0);
      bases = [`http://127.0.0.1:${http.port}`];
    }
    const base = bases[0]!;
    const { writeKey } = await createWriteKey(database.db, orgId, 'bench segment');
    const temporalMs = performance.now() - temporalStarted;
    phases.push({ name: 'Temporal dev server, worker (bundling workflows), HTTP server', ms: temporalMs });
    const where = API_PROCESSES > 0 ? `${API_PROCESSES} API processes (api/server.ts) on ${bases.join(', ')}` : `HTTP server in this process on ${base}`;
    console.log(`  Temporal ${server ? 'dev server (own)' : `at ${address}`}, worker on ${TASK_QUEUE} (workflows bundled now), ${where}: ${s(temporalMs)}`);

    // ---- 1. full scoring runs ----
    console.log('\n1. Full scoring run (healthScoring workflow, real worker) beside one SQL statement');
    const [autovacuum] = await sql<{ setting: string }[]>`select setting from pg_settings where name = 'autovacuum'`;
    console.log(`  (autovacuum is ${autovacuum?.setting} on this server; account_health is vacuumed and analyzed between runs, untimed, as autovacuum would between nightly runs)`);
    const { config } = await currentHealthConfig(database.db, orgId);
    const statement = floorScoringStatement(config);
    const floorToday = dayIn(new Date(), config.schedule.timezone);
    const floors: number[] = [];
    const measureFloor = async () => {
      const floor = await floorScoring(sql, statement, orgId, floorToday);
      floors.push(floor.ms);
      phases.push({ name: 'floor (one INSERT … SELECT, JIT off)', ms: floor.ms });
      return floor;
    };

    const runs: RunResult[] = [];
    const first = await timedRun(sql, client, orgId, `first run ("Score now": c ${DEFAULT_CONCURRENCY}, batch ${DEFAULT_BATCH}; no earlier scores, so every score is an insert)`, 'score-now', measureFloor);
    const [agreement] = await sql<{ total: string; same: string; max_diff: number | null; tiers_same: string }[]>`
      select count(*)::text as total, count(*) filter (where f.score is not distinct from h.score)::text as same,
        max(abs(f.score - h.score)) as max_diff, count(*) filter (where f.tier is not distinct from h.tier)::text as tiers_same
      from bench_floor_scores f left join account_health h on h.account_id = f.account_id`;
    const agreeLine = `floor vs scoreHealth: same score for ${n(Number(agreement!.same))} of ${n(Number(agreement!.total))} accounts (same tier for ${n(Number(agreement!.tiers_same))}; largest difference ${agreement!.max_diff ?? 0})`;
    console.log(`  ${agreeLine}`);
    const [tiers] = await sql<{ tiers: string }[]>`
      select string_agg(coalesce(tier, 'not scored') || ' ' || c, ', ' order by c desc) as tiers from (select tier, count(*) as c from account_health where org_id = ${orgId} group by tier) t`;
    console.log(`  tiers: ${tiers!.tiers}`);

    // Which fan-out is fastest is judged by each run's ratio to its own floor, which drifts less than seconds do.
    const byRatio = (a: RunResult, b: RunResult) => a.ms / a.floorMs - b.ms / b.floorMs;
    for (const concurrency of CONCURRENCIES) {
      runs.push(await timedRun(sql, client, orgId, `concurrency ${concurrency}, batch ${DEFAULT_BATCH}`, { batchSize: DEFAULT_BATCH, concurrency }, measureFloor));
    }
    const bestConcurrency = [...runs].sort(byRatio)[0]?.concurrency ?? DEFAULT_CONCURRENCY;
    for (const batchSize of BATCH_SIZES.filter((b) => b !== DEFAULT_BATCH)) {
      runs.push(await timedRun(sql, client, orgId, `concurrency ${bestConcurrency}, batch ${batchSize}`, { batchSize, concurrency: bestConcurrency }, measureFloor));
    }
    const floorMs = Math.min(...floors);
    console.log(`  floors this run: ${floors.map((f) => s(f)).join(', ')}`);
    const breakdown = await phase(`where one batch of ${DEFAULT_BATCH} goes (median of 3, outside any run)`, () => batchBreakdown(database.db, orgId, DEFAULT_BATCH));
    for (const line of breakdown) console.log(`    ${line}`);

    const fullGoal = `< ${s(GOALS.fullRunMs)}`;
    const met = (ok: boolean) => (ok ? 'yes' : '**no**');
    const defaultRun = runs.find((r) => r.concurrency === DEFAULT_CONCURRENCY && r.batchSize === DEFAULT_BATCH);
    const floorRate = first.result.scored / (floorMs / 1000);
    rows.push({ figure: `first full run, defaults (c ${DEFAULT_CONCURRENCY}, batch ${DEFAULT_BATCH}; inserts; ${n(first.result.wentAtRisk)} at-risk signals)`, value: `${s(first.ms)} (${n(first.result.scored / (first.ms / 1000))} accounts/s)`, floor: `${s(first.floorMs)} (${n(first.result.scored / (first.floorMs / 1000))}/s)`, ratio: ratio(first.ms, first.floorMs), goal: fullGoal, met: met(first.ms < GOALS.fullRunMs) });
    for (const r of runs) {
      const isDefault = r === defaultRun;
      rows.push({
        figure: `full run, concurrency ${r.concurrency}, batch ${r.batchSize}${isDefault ? ' (defaults: the nightly run)' : ''}`,
        value: `${s(r.ms)} (${n(r.result.scored / (r.ms / 1000))} accounts/s)`, floor: s(r.floorMs), ratio: ratio(r.ms, r.floorMs), goal: fullGoal, met: met(r.ms < GOALS.fullRunMs),
      });
    }
    const best = [...runs].sort(byRatio)[0];

    // ---- 2. ingestion ----
    console.log('\n2. Ingestion: Segment track calls through POST /v1/batch over HTTP, beside one INSERT … SELECT');
    const targets = await sql<Target[]>`select g, id, domain, status from bench_profiles order by g`;
    const random = prng(11);
    const runTag = `bench-${Date.now().toString(36)}`;
    const liveAt = () => new Date(Date.now() - Math.floor(random() * 86_400_000));
    const makeEvents = (count: number, tag: string) => Array.from({ length: count }, (_, i) => trackCall(targets[Math.floor(random() * targets.length)]!, tag, i, random, liveAt()));
    const shapes = [{ senders: 4, batch: 500, events: INGEST_EVENTS }, { senders: 8, batch: 100, events: Math.max(1_000, Math.round(INGEST_EVENTS / 4)) }];
    let mainEvents: Track[] = [];
    const ingested: (Ingested & { senders: number; batch: number; deadlocked: number })[] = [];
    for (const shape of shapes) {
      const events = makeEvents(shape.events, `${runTag}-${shape.senders}x${shape.batch}`);
      if (!mainEvents.length) mainEvents = events;
      // Encoded once here: the senders' own work per request is as little as a load generator's can be.
      const encoder = new TextEncoder();
      const bodies: Uint8Array<ArrayBuffer>[] = [];
      for (let i = 0; i < events.length; i += shape.batch) bodies.push(encoder.encode(JSON.stringify({ batch: events.slice(i, i + shape.batch), sentAt: new Date().toISOString() })));
      const deadlocksBefore = await deadlocks(sql);
      const { result, profile, cpu } = await phase(`${n(events.length)} events, ${shape.senders} senders × ${shape.batch}-event batches`, () => profiled(sql, () => sendBatches(bases, writeKey, bodies, shape.senders, shape.batch)));
      if (result.stored !== events.length || result.matched !== events.length) throw new Error(`expected ${events.length} events stored and matched, got ${result.stored} stored, ${result.matched} matched`);
      const deadlocked = (await deadlocks(sql)) - deadlocksBefore;
      console.log(`    ${profile}`);
      console.log(`    ${cpuPerEvent(cpu, result.events)}`);
      console.log(`    retried: ${describeRetries(result.retried)}; Postgres deadlocks meanwhile: ${deadlocked}`);
      console.log(`    ${n(result.events / (result.ms / 1000))} events/s; request p50 ${result.requestMs.length ? percentile(result.requestMs, 50).toFixed(0) : '—'} ms, p95 ${percentile(result.requestMs, 95).toFixed(0)} ms`);
      ingested.push({ ...result, ...shape, deadlocked });
    }
    const ingestFloor = await phase(`floor: the first ${n(mainEvents.length)} events in one statement (events + keys + rollup deltas, rolled back)`, () => floorIngestion(sql, orgId, mainEvents));
    const ingestFloorMs = ingestFloor.ms;
    console.log(`    its backend's CPU: ${((ingestFloor.cpuMs * 1000) / mainEvents.length).toFixed(0)} µs per event`);
    const ingestFloorRate = mainEvents.length / (ingestFloorMs / 1000);
    for (const r of ingested) {
      const rate = r.events / (r.ms / 1000);
      rows.push({
        figure: `ingestion, ${r.senders} senders × ${r.batch}-event batches (${n(r.events)} events, HTTP; ${r.deadlocked} deadlocks, retried)`,
        value: `${n(rate)} events/s`, floor: `${n(ingestFloorRate)} events/s`, ratio: ratio(ingestFloorRate, rate), goal: `≥ ${n(GOALS.eventsPerSecond)}/s`, met: met(rate >= GOALS.eventsPerSecond),
      });
    }

    // ---- 3. rescoring ----
    console.log('\n3. Event-to-new-score latency with the rescorer running');
    const [queued] = await sql<{ n: string }[]>`select count(*)::text as n from health_rescore_queue where org_id = ${orgId}`;
    const backlog = Number(queued!.n);
    await sql.unsafe('analyze health_rescore_queue'); // as autovacuum would have by now (it is off on some shared servers)
    rescorer = await client.workflow.start<HealthRescorerWorkflow>('healthRescorer', {
      workflowId: `bench-health-rescorer-${randomUUID().slice(0, 8)}`, taskQueue: TASK_QUEUE, args: [{ orgIds: [orgId], ...RESCORER_OVERRIDES }],
    });
    const settings = Object.keys(RESCORER_OVERRIDES).length ? JSON.stringify(RESCORER_OVERRIDES) : 'the workflow\'s defaults';
    console.log(`  rescorer started (${settings}); ${n(backlog)} accounts queued by the ingestion above`);
    const { result: drain, profile: drainProfile } = await phase(`rescorer works off the ${n(backlog)}-account backlog`, () => profiled(sql, async () => {
      const started = performance.now();
      for (;;) {
        const [left] = await sql<{ n: string }[]>`select count(*)::text as n from health_rescore_queue where org_id = ${orgId}`;
        if (Number(left!.n) === 0) return { ms: performance.now() - started, left: 0 };
        if (performance.now() - started > DRAIN_TIMEOUT_MS) {
          await sql`delete from health_rescore_queue where org_id = ${orgId}`;
          return { ms: performance.now() - started, left: Number(left!.n) };
        }
        await sleep(250);
      }
    }));
    console.log(`    ${drainProfile}`);
    const drained = backlog - drain.left;
    const drainRate = drained / (drain.ms / 1000);
    // What the rescorer did meanwhile, from its history: batches (activities) and idle sleeps (timers).
    const history = await rescorer.fetchHistory();
    // temporal.api.enums.v1.EventType: ACTIVITY_TASK_COMPLETED = 12, TIMER_STARTED = 17.
    const eventTypes = (history.events ?? []).map((e) => Number(e.eventType));
    const batches = eventTypes.filter((t) => t === 12).length;
    const sleeps = eventTypes.filter((t) => t === 17).length;
    console.log(`    ${n(drained)} of ${n(backlog)} rescored in ${s(drain.ms)} (${n(drainRate)} accounts/s) in ${batches} batches with ${sleeps} idle sleeps between them${drain.left ? `; ${n(drain.left)} left when the ${s(DRAIN_TIMEOUT_MS)} were up, taken off the queue (all of them would need about ${s((backlog / Math.max(drainRate, 1e-9)) * 1000)})` : ''}`);
    rows.push({
      figure: `rescorer on the ${n(backlog)}-account backlog ingestion left (settle wait included)`,
      value: `${n(drainRate)} accounts/s (${batches} batches, ${sleeps} idle sleeps)`, floor: `${n(floorRate)} accounts/s`, ratio: ratio(floorRate, drainRate), goal: '—',
      met: drain.left ? `— (${n(drain.left)} left after ${s(DRAIN_TIMEOUT_MS)})` : '—',
    });

    // Floor: one account scored alone, the way the rescorer scores it, with nothing else going on.
    const scorable = targets.filter((t) => t.status !== 'churned');
    const pick = prng(5);
    const alone: number[] = [];
    await phase('floor: scoreAccounts for one account, 20 accounts one at a time', async () => {
      for (let i = 0; i < 20; i++) {
        const target = scorable[Math.floor(pick() * scorable.length)]!;
        const started = performance.now();
        const accounts = await accountsForScoring(database.db, orgId, [target.id]);
        await database.db.transaction((tx) => scoreAccounts(tx, async () => {}, orgId, accounts, new Date()));
        alone.push(performance.now() - started);
      }
    });
    const aloneMs = median(alone);
    console.log(`    median ${aloneMs.toFixed(1)} ms`);

    const probeTargets: Target[] = [];
    const chosen = new Set<string>();
    while (probeTargets.length < Math.min(PROBES, scorable.length)) {
      const target = scorable[Math.floor(pick() * scorable.length)]!;
      if (chosen.has(target.id)) continue;
      chosen.add(target.id);
      probeTargets.push(target);
    }
    const probeRetries = new Map<number, number>();
    const probes = await phase(`${probeTargets.length} accounts sent events over ${PROBE_SECONDS} s, each watched until rescored`, () => probeLatency(sql, base, writeKey, probeTargets, `${runTag}-probe`, probeRetries));
    const seen = probes.filter((p) => p.seenAt !== null);
    const latencies = seen.map((p) => p.seenAt! - p.acceptedAt).sort((a, b) => a - b);
    const computedLag = seen.map((p) => p.computedAt! - p.acceptedAt).sort((a, b) => a - b);
    const missing = probes.length - seen.length;
    if (latencies.length) {
      console.log(`    visible after: p50 ${s(percentile(latencies, 50))}, p95 ${s(percentile(latencies, 95))}, max ${s(latencies[latencies.length - 1]!)}; scoring started (computed_at) p50 ${s(percentile(computedLag, 50))} after acceptance`);
    }
    if (probeRetries.size) console.log(`    probe requests retried: ${describeRetries(probeRetries)}`);
    if (missing) console.log(`    ${missing} of ${probes.length} never rescored within ${s(PROBE_TIMEOUT_MS)} of the last send`);
    const p95 = latencies.length ? percentile(latencies, 95) : Number.POSITIVE_INFINITY;
    for (const [label, value] of [['p50', latencies.length ? percentile(latencies, 50) : Number.NaN], ['p95', p95], ['max', latencies.length ? latencies[latencies.length - 1]! : Number.NaN]] as const) {
      rows.push({
        figure: `event → new score, ${label} (${seen.length}/${probes.length} accounts rescored)`,
        value: Number.isFinite(value) ? s(value) : '—', floor: `${aloneMs.toFixed(0)} ms (one account scored alone)`, ratio: Number.isFinite(value) ? ratio(value, aloneMs) : '—',
        goal: label === 'p95' ? `< ${s(GOALS.rescoreP95Ms)}` : '—', met: label === 'p95' ? met(!missing && p95 < GOALS.rescoreP95Ms) : '—',
      });
    }

    // ---- the table ----
    const totalMs = performance.now() - benchStarted;
    console.log(`\nhealthScoring at ${n(ACCOUNTS)} accounts / ${n(Number(volume!.events))} events / ${DAYS} days (${seeded.reused ? 'reused data' : 'fresh data'}; floors measured in this run; ratio = how many times the floor's time):`);
    const header: Row = { figure: 'figure', value: 'value', floor: 'floor', ratio: 'ratio', goal: 'goal', met: 'met?' };
    const keys = Object.keys(header) as (keyof Row)[];
    const widths = keys.map((k) => Math.max(header[k].length, ...rows.map((r) => r[k].length)));
    const line = (r: Row) => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
    console.log(line(header));
    console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
    for (const r of rows) console.log(line(r));
    console.log(`\n  ${agreeLine}`);
    if (best) console.log(`  fastest fan-out by ratio to its floor: concurrency ${best.concurrency}, batch ${best.batchSize} (${s(best.ms)}, ${ratio(best.ms, best.floorMs)}); the default (c ${DEFAULT_CONCURRENCY}, batch ${DEFAULT_BATCH}): ${defaultRun ? `${s(defaultRun.ms)}, ${ratio(defaultRun.ms, defaultRun.floorMs)}` : 'not measured'}`);
    console.log(`  set-up ${seeded.reused ? `reused (made in ${s(seeded.setupMs)})` : s(seeded.setupMs)}; whole benchmark ${s(totalMs)}`);
    const parts = new Map<string, number[]>();
    for (const p of phases) parts.set(p.name, [...(parts.get(p.name) ?? []), p.ms]);
    console.log(`  time by part: ${[...parts].map(([name, ms]) => (ms.length === 1 ? `${name} ${s(ms[0]!)}` : `${name} ${ms.length} × (${s(ms.reduce((a, b) => a + b, 0))} in all)`)).join('; ')}`);
  } finally {
    // Everything this run started, in reverse; each step tried even if an earlier one failed.
    const steps: [string, () => Promise<unknown>][] = [
      ['terminate the rescorer', async () => { await rescorer?.terminate('benchmark over'); }],
      ['stop the HTTP server', async () => { await http?.close(); }],
      ['stop the API processes', () => stopApiProcesses(apiChildren)],
      ['stop the worker', async () => { if (worker) { worker.shutdown(); await running; } }],
      ['close Temporal connections', async () => { await workerConnection?.close(); await clientConnection?.close(); }],
      ['stop the dev server', async () => { await server?.stop(); }],
      ['close the pools', async () => { await database.close(); await sql.end({ timeout: 5 }); }],
      ['drop the database', async () => { if (!KEEP) await dropDatabase(DATABASE); }],
    ];
    await cleanUp(steps);
    if (KEEP) console.log(`kept ${DATABASE} (BENCH_REUSE=1 runs again on it without set-up)`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
