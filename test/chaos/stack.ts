import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createApp } from '../../api/app.tsx';
import { buildAppDeps } from '../../api/appDeps.ts';
import { loadEnv } from '../../config/env.ts';
import { openDatabase, type DatabaseHandle } from '../../db/client.ts';
import { seedOrganisation, type SeededOrganisation } from '../../db/seed/seedOrganisation.ts';
import { DEFAULT_HANDOFF_QUESTIONS } from '../../domain/handoffQuestions.ts';
import { startHttpServer, type RunningHttpServer } from '../../platform/httpServer.ts';
import { buildMailer } from '../../platform/providers.ts';
import { findTemporalCli } from '../../platform/temporalCli.ts';
import { connectTemporal, ensureReconcileSchedule } from '../../platform/temporalClient.ts';
import { freePort, startTemporalDevServer, type DevServer } from '../../platform/temporalDevServer.ts';
import type { UpdateTimeouts } from '../../services/workflowUpdates.ts';
import { WORKFLOWS_PATH } from '../../worker.ts';
import { openAiReply, startOpenAiFake, type OpenAiFake } from '../fakes/openaiFake.ts';
import { startResendFake, type ResendFake } from '../fakes/resendFake.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../support/privatePostgres.ts';
import { startStormGate, stormOf, type StormGate } from './stormGate.ts';
import { createWorkerPool, type WorkerPool } from './workerPool.ts';

const OPENAI_KEY = 'sk-chaos-fake';
const RESEND_KEY = 're_chaos_fake';
const SECRET = 'chaos-secret-for-handoff-tokens-0123456789';
const TASK_QUEUE = 'relay-chaos';

/**
 * Everything the chaos suite runs and breaks, all of its own: a Postgres server (stopped and started
 * for outages; the machine's shared one is never touched), a Temporal dev server on a SQLite file
 * (restarted on the same file and port), the provider fakes behind storm gates, two worker
 * processes, and the app served over HTTP.
 */
export interface ChaosStack {
  baseUrl: string;
  org: SeededOrganisation;
  /** The suite's own view of the database and of Temporal, for the checks. */
  database: DatabaseHandle;
  temporal: Client;
  postgres: PrivatePostgres;
  workers: WorkerPool;
  resend: ResendFake;
  openai: OpenAiFake;
  gates: { openai: StormGate; resend: StormGate };
  /** Stops the Temporal dev server and starts it again on the same database file and port; resolves when it serves. */
  restartTemporal(): Promise<{ downMs: number }>;
  artifactsDir: string;
  close(): Promise<void>;
}

const draftAnswers = () => DEFAULT_HANDOFF_QUESTIONS.map((q) => ({ key: q.key, answer: `Drafted by the fake model: ${q.key}`, confidence: 0.9 }));

