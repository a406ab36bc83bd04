// `npm run cluster`: the production rehearsal on one machine. A real Temporal server (frontend,
// history, matching and worker services in one process) on Postgres, its Web UI, Relay's migrations,
// the API and TWO worker processes sharing the task queue, each its own OS process, as in
// docker-compose.yml. `npm start` stays the one-process embedded experience.
//
//   PORT            the API (default 3000)
//   DATABASE_URL    Relay's database (default postgres://postgres@127.0.0.1:5432/relay_cluster);
//                   Temporal's two live on the same server: <db>_temporal, <db>_temporal_visibility
//   TEMPORAL_PORT   the frontend's gRPC port (default 7233); its other ports move with it
//   TEMPORAL_UI_URL where the Web UI listens (default http://localhost:8233)
//   TEMPORAL_DATABASE  Temporal's main database name, if not <db>_temporal
//   RELAY_CLUSTER_WORKERS  worker processes (default 2)
//
// `--temporal-only` starts just the Temporal part (scripts/test-cluster.sh runs the tests on it),
// `--no-ui` skips the Web UI, `--scratch` drops Temporal's databases when stopping,
// `--ready-file <path>` writes the frontend's address there once everything is up.
// Ctrl+C or SIGTERM stops what it started, in order: API, workers, Web UI, Temporal server.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { loadEnv, publicUrl } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { seedDemo } from '../db/seed/seedDemo.ts';
import { adoptPidFile, releasePidFile, startManagedProcess, type ManagedProcess } from '../platform/processGroup.ts';
import { resolveTokenSecret } from '../platform/providers.ts';
import { PROJECT_ROOT } from '../platform/temporalCli.ts';
import { connectTemporal, ensureReconcileSchedule } from '../platform/temporalClient.ts';
import {
  checkPortsFree, dropTemporalDatabases, ensureDatabaseExists, ensureNamespaceReady, ensureTemporalServerTools, freeTemporalServerPorts,
  migrateTemporalDatabases, startTemporalServer, startTemporalUi, temporalDatabasesBeside, temporalServerPorts,
} from '../platform/temporalServer.ts';

const { values: flags } = parseArgs({
  options: {
    'temporal-only': { type: 'boolean', default: false },
    'no-ui': { type: 'boolean', default: false },
    scratch: { type: 'boolean', default: false },
    'ready-file': { type: 'string' },
  },
});

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/relay_cluster';
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
// The cluster's own Temporal server is the one everything talks to, whatever TEMPORAL_ADDRESS says.
const env = loadEnv({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: undefined });
const workerCount = Number(process.env.RELAY_CLUSTER_WORKERS ?? 2);
/** Each worker's own /metrics listener: consecutive ports from RELAY_WORKER_METRICS_PORT, when set. */
const workerMetricsBase = env.RELAY_WORKER_METRICS_PORT;
const workerMetricsEnv = (n: number): NodeJS.ProcessEnv => (workerMetricsBase ? { RELAY_WORKER_METRICS_PORT: String(workerMetricsBase + n - 1) } : {});
if (!Number.isInteger(workerCount) || workerCount < 1) throw new Error(`RELAY_CLUSTER_WORKERS=${process.env.RELAY_CLUSTER_WORKERS}: a whole number ≥ 1`);
const relayDatabase = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
const dbs = temporalDatabasesBeside(databaseUrl, process.env.TEMPORAL_DATABASE || `${relayDatabase}_temporal`);
const stateDir = resolve(PROJECT_ROOT, env.RELAY_DATA_DIR, 'cluster', dbs.main);
mkdirSync(stateDir, { recursive: true });
const logPath = (name: string) => join(stateDir, `${name}.log`);
/** Paths as a reader types them: relative when under the current directory. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

const started = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`[cluster +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

/** One part of the cluster (Temporal server, Web UI, API, a worker): the process now running it. */
interface Part { name: string; current: ManagedProcess }
/** Everything started, in start order; stopped in reverse. */
const parts: Part[] = [];
let stopping: Promise<void> | null = null;

