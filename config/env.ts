import { z } from 'zod';

/** Env flags are "true"/"1" or "false"/"0"; z.coerce.boolean would read "false" as true. */
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  RELAY_DATA_DIR: z.string().default('.data'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('relay-accounts'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  /** The workflow bundle `npm run build:workflows` writes (relative to the project root); production workers refuse to start without it. */
  RELAY_WORKFLOW_BUNDLE: z.string().min(1).default('dist/workflow-bundle.js'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The interface the HTTP server listens on: this machine only unless told otherwise (containers set 0.0.0.0). */
  HOST: z.string().min(1).default('127.0.0.1'),
  RELAY_PUBLIC_URL: z.string().url().optional(),
  /** Derives handoff tokens (HMAC); without it `npm start` keeps a generated one in the data dir. */
  RELAY_SECRET: z.string().min(32, 'RELAY_SECRET must be at least 32 characters').optional(),
  RELAY_SEED_API_KEY: z.string().min(20).optional(),
  RELAY_SEED_WRITE_KEY: z.string().min(20).optional(),
  RELAY_SEED_ADMIN_EMAIL: z.string().email().default('admin@example.com'),
  RELAY_LOG_QUIET: flag.default(false),
  /** Behind a reverse proxy that sets X-Forwarded-For: rate limits count the real client, not the proxy. */
  RELAY_TRUST_PROXY: flag.default(false),
  /** Scrapers of /metrics (API and worker) must send `Authorization: Bearer <token>`; unset: /metrics is open (keep it internal). */
  RELAY_METRICS_TOKEN: z.string().min(16, 'RELAY_METRICS_TOKEN must be at least 16 characters').optional(),
  /** The worker's own listener (/metrics, /livez, /readyz) on this port, on HOST; unset: none (npm start serves them on the app). */
  RELAY_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** host:port where the Temporal SDK's own Prometheus metrics (temporal_*) are served by the worker process; unset: off. */
  RELAY_TEMPORAL_METRICS_ADDRESS: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'RELAY_TEMPORAL_METRICS_ADDRESS is host:port, e.g. 0.0.0.0:9464').optional(),
  /** On SIGTERM: how long requests in flight (API) and tasks in hand (worker) get to finish before they are cut. */
  RELAY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /** On SIGTERM the API first says not-ready (/readyz 503) this long, still serving, so a balancer stops sending before it closes. */
  RELAY_SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** OpenTelemetry traces (OTLP over HTTP) from API requests into workflows and activities; unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  EMAIL_FROM: z.string().min(3).default('Relay <onboarding@relay.local>'),
  EMAIL_REPLY_TO: z.string().email().optional(),
  /** Without it, email stays in the dev outbox (never in production: see platform/providers.ts). */
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: z.string().url().optional(),
  RESEND_TIMEOUT_MS: z.coerce.number().int().min(1000).max(25_000).default(10_000),
  /** Without it, handoff answers come from the rule-based drafter, marked unverified. */
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Any OpenAI-compatible endpoint, e.g. a local model server. */
  OPENAI_BASE_URL: z.string().url().optional(),
  /** Where the HubSpot SDK sends its calls (tests: a fake of HubSpot's API). */
  HUBSPOT_BASE_URL: z.string().url().optional(),
  /** The HubSpot OAuth app ("Connect with HubSpot"); both or neither. Without them, HubSpot connects by a private app's token only. */
  HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(8).optional(),
  /** Where the Notion SDK sends its calls (tests: a fake of Notion's API; the SDK appends /v1/). */
  NOTION_BASE_URL: z.string().url().optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  // Kept under the draftHandoff activity's 2-minute start-to-close timeout, so a slow model ends in
  // our own retry/fallback decision rather than an activity timeout.
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(1000).max(100_000).default(30_000),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override name = 'EnvError';
}

/** Parses the environment once, at start-up; a bad value stops the process with the variable named. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.refine((e) => !e.HUBSPOT_CLIENT_ID === !e.HUBSPOT_CLIENT_SECRET, {
    path: ['HUBSPOT_CLIENT_SECRET'], message: 'set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET together (the HubSpot OAuth app), or neither',
  }).safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function publicUrl(env: Env): string {
  return (env.RELAY_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
}