export async function startChaosStack(opts: { artifactsDir: string; workers: number; updateTimeouts: UpdateTimeouts; now: () => number }): Promise<ChaosStack> {
  mkdirSync(opts.artifactsDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'relay-chaos-'));
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      try { await closer(); } catch { /* keep closing the rest */ }
    }
    closers.length = 0;
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    // Postgres of our own, migrated.
    const postgres = await startPrivatePostgres();
    closers.push(() => postgres.destroy());
    const setup = await openDatabase({ url: postgres.url, dataDir: '.data', max: 1 });
    await setup.migrate();
    await setup.close();

    // Temporal on a database file, so a restart keeps every run.
    const cli = findTemporalCli();
    if (!cli) throw new Error('no Temporal CLI: run `sh scripts/ensure-temporal.sh` or set TEMPORAL_CLI_PATH');
    const dbFile = join(scratch, 'temporal.db');
    const temporalLog = createWriteStream(join(opts.artifactsDir, 'temporal-server.log'));
    const port = await freePort();
    let server: DevServer = await startTemporalDevServer({ cli, port, uiPort: null, dbFile, logFile: temporalLog });
    closers.push(async () => { await server.stop(); temporalLog.end(); });
    const address = server.address;

    // The providers, each behind a gate that can turn it into a storm of 5xx and 429.
    const openai = await startOpenAiFake({ apiKey: OPENAI_KEY });
    closers.push(() => openai.close());
    openai.always(openAiReply.answers(draftAnswers()));
    const resend = await startResendFake({ apiKey: RESEND_KEY });
    closers.push(() => resend.close());
    const gates = {
      openai: await startStormGate(openai.baseURL.replace(/\/v1$/, ''), stormOf((status) => ({
        body: { error: { message: status === 429 ? 'Rate limit reached for requests' : 'The server had an error while processing your request.', type: status === 429 ? 'requests' : 'server_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } },
      }))),
      resend: await startStormGate(resend.baseUrl, stormOf((status) => ({
        body: status === 429
          ? { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests. You can only make 2 requests per second.' }
          : { statusCode: status, name: 'internal_server_error', message: 'An unexpected error occurred.' },
      }))),
    };
    closers.push(() => gates.openai.close(), () => gates.resend.close());

    // The app, as `npm run api` composes it, over HTTP on a port known before the workers start.
    const appPort = await freePort();
    const baseUrl = `http://127.0.0.1:${appPort}`;
    const env = loadEnv({
      DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, RELAY_SECRET: SECRET,
      RELAY_PUBLIC_URL: baseUrl, PORT: String(appPort), RESEND_API_KEY: RESEND_KEY, RESEND_BASE_URL: gates.resend.url,
      RESEND_TIMEOUT_MS: '5000', OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${gates.openai.url}/v1`, OPENAI_TIMEOUT_MS: '10000',
      EMAIL_FROM: 'Relay <onboarding@relay.test>',
    });
    const appDatabase = await openDatabase({ url: postgres.url, dataDir: '.data' });
    closers.push(() => appDatabase.close());
    const appTemporal = await connectTemporal(address, 'default');
    closers.push(() => appTemporal.connection.close());
    const app = createApp({
      ...buildAppDeps(env, appDatabase, appTemporal, buildMailer(env)),
      // Every request comes from this one address: the limiters have their own tests.
      handoffRateLimit: { limit: 1_000_000, windowMs: 60_000 },
      signInRateLimit: { limit: 1_000_000, windowMs: 60_000 },
      updateTimeouts: opts.updateTimeouts,
    });
    const http: RunningHttpServer = await startHttpServer(app.fetch, appPort);
    closers.push(() => http.close());

    const database = await openDatabase({ url: postgres.url, dataDir: '.data', max: 4 });
    closers.push(() => database.close());
    const checker = await connectTemporal(address, 'default');
    closers.push(() => checker.connection.close());
    // What `npm run temporal:setup` does in production, every minute instead of every ten, so the
    // reconciler runs several times during the faults (and must find nothing to restart).
    await ensureReconcileSchedule(checker.client, { taskQueue: TASK_QUEUE, every: '1 minute' });
    const org = await seedOrganisation(database.db, {
      name: 'Chaos Org', slug: `chaos-${Date.now()}`,
      admin: { email: 'admin@chaos.relay.test', name: 'Ada Admin' },
      csms: [
        { email: 'casey@chaos.relay.test', name: 'Casey CSM' },
        { email: 'robin@chaos.relay.test', name: 'Robin CSM' },
        { email: 'sam@chaos.relay.test', name: 'Sam CSM' },
      ],
    });

    // Workers run the prebuilt bundle, as production does: a replacement polls within seconds.
    const bundlePath = join(scratch, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } });
    writeFileSync(bundlePath, code);
    const workers = createWorkerPool({
      logDir: opts.artifactsDir, now: opts.now,
      env: {
        NODE_ENV: 'production', RELAY_WORKFLOW_BUNDLE: bundlePath, DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: TASK_QUEUE, RELAY_SECRET: SECRET, RELAY_PUBLIC_URL: baseUrl,
        OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: `${gates.openai.url}/v1`, OPENAI_TIMEOUT_MS: '10000',
        RESEND_API_KEY: RESEND_KEY, RESEND_BASE_URL: gates.resend.url, RESEND_TIMEOUT_MS: '5000',
        EMAIL_FROM: 'Relay <onboarding@relay.test>',
      },
    });
    closers.push(() => workers.stopAll());
    await workers.start(opts.workers);

    return {
      baseUrl, org, database, temporal: checker.client, postgres, workers, resend, openai, gates, artifactsDir: opts.artifactsDir,
      async restartTemporal() {
        const began = Date.now();
        await server.stop();
        // The port may take a moment to be free again.
        for (let attempt = 1; ; attempt++) {
          try {
            server = await startTemporalDevServer({ cli, port, uiPort: null, dbFile, logFile: temporalLog });
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
            await new Promise((r) => setTimeout(r, 1_000));
          }
        }
        return { downMs: Date.now() - began };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
