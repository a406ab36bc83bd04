import { pathToFileURL } from 'node:url';
import { loadEnv } from '../config/env.ts';
import { openDatabase } from '../db/client.ts';
import { buildMailer } from '../platform/providers.ts';
import { startHttpServer } from '../platform/httpServer.ts';
import { log } from '../platform/log.ts';
import { connectTemporal } from '../platform/temporalClient.ts';
import { buildAppDeps } from './appDeps.ts';
import { createApp } from './app.tsx';

/** The API on its own (production shape): stateless, so run as many as you like behind a balancer. */
async function main(): Promise<void> {
  const env = loadEnv();
  if (!env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required to run the API on its own (npm start runs everything together)');
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is required to run the API on its own: the embedded database belongs to one process');
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.RELAY_DATA_DIR });
  const temporal = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
  // The same choice of mailer as the worker's. Never development mode: without a mail provider the
  // emails are held in the outbox table (GET /api/outbox), and no /dev/outbox pages are served.
  const app = createApp(buildAppDeps(env, database, temporal, buildMailer(env)));
  const server = await startHttpServer(app.fetch, env.PORT, env.HOST);
  log.info('api listening', { host: env.HOST, port: server.port, database: database.where, temporal: env.TEMPORAL_ADDRESS });
  const stop = async () => {
    await server.close();
    await temporal.connection.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    log.error('api stopped', { error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}
