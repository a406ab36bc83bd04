/**
 * Onboarding at the speed of the machine (issue 13): Relay's end-to-end onboarding rate beside two
 * no-op workflows on the same Temporal server, in one run, interleaved over rounds (this 2-core
 * machine is shared and noisy: the ratios between measures of one round are the figures that hold).
 *
 * Each round measures, one after the other:
 * 1. relay: BENCH_ONBOARDING_ACCOUNTS accounts created through POST /api/accounts over real HTTP
 *    (the app served by platform/httpServer.ts), BENCH_ONBOARDING_CONCURRENCY requests in flight,
 *    the real worker (createRelayWorker, the real activities, the rule-based drafter and the outbox
 *    mailer: no OpenAI or mail keys), until every account's handoff email (`outbox_emails`, kind
 *    `handoff_link`, written by the last onboarding activity) is in the outbox. Rate = accounts ÷
 *    wall time from the first request to the last email's `created_at` (a poll every 100 ms notices
 *    it; the row's own time, same machine clock, is the end).
 * 2. noop-4: a workflow of the same shape doing nothing (bench/noopWorkflows.ts: four ordinary
 *    activities in sequence), started through the same Temporal client at the same concurrency, until
 *    every run has completed: each run calls a sink once its last workflow task is computed, so the end
 *    is the last run's, exact, without asking the server (its completion's round trip excluded, as
 *    the Relay run's trailing workflow task after the email is).
 * 3. noop-1-local: one local activity, the same way.
 * The no-op workflows run on a second worker in this process, on its own task queue, built with Relay
 * worker's settings copied from it (slots, pollers, cache, thread pool: printed at start), and the
 * same NativeConnection, so the only difference is the workflow and its activities.
 *
 * Beside each rate: CPU ms per account (or no-op run), by process, from the first request until both
 * workers have been idle for half a second after the measure's end (so each run's trailing workflow
 * task counts): Node = this process (process.cpuUsage: the HTTP client sending the requests, the API,
 * both workers and their Rust core threads; the client side of the no-op starts too), Temporal = the
 * dev server process and its children (/proc/<pid>/stat), Postgres = the backends connected to this
 * run's database (/proc, by their command line); the server's shared background processes
 * (checkpointer, WAL writer, autovacuum: other users' work too) and the whole machine's busy time are
 * printed apart. The wait for the first workflow task is read from the histories of a sample of each
 * measure's runs (WorkflowExecutionStarted → first WorkflowTaskStarted, server time), after the
 * measure, with where the rest of a run's time went (workflow tasks and activities waiting in their
 * queues, activities running). Then, apart: POST /api/accounts latency with
 * BENCH_ONBOARDING_LATENCY_CONCURRENCY (16) requests in flight, the worker onboarding them meanwhile
 * (a real burst; their onboarding is not waited for).
 *
 *   npm run bench -- onboarding
 *   BENCH_ONBOARDING_ROUNDS=3 BENCH_ONBOARDING_ACCOUNTS=100 npm run bench -- onboarding     (quicker)
 *
 * BENCH_ONBOARDING_ROUNDS (5), BENCH_ONBOARDING_ACCOUNTS (100 per measure), BENCH_ONBOARDING_CONCURRENCY
 * (16 requests or starts in flight), BENCH_ONBOARDING_WARMUP (20 of each, untimed, before round 1),
 * BENCH_ONBOARDING_SAMPLE (20 histories per measure and round), BENCH_ONBOARDING_LATENCY_REQUESTS (160;
 * 0 skips the phase), BENCH_ONBOARDING_LATENCY_CONCURRENCY (16), BENCH_ONBOARDING_TIMEOUT_S (180: the
 * longest one measure may take). Own database `relay_bench_onboarding`, dropped at the end unless
 * BENCH_KEEP=1; its own Temporal dev server unless TEMPORAL_ADDRESS is set (then no Temporal CPU).
 * The API and the worker each get their own pool of the default size, as api/server.ts and worker.ts
 * do in production. The last line printed reads `relay/noop-1-local ratio: <median>` (the median over
 * rounds of relay's rate ÷ noop-1-local's in the same round) for scripts.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { and, count, eq, inArray, max } from 'drizzle-orm';
import type { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { createApp } from '../api/app.tsx';
import type { AppDeps } from '../api/deps.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { accounts, outboxEmails } from '../db/schema/index.ts';
import { seedOrganisation } from '../db/seed/seedOrganisation.ts';
import { createRuleBasedDrafter } from '../integrations/drafting/ruleBasedDrafter.ts';
import { createDevOutboxMailer } from '../integrations/email/mailer.ts';
import { startHttpServer, type RunningHttpServer } from '../platform/httpServer.ts';
import type { DevServer } from '../platform/temporalDevServer.ts';
import { startApiProcesses, stopApiProcesses } from './apiProcesses.ts';
import { openBenchTemporal } from './benchTemporal.ts';
import { cleanUp } from './cleanUp.ts';
import type { NoopActivities, NoopSinks, noopFourActivities, noopOneLocalActivity } from './noopWorkflows.ts';
import { createRelayWorker } from '../worker.ts';
import { intSetting } from './settings.ts';

// Errors are printed; warnings are not (an account's first read retried while its request commits is
// expected noise), except that the core's "workflow task took over 5 seconds" ones are counted.
let slowWorkflowTasks = 0;
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    if (entry.message.includes('TMPRL1104')) slowWorkflowTasks += 1;
    else if (entry.level === 'ERROR') console.error(`ERROR ${entry.message}${entry.meta ? ` ${JSON.stringify(entry.meta)}` : ''}`);
  }),
  telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
});
process.env.RELAY_LOG_QUIET ??= 'true';

// ---- configuration --------------------------------------------------------------------------------

const DATABASE = 'relay_bench_onboarding';
const ROUNDS = intSetting('BENCH_ONBOARDING_ROUNDS', 5, 1);
const ACCOUNTS = intSetting('BENCH_ONBOARDING_ACCOUNTS', 100, 1);
const CONCURRENCY = intSetting('BENCH_ONBOARDING_CONCURRENCY', 16, 1);
const WARMUP = intSetting('BENCH_ONBOARDING_WARMUP', 20, 0);
const SAMPLE = intSetting('BENCH_ONBOARDING_SAMPLE', 20, 0);
const LATENCY_REQUESTS = intSetting('BENCH_ONBOARDING_LATENCY_REQUESTS', 160, 0);
const LATENCY_CONCURRENCY = intSetting('BENCH_ONBOARDING_LATENCY_CONCURRENCY', 16, 1);
const TIMEOUT_MS = intSetting('BENCH_ONBOARDING_TIMEOUT_S', 180, 10) * 1000;
const KEEP = process.env.BENCH_KEEP === '1';
const POLL_MS = 100;
/** Both workers idle this long: a measure's trailing work is done. */
const QUIET_MS = 500;
const TAG = randomUUID().slice(0, 8);
const TASK_QUEUE = `bench-onboarding-${TAG}`;
const NOOP_TASK_QUEUE = `bench-onboarding-noop-${TAG}`;
const NOOP_WORKFLOWS_PATH = fileURLToPath(new URL('./noopWorkflows.ts', import.meta.url));
const PUBLIC_URL = 'http://relay.bench';
const TOKEN_SECRET = 'bench-secret-for-handoff-tokens-0123456789';
/** History event types (temporal.api.enums.v1.EventType). */
const EVENT = { workflowTaskStarted: 6, workflowTaskCompleted: 7, activityTaskStarted: 11, activityTaskCompleted: 12, markerRecorded: 25 } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const msText = (ms: number) => (!Number.isFinite(ms) ? '—' : ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : s(ms));
const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const sortedOf = (xs: number[]) => [...xs].filter(Number.isFinite).sort((a, b) => a - b);
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
/** The median as statisticians mean it (the middle two averaged), for the few rounds. */
function median(xs: number[]): number {
  const sorted = sortedOf(xs);
  if (!sorted.length) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const minMedMax = (xs: number[], digits = 1) => {
  const sorted = sortedOf(xs);
  return `${fixed(sorted[0] ?? Number.NaN, digits)} / ${fixed(median(sorted), digits)} / ${fixed(sorted.at(-1) ?? Number.NaN, digits)}`;
};

// ---- CPU by process, from /proc ---------------------------------------------------------------------

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;

interface ProcInfo { pid: number; ppid: number; comm: string; ticks: number }

/** Every process this user can see: its parent, name and CPU so far (user + system, clock ticks). */
function processes(): Map<number, ProcInfo> {
  const all = new Map<number, ProcInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
      all.set(Number(entry), {
        pid: Number(entry), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf('(') + 1, close),
        ticks: Number(fields[11]) + Number(fields[12]), // utime + stime (fields 14 and 15)
      });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return all;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The pid and its descendants. */
function treeOf(root: number, all: Map<number, ProcInfo>): number[] {
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const p of all.values()) if (p.ppid === found[i]) found.push(p.pid);
  return found.filter((pid) => all.has(pid));
}

