import { Hono, type Context } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { createMetrics } from '../platform/metrics.ts';
import type { ApiEnv, AppDeps } from './deps.ts';
import { errorResponse, handleError } from './errors.tsx';
import { RelayError } from '../services/errors.ts';
import { apiKeyAuth } from './middleware/apiKeyAuth.ts';
import { requestBodyLimit } from './middleware/requestBodyLimit.ts';
import { requestTelemetry } from './middleware/requestTelemetry.ts';
import { storableInput } from './middleware/storableInput.ts';
import { accountRoutes } from './routes/accounts.ts';
import { taskRoutes } from './routes/tasks.ts';
import { followUpApiRoutes } from './routes/followUp.ts';
import { dashboardRoutes } from './routes/dashboard/index.tsx';
import { devOutboxRoutes } from './routes/devOutbox.tsx';
import { eventRoutes } from './routes/events.ts';
import { exportRoutes } from './routes/exports.ts';
import { handoffPageRoutes } from './routes/handoffPage.tsx';
import { healthRoutes } from './routes/health.ts';
import { importRoutes } from './routes/imports.ts';
import { connectorRoutes, webhookRoutes } from './routes/connectors.ts';
import { ingestionRoutes } from './routes/ingestion.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { portalPageRoutes } from './routes/portal.tsx';
import { signInRoutes } from './routes/signIn.tsx';
import { writeKeyRoutes } from './routes/writeKeys.ts';

export function createApp(deps: AppDeps) {
  const metrics = deps.metrics ?? createMetrics({ db: deps.db, temporal: deps.temporal });
  // Readiness: whether requests can be served now, and if not, which dependency is missing. Not while
  // draining for shutdown: the balancer must stop sending before the listener closes.
  const ready = async (c: Context) => {
    if (deps.isShuttingDown?.()) {
      c.header('Retry-After', '5');
      return c.json({ status: 'shutting_down' }, 503);
    }
    const readiness = await deps.checkReadiness();
    const missing = (Object.keys(readiness) as (keyof typeof readiness)[]).filter((k) => !readiness[k]);
    if (missing.length) c.header('Retry-After', '5');
    return c.json({ status: missing.length ? 'unavailable' : 'ready', ...readiness, missing }, missing.length ? 503 : 200);
  };
  const api = new Hono<ApiEnv>()
    // Liveness: the process answers. Restart it only when this fails, never for a dependency's outage.
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/ready', ready)
    .use('*', apiKeyAuth(deps.db))
    .route('/accounts', accountRoutes(deps))
    .route('/tasks', taskRoutes(deps))
    .route('/follow-up', followUpApiRoutes(deps))
    .route('/outbox', outboxRoutes(deps))
    .route('/imports', importRoutes(deps))
    .route('/exports', exportRoutes(deps))
    .route('/events', eventRoutes(deps))
    .route('/write-keys', writeKeyRoutes(deps))
    // /api/health/config and /api/health/runs; GET /api/health (liveness, above) answers before the key check.
    .route('/health', healthRoutes(deps))
    .route('/connectors', connectorRoutes(deps));

  const app = new Hono()
    // Every answer carries X-Request-Id; every error body and log line of the request names it.
    // …and is measured by route pattern (GET /metrics), with one log line when answered.
    .use('*', requestId(), requestTelemetry(metrics))
    // Probes and scrapers: no key, no session. /livez: the process answers (restart it only when this
    // fails); /readyz: as /api/ready; /metrics: Prometheus, bearer RELAY_METRICS_TOKEN when set.
    .get('/livez', (c) => c.json({ status: 'ok' }))
    .get('/readyz', ready)
    .get('/metrics', async (c) => {
      if (!metrics.allows(c.req.header('authorization'))) return c.text('Unauthorized', 401, { 'WWW-Authenticate': 'Bearer' });
      const { contentType, body } = await metrics.scrape();
      return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    })
    // No page runs script (they work without it), so none may run: a second wall behind escaping.
    .use('*', secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameSrc: ["'self'"],
        formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"],
      },
      // A route that sets its own policy keeps it (the dev outbox's framed email: sandboxed, frameable by us).
      overwrite: false,
    }))
    // The customer portal's uploads carry their own limit (25 MB a submission, 10 MB a file) and the
    // text rule, set in its router: mounted ahead of the 1 MB limit, which would refuse them.
    .route('/portal', portalPageRoutes(deps))
    // 1 MB per body (413) before anything reads one; the CSV uploads keep their own 5 MB limit.
    .use('*', requestBodyLimit())
    // One rule for text, on every route: control characters (and broken UTF-16) in the path, the
    // query or any body a route reads are a 400 naming the field, never stored (domain/text.ts).
    .use('*', storableInput())
    .route('/api', api)
    .route('/handoff', handoffPageRoutes(deps))
    // CRM webhooks: signed by the provider, no API key.
    .route('/webhooks', webhookRoutes(deps))
    // Segment's and PostHog's ingestion paths, where their SDKs post (write key auth, not /api's key).
    .route('/', ingestionRoutes(deps));
  if (deps.devOutbox) app.route('/dev/outbox', devOutboxRoutes(deps));
  app.get('/', (c) => c.redirect('/accounts'))
    .route('/', signInRoutes(deps))
    // Last: its session check answers every remaining path with a redirect to /login.
    .route('/', dashboardRoutes(deps));
  app.notFound((c) => (c.req.path.startsWith('/api/')
    ? errorResponse(c, new RelayError('not_found', 'no such route'))
    : c.text('Not found', 404)));
  app.onError(handleError);
  return app;
}
