import type { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env.ts';
import { publicUrl } from '../config/env.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import type { AppDeps } from './deps.ts';

/** What the API needs, from the environment and the open connections. */
export function buildAppDeps(env: Env, database: DatabaseHandle, temporal: { client: Client; connection: Connection }, mailer: Mailer): AppDeps {
  const base = publicUrl(env);
  return {
    db: database.db,
    temporal: temporal.client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    namespace: env.TEMPORAL_NAMESPACE,
    temporalUiUrl: env.TEMPORAL_UI_URL,
    devOutbox: mailer.provider === 'dev-outbox' && env.NODE_ENV !== 'production',
    mailer,
    publicUrl: base,
    secureCookies: base.startsWith('https:'),
    trustProxy: env.RELAY_TRUST_PROXY,
    checkHealth: async () => {
      const [db, tq] = await Promise.allSettled([
        database.ping(),
        temporal.connection.workflowService.getSystemInfo({}),
      ]);
      return { database: db.status === 'fulfilled', temporal: tq.status === 'fulfilled' };
    },
  };
}