/** A postgres process's part: a backend of this run's database, another database's, or the server's own. */
function postgresRole(pid: number): 'ours' | 'other-backend' | 'background' {
  // Backends: "postgres: 15/main: <user> <database> <host>(<port>) <state>" (cluster prefix optional).
  const backend = /^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(commandLine(pid));
  if (!backend) return 'background';
  return backend[1] === DATABASE ? 'ours' : 'other-backend';
}

interface CpuSnapshot {
  at: number;
  node: NodeJS.CpuUsage;
  temporal: Map<number, number>;
  postgres: Map<number, number>;
  postgresBackground: Map<number, number>;
  machine: { busy: number; total: number };
}

/** /proc/stat's first line: all CPUs' busy and total ticks. */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const ticks = values.map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

function createCpuMeter(temporalPid: number | null) {
  const roles = new Map<number, ReturnType<typeof postgresRole>>();
  return {
    snapshot(): CpuSnapshot {
      const all = processes();
      const temporal = new Map<number, number>();
      if (temporalPid !== null) for (const pid of treeOf(temporalPid, all)) temporal.set(pid, all.get(pid)!.ticks);
      const postgres = new Map<number, number>();
      const postgresBackground = new Map<number, number>();
      for (const p of all.values()) {
        if (p.comm !== 'postgres') continue;
        let role = roles.get(p.pid);
        if (!role) roles.set(p.pid, role = postgresRole(p.pid));
        if (role === 'ours') postgres.set(p.pid, p.ticks);
        else if (role === 'background') postgresBackground.set(p.pid, p.ticks);
      }
      return { at: performance.now(), node: process.cpuUsage(), temporal, postgres, postgresBackground, machine: machineTicks() };
    },
  };
}

