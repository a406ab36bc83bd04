import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancelledFailure } from '@temporalio/common';
import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.ts';
import { loadEnv, publicUrl, type Env } from './config/env.ts';
import { buildDrafter, buildMailer, describeProviders, resolveTokenSecret } from './platform/providers.ts';
import { openDatabase, type Database } from './db/client.ts';
import { startOpsServer } from './platform/httpServer.ts';
import { log } from './platform/log.ts';
import { createMetrics, type RelayMetrics } from './platform/metrics.ts';
import { installTemporalRuntime, startTracing, type Tracing } from './platform/telemetry.ts';
import { connectTemporal } from './platform/temporalClient.ts';
import { ensureHealthWorkflows } from './services/health/schedules.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface RelayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activityDeps: ActivityDeps;
  /** A pre-built bundle (tests build one per file); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Each activity attempt is measured here (relay_activity_duration_seconds). */
  metrics?: RelayMetrics;
  /** OpenTelemetry (platform/telemetry.ts's startTracing), when on: activity and workflow spans. */
  tracing?: Tracing['worker'] | null;
  /** On shutdown, tasks in hand get this long to finish before their activities are cancelled (default: the SDK's, none). */
  shutdownGraceMs?: number;
}

/** Times every activity attempt on this worker, by activity type and outcome. */
function activityMetrics(metrics: RelayMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const started = performance.now();
        let outcome: 'completed' | 'failed' | 'cancelled' = 'failed';
        try {
          const result = await next(input);
          outcome = 'completed';
          return result;
        } catch (error) {
          outcome = error instanceof CancelledFailure || ctx.cancellationSignal.aborted ? 'cancelled' : 'failed';
          throw error;
        } finally {
          metrics.observeActivity({ activity: ctx.info.activityType, outcome, seconds: (performance.now() - started) / 1000 });
        }
      },
    },
  });
}

/** How long a cached run's next task waits for the worker that cached it (see createRelayWorker). */
export const STICKY_QUEUE_TIMEOUT = '3s';

export async function createRelayWorker(opts: RelayWorkerOptions): Promise<Worker> {
  // A prebuilt bundle of its own when tracing: `npm run build:workflows` writes one with the workflow
  // interceptors in it beside the plain one, so the plain one stays exactly the replay-tested code.
  const prebuilt = opts.workflowBundle ? undefined : prebuiltWorkflowBundle({ tracing: Boolean(opts.tracing) });
  const workflowBundle = opts.workflowBundle ?? prebuilt;
  if (opts.tracing && opts.workflowBundle) {
    // A bundle built elsewhere (a test's) has no workflow interceptors in it.
    log.warn('tracing with a given workflow bundle: no spans from inside workflows, so activity spans start traces of their own');
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.activityDeps),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: {
      activity: [...(opts.metrics ? [activityMetrics(opts.metrics)] : []), ...(opts.tracing?.activityInterceptors ?? [])],
      // Only when tracing is on: off, the workflow bundle is exactly what it was without tracing.
      ...(opts.tracing && !workflowBundle ? { workflowModules: opts.tracing.workflowModules } : {}),
    },
    ...(opts.tracing ? { sinks: opts.tracing.sinks } : {}),
    // A run stays cached on the worker that last ran it, and its next task (an AE's handoff, a CSM's
    // milestone) waits on that worker's own queue. If that worker died (SIGKILL, OOM, lost host), the
    // server hands the task to the shared queue only after this timeout; the SDK's 10 s default equals
    // the API's accept window for updates (services/workflowUpdates.ts), so the first action after a
    // crash answered 503. 3 s leaves 7 s for another worker to replay the run and accept. The cost: a
    // worker too busy to take its own run's task within 3 s loses it to another, which replays the
    // history (an account's is under 100 events: milliseconds).
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    // Past the grace period the activities still running are cancelled; 10 s later the worker gives up waiting.
    ...(opts.shutdownGraceMs === undefined ? {} : { shutdownGraceTime: opts.shutdownGraceMs, shutdownForceTime: opts.shutdownGraceMs + 10_000 }),
  });
}

/** The activities' dependencies from the environment: the providers it configures, or their stand-ins. */
export function buildActivityDeps(env: Env, db: Database): ActivityDeps {
  return {
    db, mailer: buildMailer(env), drafter: buildDrafter(env), publicUrl: publicUrl(env), tokenSecret: resolveTokenSecret(env),
    ...(env.HUBSPOT_BASE_URL ? { hubspotBaseUrl: env.HUBSPOT_BASE_URL } : {}),
    ...(env.NOTION_BASE_URL ? { notionBaseUrl: env.NOTION_BASE_URL } : {}),
  };
}

