// `npm start`: everything on one machine, in one process — a Temporal dev server (with its Web UI),
// the database (PGlite unless DATABASE_URL), migrations, demo data on first run, the worker and the API.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from '../api/app.tsx';
import { loadEnv, publicUrl } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { DEMO_ACCOUNTS, seedDemo } from '../db/seed/seedDemo.ts';
import { buildAppDeps } from '../api/appDeps.ts';
import { startHttpServer } from '../platform/httpServer.ts';
import { createMetrics } from '../platform/metrics.ts';
import { installTemporalRuntime, startTracing } from '../platform/telemetry.ts';
import { describeProviders } from '../platform/providers.ts';
import { connectTemporal, ensureReconcileSchedule, ensureSearchAttributes } from '../platform/temporalClient.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { startTemporalDevServer, type DevServer } from '../platform/temporalDevServer.ts';
import { createAccount } from '../services/createAccount.ts';
import { startHealthRun } from '../services/health/runs.ts';
import { ensureHealthWorkflows } from '../services/health/schedules.ts';
import { sendDemoEvents } from './demoEvents.ts';
import { healthScheduleId } from '../workflows/healthDefinitions.ts';
import { buildActivityDeps, createRelayWorker } from '../worker.ts';
import { RECONCILE_SCHEDULE_ID } from '../workflows/definitions.ts';

const env = loadEnv();
// The SDK narrates bundling and every worker state change at INFO; a newcomer needs the URLs, not that.
// With RELAY_TEMPORAL_METRICS_ADDRESS the SDK's own metrics (temporal_*) are served there.
installTemporalRuntime({ level: 'WARN', prometheusAddress: env.RELAY_TEMPORAL_METRICS_ADDRESS });
const dataDir = resolve(PROJECT_ROOT, env.RELAY_DATA_DIR);
mkdirSync(dataDir, { recursive: true });
const say = (line: string) => process.stdout.write(`${line}\n`);

