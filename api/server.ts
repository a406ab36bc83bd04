import { pathToFileURL } from 'node:url';
import { Client } from '@temporalio/client';
import { loadEnv } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { buildMailer } from '../platform/providers.ts';
import { startHttpServer } from '../platform/httpServer.ts';
import { log } from '../platform/log.ts';
import { createMetrics } from '../platform/metrics.ts';
import { startTracing } from '../platform/telemetry.ts';
import { connectTemporal } from '../platform/temporalClient.ts';
import { buildAppDeps } from './appDeps.ts';
import { createApp } from './app.tsx';

/** The API on its own (production shape): stateless, so run as many as you like behind a balancer. */
async function main(): Promise<void> {
  const env = loadEnv();
  if (!env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required to run the API on its own (npm start runs everything together)');
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required to run the API on its own: the embedded database belongs to one process');
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.RELAY_DATA_DIR });
  const tracing = startTracing(env, 'api');
  const connected = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
  // With tracing on, the client's starts, updates and signals carry the request's trace into the workflow.
  const temporal = tracing
    ? { connection: connected.connection, client: new Client({ connection: connected.connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: tracing.clientInterceptors }) }
    : connected;
  // The same choice of mailer as the worker's. Never development mode: without a mail provider the
  // emails are held in the outbox table (GET /api/outbox), and no /dev/outbox pages are served.
  const metrics = createMetrics({ db: database.db, temporal: temporal.client, token: env.RELAY_METRICS_TOKEN, defaultMetrics: true });
  let shuttingDown = false;
  const app = createApp({ ...buildAppDeps(env, database, temporal, buildMailer(env)), metrics, isShuttingDown: () => shuttingDown });
  const server = await startHttpServer(app.fetch, env.PORT, env.HOST);
  log.info('api listening', { host: env.HOST, port: server.port, database: database.where, temporal: env.TEMPORAL_ADDRESS });
  if (!env.RELAY_METRICS_TOKEN && env.NODE_ENV === 'production') log.warn('/metrics is open to anyone who reaches the API: set RELAY_METRICS_TOKEN or block /metrics at the proxy');
  // Graceful: say not-ready (the balancer stops sending), stop accepting, answer what is in flight
  // (within the grace period), then close Temporal and the database. A second signal does not cut it short.
  const stop = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('api stopping', { signal, inFlight: server.inFlight(), graceMs: env.RELAY_SHUTDOWN_GRACE_MS });
    if (env.RELAY_SHUTDOWN_DELAY_MS) await new Promise((r) => setTimeout(r, env.RELAY_SHUTDOWN_DELAY_MS));
    await server.close({ graceMs: env.RELAY_SHUTDOWN_GRACE_MS });
    log.info('api stopped accepting; requests in flight answered');
    await temporal.connection.close();
    await database.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    log.error('api stopped', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}