interface CpuDelta { wallMs: number; nodeMs: number; temporalMs: number; postgresMs: number; postgresBackgroundMs: number; machineBusyMs: number; machineShare: number }

function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuDelta {
  // A process that started during the window counts from zero; one that ended in it is lost (a
  // backend the pool closed: rare within a measure).
  const sum = (before: Map<number, number>, after: Map<number, number>) => {
    let ticks = 0;
    for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
    return ticksToMs(ticks);
  };
  const machineTotal = b.machine.total - a.machine.total;
  return {
    wallMs: b.at - a.at,
    nodeMs: (b.node.user - a.node.user + b.node.system - a.node.system) / 1000,
    temporalMs: sum(a.temporal, b.temporal),
    postgresMs: sum(a.postgres, b.postgres),
    postgresBackgroundMs: sum(a.postgresBackground, b.postgresBackground),
    machineBusyMs: ticksToMs(b.machine.busy - a.machine.busy),
    machineShare: machineTotal > 0 ? (b.machine.busy - a.machine.busy) / machineTotal : Number.NaN,
  };
}

/** The `temporal server start-dev` this process started (openBenchTemporal's), if any. */
function findDevServerPid(): number | null {
  for (const p of processes().values()) {
    if (p.ppid === process.pid && commandLine(p.pid).includes('start-dev')) return p.pid;
  }
  return null;
}

// ---- the workers ------------------------------------------------------------------------------------

type TunerHolder = Extract<NonNullable<WorkerOptions['tuner']>, { workflowTaskSlotSupplier: unknown }>;

/**
 * The settings that decide throughput, as Relay's worker has them (whatever createRelayWorker sets
 * or leaves to the SDK's defaults), for the no-op worker: it mirrors Relay's, never its own choice.
 */
function sameSettingsAs(relay: Worker): Partial<WorkerOptions> {
  const o = relay.options;
  const slots = (supplier: (typeof o.tuner)['workflowTaskSlotSupplier'], what: string) => {
    if (supplier.type !== 'fixed-size') {
      throw new Error(`Relay's worker uses a ${supplier.type} slot supplier for ${what}: teach bench/onboarding.bench.ts (sameSettingsAs) to copy it to the no-op worker`);
    }
    return { type: 'fixed-size' as const, numSlots: supplier.numSlots };
  };
  const tuner: TunerHolder = {
    workflowTaskSlotSupplier: slots(o.tuner.workflowTaskSlotSupplier, 'workflow tasks'),
    activityTaskSlotSupplier: slots(o.tuner.activityTaskSlotSupplier, 'activities'),
    localActivityTaskSlotSupplier: slots(o.tuner.localActivityTaskSlotSupplier, 'local activities'),
    nexusTaskSlotSupplier: slots(o.tuner.nexusTaskSlotSupplier, 'Nexus tasks'),
  };
  return {
    tuner,
    maxCachedWorkflows: o.maxCachedWorkflows,
    workflowThreadPoolSize: o.workflowThreadPoolSize,
    reuseV8Context: o.reuseV8Context,
    nonStickyToStickyPollRatio: o.nonStickyToStickyPollRatio,
    stickyQueueScheduleToStartTimeout: o.stickyQueueScheduleToStartTimeoutMs,
    workflowTaskPollerBehavior: o.workflowTaskPollerBehavior,
    activityTaskPollerBehavior: o.activityTaskPollerBehavior,
    enableNonLocalActivities: o.enableNonLocalActivities,
    maxHeartbeatThrottleInterval: o.maxHeartbeatThrottleIntervalMs,
    defaultHeartbeatThrottleInterval: o.defaultHeartbeatThrottleIntervalMs,
    ...(o.maxActivitiesPerSecond !== undefined ? { maxActivitiesPerSecond: o.maxActivitiesPerSecond } : {}),
    ...(o.maxTaskQueueActivitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: o.maxTaskQueueActivitiesPerSecond } : {}),
    ...(o.maxEagerActivityReservationsPerWorkflowTask !== undefined ? { maxEagerActivityReservationsPerWorkflowTask: o.maxEagerActivityReservationsPerWorkflowTask } : {}),
  };
}

function describeSettings(w: Worker): string {
  const o = w.options;
  const n = (x: { type: string; numSlots?: number }) => (x.type === 'fixed-size' ? String(x.numSlots) : x.type);
  const pollers = (p: typeof o.workflowTaskPollerBehavior) => (p.type === 'simple-maximum' ? `≤${p.maximum}` : `autoscaling ${p.minimum}–${p.maximum}`);
  return `slots: workflow tasks ${n(o.tuner.workflowTaskSlotSupplier)}, activities ${n(o.tuner.activityTaskSlotSupplier)}, local activities ${n(o.tuner.localActivityTaskSlotSupplier)}; `
    + `pollers: workflow ${pollers(o.workflowTaskPollerBehavior)}, activity ${pollers(o.activityTaskPollerBehavior)}; cache ${o.maxCachedWorkflows} runs; `
    + `${o.workflowThreadPoolSize} workflow thread(s), reuseV8Context ${o.reuseV8Context}`;
}