async function startTemporal(): Promise<{ address: string; uiUrl: string | null; stop(): Promise<void> }> {
  if (env.TEMPORAL_ADDRESS) return { address: env.TEMPORAL_ADDRESS, uiUrl: env.TEMPORAL_UI_URL, stop: async () => {} };
  const found = spawnSync('sh', [join(PROJECT_ROOT, 'scripts/ensure-temporal.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const cli = found.stdout.trim();
  const uiPort = Number(new URL(env.TEMPORAL_UI_URL).port || 8233);
  if (cli) {
    say(`Starting the Temporal dev server (${cli}); its runs are kept in ${join(env.RELAY_DATA_DIR, 'temporal.db')}`);
    const server: DevServer = await startTemporalDevServer({
      cli, port: Number(process.env.TEMPORAL_PORT ?? 7233), uiPort, dbFile: join(dataDir, 'temporal.db'),
      logFile: createWriteStream(join(dataDir, 'temporal.log'), { flags: 'a' }),
    });
    return server;
  }
  say('No Temporal CLI found and no Go to build one: letting the Temporal SDK download its dev server.');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const testEnv = await TestWorkflowEnvironment.createLocal({ server: { ui: true, uiPort, dbFilename: join(dataDir, 'temporal.db') } });
  return { address: testEnv.address, uiUrl: env.TEMPORAL_UI_URL, stop: () => testEnv.teardown() };
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function main(): Promise<void> {
  const temporalServer = await startTemporal();
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir });
  await database.migrate();
  const connected = await connectTemporal(temporalServer.address, env.TEMPORAL_NAMESPACE);
  // OTEL_EXPORTER_OTLP_ENDPOINT: traces from requests through the client into workflows and activities.
  const tracing = startTracing(env, 'relay');
  const temporal = tracing
    ? { connection: connected.connection, client: new Client({ connection: connected.connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: tracing.clientInterceptors }) }
    : connected;
  await ensureSearchAttributes(temporal.connection, env.TEMPORAL_NAMESPACE);
  await ensureReconcileSchedule(temporal.client, { taskQueue: env.TEMPORAL_TASK_QUEUE });

  const seed = await seedDemo(database.db, { adminEmail: env.RELAY_SEED_ADMIN_EMAIL, apiKey: env.RELAY_SEED_API_KEY, writeKey: env.RELAY_SEED_WRITE_KEY });
  const activityDeps = buildActivityDeps(env, database.db);
  // One registry for the process: the app's /metrics shows the requests and the in-process worker's activities.
  const metrics = createMetrics({ db: database.db, temporal: temporal.client, token: env.RELAY_METRICS_TOKEN, defaultMetrics: true });
  let stopping = false;
  const workerConnection = await NativeConnection.connect({ address: temporalServer.address });
  const worker = await createRelayWorker({
    connection: workerConnection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, activityDeps,
    metrics, shutdownGraceMs: env.RELAY_SHUTDOWN_GRACE_MS, tracing: tracing?.worker,
  });
  const workerDone = worker.run();
  // Every organisation's nightly scoring schedule and the rescorer of changed accounts.
  await ensureHealthWorkflows({ db: database.db, temporal: temporal.client, taskQueue: env.TEMPORAL_TASK_QUEUE });
  // Development mode: the dev outbox pages are served here and nowhere else. They hand sign-in links
  // to whoever opens them, so only while the app listens on this machine alone (HOST is loopback).
  const loopback = isLoopback(env.HOST);
  const appDeps = { ...buildAppDeps(env, database, temporal, activityDeps.mailer, { devMode: loopback }), metrics, isShuttingDown: () => stopping };
  const server = await startHttpServer(createApp(appDeps).fetch, env.PORT, env.HOST);

  if (seed.created) {
    for (const account of DEMO_ACCOUNTS) await createAccount(appDeps, seed.orgId, account);
    // A few weeks of events for them, scored at once: health on the first look.
    await sendDemoEvents(database.db, seed.orgId);
    await startHealthRun(appDeps, seed.orgId);
  }

  const base = publicUrl(env);
  say('');
  say('Relay is running.');
  say(`  App:          ${base}`);
  say(`  Sign in:      ${base}/login as ${env.RELAY_SEED_ADMIN_EMAIL} (admin); the sign-in link arrives by email${appDeps.devOutbox ? ', here: the dev outbox below' : ''}`);
  const providers = describeProviders(env);
  say(`  Drafting:     ${providers.drafter}`);
  say(`  Email:        ${providers.mailer}`);
  if (appDeps.devOutbox) say(`  Dev outbox:   ${base}/dev/outbox   (handoff links and every other email land here; no mail provider configured)`);
  else if (!loopback && activityDeps.mailer.provider === 'dev-outbox') say(`  Dev outbox:   off: HOST=${env.HOST} is reachable from other machines; emails are held (GET /api/outbox)`);
  say(`  API:          ${base}/api   (Authorization: Bearer <key>)`);
  say(`  Metrics:      ${base}/metrics   (Prometheus${env.RELAY_METRICS_TOKEN ? '; Authorization: Bearer $RELAY_METRICS_TOKEN' : ''}; probes: ${base}/livez, ${base}/readyz)`);
  say(`  Temporal UI:  ${temporalServer.uiUrl ?? env.TEMPORAL_UI_URL}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows   (filter: RelayStatus="pending_handoff")`);
  say(`  Reconciler:   ${temporalServer.uiUrl ?? env.TEMPORAL_UI_URL}/namespaces/${env.TEMPORAL_NAMESPACE}/schedules/${RECONCILE_SCHEDULE_ID}   (restarts stranded account runs every 10 minutes)`);
  say(`  Health:       ${temporalServer.uiUrl ?? env.TEMPORAL_UI_URL}/namespaces/${env.TEMPORAL_NAMESPACE}/schedules/${healthScheduleId(seed.orgId)}   (nightly scoring at 02:00 UTC; Score now in Settings → Health)`);
  say(`  Database:     ${database.where}`);
  if (seed.apiKey) say(`  API key:      ${seed.apiKey}${seed.created && !env.RELAY_SEED_API_KEY ? '   (shown once: stored hashed; set RELAY_SEED_API_KEY to choose your own)' : ''}`);
  else say('  API key:      printed on the first run only; set RELAY_SEED_API_KEY to use one of your choosing');
  if (seed.writeKey) say(`  Write key:    ${seed.writeKey}   (events: Segment and PostHog SDKs with host ${base}; ${env.RELAY_SEED_WRITE_KEY ? 'from RELAY_SEED_WRITE_KEY' : 'shown once: stored hashed; set RELAY_SEED_WRITE_KEY to choose your own'})`);
  else say('  Write key:    printed when made only; POST /api/write-keys makes another, or set RELAY_SEED_WRITE_KEY');
  say(`  Try:          curl -H "Authorization: Bearer <key>" ${base}/api/accounts`);
  say('Press Ctrl+C to stop.');

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('Stopping Relay…');
    // Requests in flight are answered (within the grace period) before the worker and connections go.
    await server.close({ graceMs: env.RELAY_SHUTDOWN_GRACE_MS });
    // The worker listens for SIGINT/SIGTERM itself and may already be draining.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await workerConnection.close();
    await temporal.connection.close();
    await database.close();
    await temporalServer.stop();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`Relay failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
