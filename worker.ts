import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.ts';
import { loadEnv, publicUrl, type Env } from './config/env.ts';
import { buildDrafter, buildMailer, describeProviders, resolveTokenSecret } from './platform/providers.ts';
import { openDatabase, type Database } from './db/client.ts';
import { log } from './platform/log.ts';
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
}

export async function createRelayWorker(opts: RelayWorkerOptions): Promise<Worker> {
  const workflowBundle = opts.workflowBundle ?? prebuiltWorkflowBundle();
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.activityDeps),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
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

/**
 * Production runs only the prebuilt bundle (the code that was built and replay-tested, not whatever
 * is on disk at start-up, and no seconds of bundling per start); development bundles workflows/ as
 * edited, so a leftover bundle can never hide an edit.
 */
function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  const env = loadEnv();
  if (env.NODE_ENV !== 'production') return undefined;
  const codePath = workflowBundlePath(env);
  if (!existsSync(codePath)) {
    throw new Error(`no prebuilt workflow bundle at ${codePath}: run \`npm run build:workflows\` when building (the Dockerfile does), or set RELAY_WORKFLOW_BUNDLE`);
  }
  log.info('worker runs the prebuilt workflow bundle', { codePath });
  return { codePath };
}

/** The worker on its own (production shape): needs TEMPORAL_ADDRESS and DATABASE_URL. */
async function main(): Promise<void> {
  const env = loadEnv();
  if (!env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required to run the worker on its own (npm start runs everything together)');
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required to run the worker on its own: the embedded database belongs to one process');
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.RELAY_DATA_DIR });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createRelayWorker({
    connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE,
    activityDeps: buildActivityDeps(env, database.db),
  });
  log.info('worker started', { taskQueue: env.TEMPORAL_TASK_QUEUE, address: env.TEMPORAL_ADDRESS, database: database.where, ...describeProviders(env) });
  // Every organisation's nightly scoring schedule and the rescorer, brought in line at each start
  // (idempotent: several workers starting together all find the same schedules and the same rescorer).
  const temporal = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
  try {
    await ensureHealthWorkflows({ db: database.db, temporal: temporal.client, taskQueue: env.TEMPORAL_TASK_QUEUE });
  } catch (error) {
    // The worker is still useful without them; the next start tries again.
    log.warn('could not bring the health schedules in line', { error: error instanceof Error ? error.message : String(error) });
  } finally {
    await temporal.connection.close();
  }
  try {
    await worker.run();
  } finally {
    await connection.close();
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    log.error('worker stopped', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}