/** Resolves once every worker has had nothing in flight for QUIET_MS (or after 30 s, reported). */
async function untilIdle(workers: Worker[]): Promise<boolean> {
  const deadline = performance.now() + 30_000;
  let quietSince: number | null = null;
  while (performance.now() < deadline) {
    const busy = workers.some((w) => {
      const status = w.getStatus();
      return status.numInFlightWorkflowActivations > 0 || status.numInFlightActivities > 0;
    });
    const now = performance.now();
    if (busy) quietSince = null;
    else if (quietSince === null) quietSince = now;
    else if (now - quietSince >= QUIET_MS) return true;
    await sleep(25);
  }
  return false;
}

// ---- the measures -----------------------------------------------------------------------------------

type MeasureName = 'relay' | 'noop-4' | 'noop-1-local';
const MEASURES: MeasureName[] = ['relay', 'noop-4', 'noop-1-local'];

interface Measured {
  name: MeasureName;
  round: number;
  /** Accounts (runs) that were created (started) and measured. */
  done: number;
  /** First request → the poll that saw the last one done. */
  spanMs: number;
  rate: number;
  /** First request → the last request answered. */
  sentMs: number;
  cpu: CpuDelta;
  idle: boolean;
  workflowIds: string[];
  refusals: Map<string, number>;
}

/** `total` calls of `send(i)`, `concurrency` at a time; each call's outcome kept in order. */
async function inFlight<T>(total: number, concurrency: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const i = next++;
      results[i] = await send(i);
    }
  }));
  return results;
}

/** Polls `progress()` every POLL_MS until it reaches `want()` (read each time), or the timeout; the time of the poll that saw it. */
async function pollUntil(progress: () => Promise<number>, want: () => number | null, startedAt: number, what: string): Promise<number> {
  for (;;) {
    const polledAt = performance.now();
    const target = want();
    if (target !== null && await progress() >= target) return polledAt;
    if (polledAt - startedAt > TIMEOUT_MS) throw new Error(`${what}: not done after ${s(TIMEOUT_MS)} (BENCH_ONBOARDING_TIMEOUT_S)`);
    await sleep(Math.max(0, POLL_MS - (performance.now() - polledAt)));
  }
}

