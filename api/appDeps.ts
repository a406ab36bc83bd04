import type { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env.ts';
import { publicUrl } from '../config/env.ts';
import type { DatabaseHandle } from '../db/client.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { resolveTokenSecret } from '../platform/providers.ts';
import { checkReadiness } from '../platform/readiness.ts';
import { createSecretBox } from '../platform/secretBox.ts';
import type { AppDeps } from './deps.ts';

/**
 * What the API needs, from the environment and the open connections. The dev outbox pages (whose
 * sign-in links give a session to whoever opens them) are served only when the caller asks for
 * development mode, as `npm start` (scripts/dev.ts) does, and only without a mail provider, never in
 * production. `npm run api` never asks: its held emails are visible to admins through GET /api/outbox.
 */
export function buildAppDeps(
  env: Env, database: DatabaseHandle, temporal: { client: Client; connection: Connection }, mailer: Mailer,
  opts: { devMode?: boolean } = {},
): AppDeps {
  const base = publicUrl(env);
  return {
    db: database.db,
    temporal: temporal.client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    namespace: env.TEMPORAL_NAMESPACE,
    temporalUiUrl: env.TEMPORAL_UI_URL,
    devOutbox: opts.devMode === true && mailer.provider === 'dev-outbox' && env.NODE_ENV !== 'production',
    mailer,
    publicUrl: base,
    secureCookies: base.startsWith('https:'),
    secretBox: createSecretBox(resolveTokenSecret(env)),
    ...(env.HUBSPOT_BASE_URL ? { hubspotBaseUrl: env.HUBSPOT_BASE_URL } : {}),
    ...(env.NOTION_BASE_URL ? { notionBaseUrl: env.NOTION_BASE_URL } : {}),
    ...(env.HUBSPOT_CLIENT_ID && env.HUBSPOT_CLIENT_SECRET ? { hubspotOAuth: { clientId: env.HUBSPOT_CLIENT_ID, clientSecret: env.HUBSPOT_CLIENT_SECRET } } : {}),
    trustProxy: env.RELAY_TRUST_PROXY,
    checkReadiness: () => checkReadiness(database, temporal.connection, { namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE }),
  };
}