/** Where `npm run build:workflows` writes the workflow bundle and workers look for it. */
export function workflowBundlePath(env = loadEnv()): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), env.RELAY_WORKFLOW_BUNDLE);
}

/** The bundle with OpenTelemetry's workflow interceptors in it, written beside the plain one. */
export function tracingBundlePath(codePath: string): string {
  return codePath.endsWith('.js') ? `${codePath.slice(0, -3)}.tracing.js` : `${codePath}.tracing.js`;
}

/**
 * Production runs only the prebuilt bundle (the code that was built and replay-tested, not whatever
 * is on disk at start-up, and no seconds of bundling per start); development bundles workflows/ as
 * edited, so a leftover bundle can never hide an edit. With tracing on, the variant that carries the
 * workflow interceptors (the same workflow code).
 */
function prebuiltWorkflowBundle(opts: { tracing: boolean }): { codePath: string } | undefined {
  const env = loadEnv();
  if (env.NODE_ENV !== 'production') return undefined;
  const plain = workflowBundlePath(env);
  const codePath = opts.tracing ? tracingBundlePath(plain) : plain;
  if (!existsSync(codePath)) {
    throw new Error(`no prebuilt workflow bundle at ${codePath}: run \`npm run build:workflows\` when building (the Dockerfile does), or set RELAY_WORKFLOW_BUNDLE`);
  }
  log.info('worker runs the prebuilt workflow bundle', { codePath });
  return { codePath };
}

/**
 * The worker on its own (production shape): needs TEMPORAL_ADDRESS and DATABASE_URL. On SIGTERM or
 * SIGINT (the SDK's runtime listens) it stops polling, finishes the tasks in hand within
 * RELAY_SHUTDOWN_GRACE_MS, then closes its connections and exits 0.
 */
async function main(): Promise<void> {
  const env = loadEnv();
  if (!env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required to run the worker on its own (npm start runs everything together)');
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required to run the worker on its own: the embedded database belongs to one process');
  // Before any connection: the runtime (its logger, its Prometheus exporter) is installed once.
  installTemporalRuntime({ prometheusAddress: env.RELAY_TEMPORAL_METRICS_ADDRESS });
  const tracing = startTracing(env, 'worker');
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.RELAY_DATA_DIR });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
  const metrics = createMetrics({ db: database.db, temporal: temporal.client, token: env.RELAY_METRICS_TOKEN, defaultMetrics: true });
  const worker = await createRelayWorker({
    connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE,
    activityDeps: buildActivityDeps(env, database.db), metrics, shutdownGraceMs: env.RELAY_SHUTDOWN_GRACE_MS, tracing: tracing?.worker,
  });
  const ops = env.RELAY_WORKER_METRICS_PORT === undefined ? null : await startOpsServer({
    port: env.RELAY_WORKER_METRICS_PORT, hostname: env.HOST, metrics,
    ready: () => ({ ready: worker.getState() === 'RUNNING', state: worker.getState() }),
  });
  // Every organisation's nightly scoring schedule and the rescorer, brought in line at each start
  // (idempotent: several workers starting together all find the same schedules and the same rescorer).
  try {
    await ensureHealthWorkflows({ db: database.db, temporal: temporal.client, taskQueue: env.TEMPORAL_TASK_QUEUE });
  } catch (error) {
    // The worker is still useful without them; the next start tries again.
    log.warn('could not bring the health schedules in line', { error: error instanceof Error ? error.message : String(error) });
  }
  const running = worker.run();
  log.info('worker started', {
    taskQueue: env.TEMPORAL_TASK_QUEUE, address: env.TEMPORAL_ADDRESS, database: database.where, ...describeProviders(env),
    ...(ops ? { opsPort: ops.port } : {}), ...(env.RELAY_TEMPORAL_METRICS_ADDRESS ? { temporalMetrics: env.RELAY_TEMPORAL_METRICS_ADDRESS } : {}),
  });
  try {
    await running;
    log.info('worker stopped: tasks in hand finished', { taskQueue: env.TEMPORAL_TASK_QUEUE });
  } finally {
    await ops?.close({ graceMs: 1_000 });
    await temporal.connection.close();
    await connection.close();
    await database.close();
    await tracing?.shutdown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(() => process.exit(0), (error: unknown) => {
    log.error('worker stopped', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}