/** A history event's time (a protobuf Timestamp: seconds as a Long or a number, and nanoseconds), in ms. */
function tsToMs(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): number {
  if (!ts) return Number.NaN;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds?.toNumber() ?? 0;
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

interface RunTimes {
  /** WorkflowExecutionStarted → the first WorkflowTaskStarted. */
  firstTask: number;
  /** Every workflow task's wait in the queue (scheduled → started), summed. */
  taskQueue: number;
  /** Every workflow task's time in the worker (started → completed: local activities included), summed. */
  taskRun: number;
  /** Every ordinary activity's wait in the queue (scheduled → started), summed. */
  activityQueue: number;
  /** Every ordinary activity's execution (started → completed), summed. */
  activityRun: number;
  /** WorkflowExecutionStarted → the last activity completed (or local activity marker recorded). */
  throughLastActivity: number;
}
const RUN_TIMES: (keyof RunTimes)[] = ['firstTask', 'taskQueue', 'taskRun', 'activityQueue', 'activityRun', 'throughLastActivity'];

interface HistoryEvent {
  eventId?: { toNumber(): number } | number | null;
  eventTime?: Parameters<typeof tsToMs>[0];
  eventType?: number | null;
  workflowTaskStartedEventAttributes?: { scheduledEventId?: { toNumber(): number } | number | null } | null;
  workflowTaskCompletedEventAttributes?: { startedEventId?: { toNumber(): number } | number | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: { toNumber(): number } | number | null } | null;
  activityTaskCompletedEventAttributes?: { startedEventId?: { toNumber(): number } | number | null } | null;
}
const idOf = (id: { toNumber(): number } | number | null | undefined) => (typeof id === 'number' ? id : id?.toNumber() ?? 0);

/** Where a run's time went, from its history (server clock). */
function runTimes(events: HistoryEvent[]): RunTimes | null {
  const at = new Map(events.map((e) => [idOf(e.eventId), tsToMs(e.eventTime)]));
  const start = tsToMs(events[0]?.eventTime);
  const times: RunTimes = { firstTask: Number.NaN, taskQueue: 0, taskRun: 0, activityQueue: 0, activityRun: 0, throughLastActivity: Number.NaN };
  for (const e of events) {
    const time = tsToMs(e.eventTime);
    switch (e.eventType) {
      case EVENT.workflowTaskStarted:
        if (Number.isNaN(times.firstTask)) times.firstTask = time - start;
        times.taskQueue += time - (at.get(idOf(e.workflowTaskStartedEventAttributes?.scheduledEventId)) ?? time);
        break;
      case EVENT.workflowTaskCompleted:
        times.taskRun += time - (at.get(idOf(e.workflowTaskCompletedEventAttributes?.startedEventId)) ?? time);
        break;
      case EVENT.activityTaskStarted:
        times.activityQueue += time - (at.get(idOf(e.activityTaskStartedEventAttributes?.scheduledEventId)) ?? time);
        break;
      case EVENT.activityTaskCompleted:
        times.activityRun += time - (at.get(idOf(e.activityTaskCompletedEventAttributes?.startedEventId)) ?? time);
        times.throughLastActivity = time - start;
        break;
      case EVENT.markerRecorded:
        times.throughLastActivity = time - start;
        break;
    }
  }
  return Number.isNaN(times.firstTask) ? null : times;
}

/** The times of up to SAMPLE runs, spread over the measure's runs in the order they were started. */
async function sampleRunTimes(client: Client, workflowIds: string[]): Promise<RunTimes[]> {
  const picked = SAMPLE >= workflowIds.length ? workflowIds
    : Array.from({ length: SAMPLE }, (_, k) => workflowIds[Math.floor((k * workflowIds.length) / SAMPLE)]!);
  const found: RunTimes[] = [];
  await inFlight(picked.length, 4, async (i) => {
    const history = await client.workflow.getHandle(picked[i]!).fetchHistory();
    const times = runTimes((history.events ?? []) as HistoryEvent[]);
    if (times) found.push(times);
  });
  return found;
}

// ---- the run ----------------------------------------------------------------------------------------

interface RoundFigures { measured: Map<MeasureName, Measured>; runs: Map<MeasureName, RunTimes[]> }

async function main(): Promise<string> {
  const benchStarted = performance.now();
  let server: DevServer | null = null;
  let clientConnection: Connection | null = null;
  let workerConnection: NativeConnection | null = null;
  const workers: { worker: Worker; running: Promise<void> }[] = [];
  let http: RunningHttpServer | null = null;
  let apiDatabase: DatabaseHandle | null = null;
  let workerDatabase: DatabaseHandle | null = null;
  try {
    const databaseUrl = await recreateDatabase(DATABASE);
    // Two pools of the default size, as the API and the worker have in their own processes.
    apiDatabase = await openDatabase({ url: databaseUrl, dataDir: '.data' });
    workerDatabase = await openDatabase({ url: databaseUrl, dataDir: '.data' });
    await apiDatabase.migrate();
    const db = apiDatabase.db;

    const temporal = await openBenchTemporal();
    server = temporal.server;
    clientConnection = temporal.connection;
    const { address, client } = temporal;
    const temporalPid = server ? findDevServerPid() : null;
    if (server && temporalPid === null) console.log('  (could not find the dev server\'s process: no Temporal CPU figures)');
    workerConnection = await NativeConnection.connect({ address });
    const mailer = createDevOutboxMailer();
    const relayWorker = await createRelayWorker({
      connection: workerConnection, namespace: 'default', taskQueue: TASK_QUEUE,
      activityDeps: { db: workerDatabase.db, mailer, drafter: createRuleBasedDrafter(), publicUrl: PUBLIC_URL, tokenSecret: TOKEN_SECRET },
    });
    const noopActivities: NoopActivities = { noopStep: async () => {} };
    /** When each no-op run's last workflow task was done, by workflow ID (the runs' sink). */
    const noopDoneAt = new Map<string, number>();
    const sinks: InjectedSinks<NoopSinks> = { bench: { done: { fn: (info) => { noopDoneAt.set(info.workflowId, performance.now()); } } } };
    const noopWorker = await Worker.create({
      ...sameSettingsAs(relayWorker),
      connection: workerConnection, namespace: 'default', taskQueue: NOOP_TASK_QUEUE,
      workflowsPath: NOOP_WORKFLOWS_PATH, activities: noopActivities, sinks,
    });
    for (const worker of [relayWorker, noopWorker]) workers.push({ worker, running: worker.run() });
    const bothWorkers = [relayWorker, noopWorker];

    const deps: AppDeps = {
      db, temporal: client, taskQueue: TASK_QUEUE, namespace: 'default', temporalUiUrl: 'http://temporal-ui.bench',
      devOutbox: false, mailer, publicUrl: PUBLIC_URL, secureCookies: false,
      checkReadiness: async () => ({ database: true, temporal: true, workers: true }),
    };
    const app = createApp(deps);
    http = await startHttpServer((request) => app.fetch(request), 0);
    const base = `http://127.0.0.1:${http.port}`;
    const org = await seedOrganisation(db, {
      name: 'Bench Onboarding Org', slug: `bench-onboarding-${TAG}`,
      admin: { email: 'admin@bench.example', name: 'Bench Admin' }, csms: [{ email: 'csm@bench.example', name: 'Bench CSM' }],
    });
    const meter = createCpuMeter(temporalPid);

    console.log(`onboarding: ${ROUNDS} rounds × ${ACCOUNTS} per measure, ${CONCURRENCY} in flight; ${DATABASE}; Temporal ${server ? `dev server (own, pid ${temporalPid ?? '?'})` : `at ${address}`}; API on ${base}; both workers in this process (pid ${process.pid})`);
    console.log(`  worker settings (Relay's, copied to the no-op worker): ${describeSettings(relayWorker)}`);
    const differs = describeSettings(noopWorker) !== describeSettings(relayWorker);
    if (differs) console.log(`  NOTE: the no-op worker differs: ${describeSettings(noopWorker)}`);

    // ---- one measure of each kind ----

    const handoffEmails = async () => (await db.select({ n: count() }).from(outboxEmails)
      .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'handoff_link'))))[0]?.n ?? 0;
    let accountSeq = 0;
    const createOne = async (at = base): Promise<{ status: number; id: string | null; workflowId: string | null; ms: number }> => {
      const i = ++accountSeq;
      const domain = `onboarding-${i}-${randomUUID().slice(0, 8)}.example`;
      const sentAt = performance.now();
      const res = await fetch(`${at}/api/accounts`, {
        method: 'POST', headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          companyName: `Onboarding ${i}`, arr: 48_000, closeDate: '2026-11-01', primaryContactName: `Contact ${i}`,
          primaryContactEmail: `contact@${domain}`, website: `https://${domain}`, aeEmail: 'ae@relay.test', templateName: 'Quick Start',
        }),
      });
      const body = await res.text();
      const ms = performance.now() - sentAt;
      if (res.status !== 201) return { status: res.status, id: null, workflowId: null, ms };
      const created = JSON.parse(body) as { id: string; workflowId: string };
      return { status: 201, id: created.id, workflowId: created.workflowId, ms };
    };
    const tally = (statuses: number[]) => {
      const refusals = new Map<string, number>();
      for (const status of statuses) if (status !== 201) refusals.set(String(status), (refusals.get(String(status)) ?? 0) + 1);
      return refusals;
    };

    async function measureRelay(round: number, total: number): Promise<Measured> {
      const emailsBefore = await handoffEmails();
      const before = meter.snapshot();
      const startedAtWall = Date.now();
      let created: number | null = null;
      let sentMs = 0;
      const sending = inFlight(total, CONCURRENCY, () => createOne()).then((results) => {
        sentMs = performance.now() - before.at;
        created = results.filter((r) => r.status === 201).length;
        return results;
      });
      await pollUntil(handoffEmails, () => (created === null ? null : emailsBefore + created), before.at, `relay round ${round}`);
      const results = await sending;
      const idle = await untilIdle(bothWorkers);
      const cpu = cpuBetween(before, meter.snapshot());
      const workflowIds = results.flatMap((r) => (r.workflowId ? [r.workflowId] : []));
      // The poll only noticed it: the last email's own time (same machine's clock) is the end.
      const accountIds = results.flatMap((r) => (r.id ? [r.id] : []));
      const [last] = await db.select({ at: max(outboxEmails.createdAt) }).from(outboxEmails)
        .where(and(eq(outboxEmails.orgId, org.orgId), eq(outboxEmails.kind, 'handoff_link'), inArray(outboxEmails.accountId, accountIds)));
      const spanMs = (last?.at?.getTime() ?? Number.NaN) - startedAtWall;
      return { name: 'relay', round, done: workflowIds.length, spanMs, rate: workflowIds.length / (spanMs / 1000), sentMs, cpu, idle, workflowIds, refusals: tally(results.map((r) => r.status)) };
    }

    async function measureNoop(name: 'noop-4' | 'noop-1-local', round: number, total: number): Promise<Measured> {
      const workflowType = name === 'noop-4' ? 'noopFourActivities' : 'noopOneLocalActivity';
      const before = meter.snapshot();
      let started: number | null = null;
      let sentMs = 0;
      const ids: string[] = [];
      const finished = async () => ids.filter((id) => noopDoneAt.has(id)).length;
      const starting = inFlight(total, CONCURRENCY, async (i) => {
        const workflowId = `bench-${name}-${TAG}-r${round}-${i}`;
        try {
          if (name === 'noop-4') await client.workflow.start<typeof noopFourActivities>(workflowType, { taskQueue: NOOP_TASK_QUEUE, workflowId, args: [] });
          else await client.workflow.start<typeof noopOneLocalActivity>(workflowType, { taskQueue: NOOP_TASK_QUEUE, workflowId, args: [] });
          return { status: 201, workflowId };
        } catch (error) {
          return { status: 0, workflowId: null, error: error instanceof Error ? error.message : String(error) };
        }
      }).then((results) => {
        sentMs = performance.now() - before.at;
        for (const r of results) if (r.workflowId) ids.push(r.workflowId);
        started = ids.length;
        return results;
      });
      await pollUntil(finished, () => (started === null ? null : started), before.at, `${name} round ${round}`);
      const results = await starting;
      const idle = await untilIdle(bothWorkers);
      const cpu = cpuBetween(before, meter.snapshot());
      const workflowIds = results.flatMap((r) => (r.workflowId ? [r.workflowId] : []));
      const spanMs = Math.max(...workflowIds.map((id) => noopDoneAt.get(id)!)) - before.at;
      return { name, round, done: workflowIds.length, spanMs, rate: workflowIds.length / (spanMs / 1000), sentMs, cpu, idle, workflowIds, refusals: tally(results.map((r) => r.status)) };
    }

    const measure = (name: MeasureName, round: number, total: number) => (name === 'relay' ? measureRelay(round, total) : measureNoop(name, round, total));

    if (WARMUP > 0) {
      const warmStarted = performance.now();
      for (const name of MEASURES) {
        await measure(name, 0, WARMUP);
        await sleep(500);
      }
      console.log(`  warm-up: ${WARMUP} of each, untimed (${s(performance.now() - warmStarted)}; set-up ${s(warmStarted - benchStarted)})`);
    }

    // ---- the rounds ----

    const rounds: RoundFigures[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const measured = new Map<MeasureName, Measured>();
      const slowBefore = slowWorkflowTasks;
      for (const name of MEASURES) {
        measured.set(name, await measure(name, round, ACCOUNTS));
        await sleep(500);
      }
      // Untimed: every Relay account of the round is in pending_handoff, and the first-task waits.
      const relay = measured.get('relay')!;
      const accountIds = await db.select({ id: accounts.id }).from(accounts)
        .where(and(eq(accounts.orgId, org.orgId), inArray(accounts.workflowId, relay.workflowIds), eq(accounts.status, 'pending_handoff')));
      if (accountIds.length !== relay.done) throw new Error(`round ${round}: ${relay.done} accounts created but ${accountIds.length} in pending_handoff`);
      const runs = new Map<MeasureName, RunTimes[]>();
      for (const name of MEASURES) runs.set(name, await sampleRunTimes(client, measured.get(name)!.workflowIds));
      rounds.push({ measured, runs });
      const line = MEASURES.map((name) => {
        const m = measured.get(name)!;
        const refused = [...m.refusals].map(([status, n]) => `${n}× ${status}`).join(', ');
        return `${name} ${fixed(m.rate)}/s (${m.done} in ${s(m.spanMs)}, sent in ${s(m.sentMs)}${refused ? `; refused ${refused}` : ''}${m.idle ? '' : '; workers not idle after 30 s'})`;
      }).join(' · ');
      const relayRate = relay.rate;
      console.log(`  round ${round}: ${line} · relay/noop-1-local ${fixed(relayRate / measured.get('noop-1-local')!.rate, 2)} · machine ${fixed(relay.cpu.machineShare * 100, 0)}% busy during relay${slowWorkflowTasks > slowBefore ? ` · ${slowWorkflowTasks - slowBefore} workflow tasks over 5 s` : ''}`);
    }

    // ---- POST /api/accounts latency, apart ----

    let latencyLines = ['skipped (BENCH_ONBOARDING_LATENCY_REQUESTS=0)'];
    if (LATENCY_REQUESTS > 0) {
      // Twice: the API in this process (sharing its event loop with both workers' activities), then one
      // api/server.ts process of its own, as production runs it (`npm run api`), the same burst each.
      const burst = async (where: string, at: string) => {
        await untilIdle(bothWorkers);
        const started = performance.now();
        const results = await inFlight(LATENCY_REQUESTS, LATENCY_CONCURRENCY, () => createOne(at));
        const spanMs = performance.now() - started;
        const ok = sortedOf(results.filter((r) => r.status === 201).map((r) => r.ms));
        const refused = [...tally(results.map((r) => r.status))].map(([status, n]) => `${n}× ${status}`).join(', ');
        return `${where}: ${LATENCY_REQUESTS} requests, ${LATENCY_CONCURRENCY} in flight, in ${s(spanMs)} (${fixed(LATENCY_REQUESTS / (spanMs / 1000))}/s): `
          + `201 after p50 ${msText(percentile(ok, 50))}, p95 ${msText(percentile(ok, 95))}, max ${msText(percentile(ok, 100))}${refused ? `; refused ${refused}` : ''}`;
      };
      latencyLines = [await burst('API in this process', base)];
      const own = await startApiProcesses(1, {
        DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, RELAY_SECRET: TOKEN_SECRET, RELAY_PUBLIC_URL: PUBLIC_URL,
      });
      try {
        latencyLines.push(await burst('API in a process of its own (api/server.ts)', own.bases[0]!));
      } finally {
        await stopApiProcesses(own.children);
      }
      // Their onboarding is left unfinished: the workers' shutdown lets what is in flight end, and the
      // database and the dev server go with the rest.
    }

    // ---- the summary ----

    const all = (name: MeasureName) => rounds.map((r) => r.measured.get(name)!);
    const perRun = (m: Measured, pick: (c: CpuDelta) => number) => pick(m.cpu) / m.done;
    console.log(`\nonboarding (${ROUNDS} rounds × ${ACCOUNTS}, ${CONCURRENCY} in flight; min / median / max over rounds; ${new Date().toISOString().slice(0, 16)}Z, ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} load):`);
    const rows: string[][] = [['measure', 'rate /s', 'ratio to noop-1-local', 'Node ms/run', 'Temporal ms/run', 'Postgres ms/run', 'sum ms/run', 'first task wait p50 / p95 / max']];
    for (const name of MEASURES) {
      const ms = all(name);
      const waits = sortedOf(rounds.flatMap((r) => r.runs.get(name)!.map((x) => x.firstTask)));
      const ratios = rounds.map((r) => r.measured.get(name)!.rate / r.measured.get('noop-1-local')!.rate);
      rows.push([
        name, minMedMax(ms.map((m) => m.rate)), minMedMax(ratios, 2),
        minMedMax(ms.map((m) => perRun(m, (c) => c.nodeMs))),
        server ? minMedMax(ms.map((m) => perRun(m, (c) => c.temporalMs))) : '— (not this run\'s)',
        minMedMax(ms.map((m) => perRun(m, (c) => c.postgresMs))),
        minMedMax(ms.map((m) => perRun(m, (c) => c.nodeMs + c.temporalMs + c.postgresMs))),
        `${msText(percentile(waits, 50))} / ${msText(percentile(waits, 95))} / ${msText(percentile(waits, 100))} (${waits.length} runs)`,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const tableLine = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(tableLine(rows[0]!));
    console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
    for (const r of rows.slice(1)) console.log(tableLine(r));
    const relayAll = all('relay');
    console.log(`  relay/noop-4: ${minMedMax(rounds.map((r) => r.measured.get('relay')!.rate / r.measured.get('noop-4')!.rate), 2)}; relay requests answered at ${minMedMax(relayAll.map((m) => m.done / (m.sentMs / 1000)))}/s (runs started faster than the worker finishes them wait in the queue)`);
    const cpuSum = (m: Measured) => perRun(m, (c) => c.nodeMs + c.temporalMs + c.postgresMs);
    const cpuRatio = (name: MeasureName) => minMedMax(rounds.map((r) => cpuSum(r.measured.get('noop-1-local')!) / cpuSum(r.measured.get(name)!)), 2);
    console.log(`  by CPU instead of wall time (noop-1-local's Node + Temporal + Postgres ms per run ÷ the measure's, per round; steadier than rates on a busy machine): relay ${cpuRatio('relay')}, noop-4 ${cpuRatio('noop-4')}`);
    console.log(`  Postgres background processes (checkpointer, WAL writer, autovacuum; shared with every database on the server), ms per run: ${MEASURES.map((name) => `${name} ${minMedMax(all(name).map((m) => perRun(m, (c) => c.postgresBackgroundMs)))}`).join('; ')}`);
    console.log(`  machine busy during the measures (both cores, every process): ${MEASURES.map((name) => `${name} ${minMedMax(all(name).map((m) => m.cpu.machineShare * 100), 0)}%`).join('; ')}; not ours (other users of the machine), ms per run: ${MEASURES.map((name) => `${name} ${minMedMax(all(name).map((m) => perRun(m, (c) => c.machineBusyMs - c.nodeMs - c.temporalMs - c.postgresMs - c.postgresBackgroundMs)), 0)}`).join('; ')}`);
    console.log(`  first workflow task wait: WorkflowExecutionStarted → first WorkflowTaskStarted in the run's history (server clock), ${SAMPLE} runs per measure and round, spread over the measure`);
    console.log('  where a sampled run\'s time went (history, server clock; median over the sampled runs, p95 in brackets):');
    const labels: Record<keyof RunTimes, string> = {
      firstTask: 'start → first workflow task', taskQueue: 'workflow tasks queued (sum)', taskRun: 'workflow tasks in worker (sum)', activityQueue: 'activities queued (sum)',
      activityRun: 'activities running (sum)', throughLastActivity: 'start → last activity done',
    };
    for (const key of RUN_TIMES) {
      console.log(`    ${labels[key].padEnd(30)} ${MEASURES.map((name) => {
        const xs = sortedOf(rounds.flatMap((r) => r.runs.get(name)!.map((x) => x[key])));
        return `${name} ${msText(percentile(xs, 50))} (${msText(percentile(xs, 95))})`;
      }).join(' · ')}`);
    }
    for (const line of latencyLines) console.log(`  POST /api/accounts, ${line}`);
    console.log(`  workflow tasks that took over 5 s (the SDK's TMPRL1104 warning), whole run: ${slowWorkflowTasks}`);
    console.log(`  whole benchmark ${s(performance.now() - benchStarted)}`);
    const ratio = median(rounds.map((r) => r.measured.get('relay')!.rate / r.measured.get('noop-1-local')!.rate));
    return `relay/noop-1-local ratio: ${ratio.toFixed(2)}`;
  } finally {
    const steps: [string, () => Promise<unknown>][] = [
      ['stop the HTTP server', async () => { await http?.close(); }],
      ['stop the workers', async () => {
        for (const { worker } of workers) worker.shutdown();
        await Promise.all(workers.map((w) => w.running));
      }],
      ['close Temporal connections', async () => { await workerConnection?.close(); await clientConnection?.close(); }],
      ['stop the dev server', async () => { await server?.stop(); }],
      ['close the pools', async () => { await apiDatabase?.close(); await workerDatabase?.close(); }],
      ['drop the database', async () => { if (!KEEP) await dropDatabase(DATABASE); }],
    ];
    const cleanUpStarted = performance.now();
    await cleanUp(steps.map(([what, step]) => [what, async () => {
      const started = performance.now();
      await step();
      if (process.env.BENCH_DEBUG) console.log(`  clean-up: ${what} ${s(performance.now() - started)}`);
    }]));
    console.log(`  clean-up ${s(performance.now() - cleanUpStarted)}`);
    if (KEEP) console.log(`kept ${DATABASE}`);
  }
}

main().then((last) => {
  // Last, after the clean-up's own lines: a script reads this one.
  console.log(last);
}, (error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