function stopAll(code: number, why: string): Promise<void> {
  stopping ??= (async () => {
    step(`stopping (${why})`);
    for (const part of [...parts].reverse()) {
      const t = Date.now();
      // Workers get long enough to finish the tasks in hand; Temporal to hand its shards back.
      await part.current.stop(part.name === 'temporal-server' ? 30_000 : 35_000); // workers and the API get their own 25 s grace (RELAY_SHUTDOWN_GRACE_MS) first
      step(`  ${part.name} stopped (${await part.current.exited}) in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    }
    releasePidFile();
    if (flags.scratch) {
      await dropTemporalDatabases(dbs);
      step(`  dropped ${dbs.main} and ${dbs.visibility}`);
    }
    if (flags['ready-file']) rmSync(flags['ready-file'], { force: true });
    process.exit(code);
  })();
  return stopping;
}

/**
 * Keeps a part running. Relay's API and workers come back after a crash or a kill, as compose's
 * restart policy brings containers back (1 s, then doubling while it keeps failing within 10 s, up to
 * five times in a row); the other workers carry the queue meanwhile. The Temporal server or the Web
 * UI ending takes the whole cluster down, loudly: everything depends on them.
 */
function supervise(name: string, start: () => ManagedProcess, opts: { restart: boolean }): Part {
  const part: Part = { name, current: start() };
  parts.push(part);
  let quickExits = 0;
  const watch = (proc: ManagedProcess, startedAt: number) => {
    void proc.exited.then((result) => {
      if (stopping) return;
      if (!opts.restart) {
        process.stderr.write(`${name} exited unexpectedly (${result}); its log: ${shown(logPath(name))}\n`);
        void stopAll(1, `${name} exited`);
        return;
      }
      quickExits = Date.now() - startedAt < 10_000 ? quickExits + 1 : 0;
      if (quickExits >= 5) {
        process.stderr.write(`${name} keeps exiting (${result}); its log: ${shown(logPath(name))}\n`);
        void stopAll(1, `${name} keeps exiting`);
        return;
      }
      const delay = 1000 * 2 ** Math.max(0, quickExits - 1);
      step(`${name} exited (${result}); starting it again in ${delay / 1000} s`);
      setTimeout(() => {
        if (stopping) return;
        part.current = start();
        watch(part.current, Date.now());
      }, delay);
    });
  };
  watch(part.current, Date.now());
  return part;
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = 'no answer yet';
  while (Date.now() < deadline) {
    if (stopping) throw new Error(`stopped while waiting for ${what}`);
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} not ready within ${ms / 1000} s (last: ${String(last)})`);
}

async function startTemporal(ui: boolean) {
  step('building or finding the Temporal server, its SQL tool' + (ui ? ' and the Web UI server' : ''));
  const tools = ensureTemporalServerTools({ ui });
  const requestedPort = Number(process.env.TEMPORAL_PORT ?? 7233);
  // 0: any free layout (scratch clusters for tests).
  const ports = requestedPort === 0 ? await freeTemporalServerPorts() : temporalServerPorts(requestedPort);
  await checkPortsFree({ ...ports });

  step(`migrating Temporal's databases ${dbs.main} and ${dbs.visibility} on ${dbs.host}:${dbs.port}`);
  for (const line of await migrateTemporalDatabases(tools, dbs)) step(`  ${line}`);

  step(`starting the Temporal server on 127.0.0.1:${ports.frontend}`);
  const server = await startTemporalServer({
    tools, dbs, ports, logFile: logPath('temporal-server'), renderedConfigFile: join(stateDir, 'temporal-config.yaml'),
  });
  supervise('temporal-server', () => server.process, { restart: false });
  const namespace = await ensureNamespaceReady(server.address, env.TEMPORAL_NAMESPACE);
  step(`namespace ${env.TEMPORAL_NAMESPACE} ${namespace}, search attributes registered`);

  let uiUrl: string | null = null;
  if (ui) {
    if (tools.uiServerBin) {
      const started = await startTemporalUi({ bin: tools.uiServerBin, address: server.address, url: env.TEMPORAL_UI_URL, logFile: logPath('temporal-ui') });
      supervise('temporal-ui', () => started.process, { restart: false });
      uiUrl = started.url;
      step(`Web UI on ${uiUrl}`);
    } else {
      step('no Web UI server could be built: use the gRPC address with the Temporal CLI');
    }
  }
  return { address: server.address, metricsUrl: server.metricsUrl, uiUrl };
}

async function startRelay(temporalAddress: string) {
  if (await ensureDatabaseExists(databaseUrl)) step(`created Relay's database ${relayDatabase}`);
  // One owner for set-up, before any API or worker process starts (as compose's migrate service).
  const database = await openDatabase({ url: databaseUrl, dataDir: env.RELAY_DATA_DIR, max: 2 });
  let apiKey: string | null;
  try {
    await database.migrate();
    step(`Relay's migrations applied to ${database.where}`);
    const seed = await seedDemo(database.db, { adminEmail: env.RELAY_SEED_ADMIN_EMAIL, apiKey: env.RELAY_SEED_API_KEY, writeKey: env.RELAY_SEED_WRITE_KEY });
    apiKey = seed.apiKey;
  } finally {
    await database.close();
  }
  const temporal = await connectTemporal(temporalAddress, env.TEMPORAL_NAMESPACE);
  try {
    step(`reconcile schedule ${await ensureReconcileSchedule(temporal.client, { taskQueue: env.TEMPORAL_TASK_QUEUE })}`);
  } finally {
    await temporal.connection.close();
  }

  // API and workers must derive the same handoff tokens: one secret, resolved here, handed to all.
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, RELAY_SECRET: resolveTokenSecret(env),
    // Production shape: workers run a prebuilt workflow bundle (built below, once for all of them).
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    RELAY_WORKFLOW_BUNDLE: join(stateDir, 'workflow-bundle.js'),
  };
  const tsx = (file: string) => ['--import', 'tsx', join(PROJECT_ROOT, file)];
  if (childEnv.NODE_ENV === 'production') {
    step('bundling the workflows once for the workers');
    const build = startManagedProcess('build-workflows', process.execPath, tsx('scripts/buildWorkflowBundle.ts'), { cwd: PROJECT_ROOT, env: childEnv, logFile: logPath('build-workflows') });
    const result = await build.exited;
    if (result !== 0) throw new Error(`bundling the workflows failed (${result}): ${shown(logPath('build-workflows'))}`);
  }

  const workersStarted: Promise<void>[] = [];
  for (let n = 1; n <= workerCount; n++) {
    let markStarted!: () => void;
    workersStarted.push(new Promise<void>((resolve) => { markStarted = resolve; }));
    supervise(`worker-${n}`, () => {
      let output: string | null = '';
      return startManagedProcess(`worker-${n}`, process.execPath, tsx('worker.ts'), {
        // RELAY_WORKER_METRICS_PORT=P: worker n serves /metrics, /livez, /readyz on P+n-1 (unset: none).
        cwd: PROJECT_ROOT, env: { ...childEnv, ...workerMetricsEnv(n) }, logFile: logPath(`worker-${n}`),
        // worker.ts logs this line once it polls; the start-up wait below is for it.
        onOutput: (chunk) => {
          if (output === null) return;
          output = (output + chunk).slice(-10_000);
          if (output.includes('"message":"worker started"')) { markStarted(); output = null; }
        },
      });
    }, { restart: true });
  }
  step(`${workerCount} worker processes starting`);
  await Promise.race([Promise.all(workersStarted), waitFor('the workers', 180_000, async () => null)]);
  step(`workers started; their logs: ${shown(logPath('worker-1'))}…`);

  supervise('api', () => startManagedProcess('api', process.execPath, tsx('api/server.ts'), { cwd: PROJECT_ROOT, env: childEnv, logFile: logPath('api') }), { restart: true });
  const readyUrl = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}/api/ready`;
  await waitFor(`the API (${readyUrl})`, 60_000, async () => ((await fetch(readyUrl)).ok ? true : null));
  // Every worker process polls the queue: the API's readiness needs one; the rehearsal wants them all.
  const pollers = await waitFor(`${workerCount} pollers on ${env.TEMPORAL_TASK_QUEUE}`, 60_000, async () => {
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const queue = await connection.workflowService.describeTaskQueue({ namespace: env.TEMPORAL_NAMESPACE, taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 });
      const identities = new Set((queue.pollers ?? []).map((p) => p.identity));
      return identities.size >= workerCount ? [...identities] : null;
    } finally {
      await connection.close();
    }
  });
  step(`API ready; workflow pollers: ${pollers.join(', ')}`);
  return { apiKey };
}

async function main(): Promise<void> {
  const reaped = adoptPidFile(join(stateDir, 'pids'));
  if (reaped.length) step(`killed what an earlier run left behind: ${reaped.join(', ')}`);
  const temporal = await startTemporal(!flags['no-ui']);
  let apiKey: string | null = null;
  if (!flags['temporal-only']) ({ apiKey } = await startRelay(temporal.address));

  const took = ((Date.now() - started) / 1000).toFixed(1);
  say('');
  say(flags['temporal-only'] ? `Temporal server is running (${took} s).` : `Relay cluster is running (${took} s).`);
  if (!flags['temporal-only']) {
    const base = publicUrl(env);
    say(`  App:          ${base}   (sign-in links are held in the outbox: GET ${base}/api/outbox)`);
    say(`  API:          ${base}/api   (Authorization: Bearer <key>)`);
    say(`  API key:      ${apiKey ?? 'printed on the first run only; set RELAY_SEED_API_KEY to use one of your choosing'}`);
    say(`  Workers:      ${workerCount} processes on task queue ${env.TEMPORAL_TASK_QUEUE}`);
    say(`  Database:     ${new URL(databaseUrl).host}/${relayDatabase}`);
  }
  say(`  Temporal:     ${temporal.address}   (gRPC; namespace ${env.TEMPORAL_NAMESPACE}; databases ${dbs.main}, ${dbs.visibility})`);
  say(`  Temporal UI:  ${temporal.uiUrl ? `${temporal.uiUrl}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows` : 'not running (use `temporal --address ' + temporal.address + '`)'}`);
  say(`  Metrics:      ${temporal.metricsUrl}   (the Temporal server's Prometheus endpoint)`);
  if (!flags['temporal-only']) {
    say(`  Relay metrics: ${publicUrl(env)}/metrics (API)${workerMetricsBase ? `, http://127.0.0.1:${workerMetricsBase}…${workerMetricsBase + workerCount - 1}/metrics (workers)` : '; workers: set RELAY_WORKER_METRICS_PORT'}`);
  }
  say(`  Logs:         ${shown(stateDir)}/*.log`);
  say('Press Ctrl+C to stop.');
  if (flags['ready-file']) writeFileSync(flags['ready-file'], temporal.address);
}

// `on`, not `once`: a Ctrl+C reaches this process twice (from the terminal and relayed by tsx), and
// a second, unhandled SIGINT would kill it half-way through stopping the others.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0, signal));
main().catch(async (error) => {
  process.stderr.write(`cluster failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  await stopAll(1, 'start-up failed');
});
