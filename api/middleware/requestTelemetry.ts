import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { addLogFields, log, withLogFields } from '../../platform/log.ts';
import type { RelayMetrics } from '../../platform/metrics.ts';
import { accountWorkflowId } from '../../workflows/definitions.ts';

/** `/api/accounts/<uuid>…` and the dashboard's `/accounts/<uuid>…`: the account (and its run) a request is about. */
const ACCOUNT_PATH = /^\/(?:api\/)?accounts\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;

/** Paths probes and scrapers call every few seconds: measured, but no log line each time. */
const QUIET_PATHS = new Set(['/metrics', '/livez', '/readyz', '/api/health', '/api/ready']);

/** The organisation the request acts for, once the API key (orgId) or the session (user) named it. */
function orgIdOf(c: Context): string | undefined {
  const vars = c.var as { orgId?: unknown; user?: { orgId?: unknown } };
  const orgId = vars.orgId ?? vars.user?.orgId;
  return typeof orgId === 'string' ? orgId : undefined;
}

/**
 * Every request: its log lines carry requestId (and accountId/workflowId when the path names an
 * account; orgId once authentication sets it, see platform/log.ts's addLogFields), one line when it
 * is answered (method, route pattern, status, ms, orgId), and the HTTP metrics by route pattern.
 * Runs after hono's requestId middleware.
 */
export function requestTelemetry(metrics: RelayMetrics): MiddlewareHandler {
  // The global tracer: a no-op unless platform/telemetry.ts's startTracing registered a provider
  // (OTEL_EXPORTER_OTLP_ENDPOINT). While the route runs its span is active, so the Temporal client's
  // calls (workflow starts, updates, signals) carry it into the workflow and its activities.
  const tracer = trace.getTracer('relay');
  return async function requestTelemetryMiddleware(c, next) {
    const started = performance.now();
    const done = metrics.requestStarted();
    const accountId = ACCOUNT_PATH.exec(c.req.path)?.[1]?.toLowerCase();
    const fields: Record<string, unknown> = { requestId: c.get('requestId') };
    if (accountId) Object.assign(fields, { accountId, workflowId: accountWorkflowId(accountId) });
    await withLogFields(fields, () => tracer.startActiveSpan(`${c.req.method} request`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method } }, async (span) => {
      // With tracing on, every line of the request names its trace: logs and spans meet.
      if (span.isRecording()) addLogFields({ traceId: span.spanContext().traceId });
      try {
        await next();
      } finally {
        done();
        const status = c.res.status;
        // The pattern of the handler that answered; a 404 no route matched (only `*` middleware ran) is one series.
        const matched = routePath(c);
        const route = status === 404 && (matched === '' || matched.endsWith('*')) ? 'unmatched' : matched || 'unmatched';
        const seconds = (performance.now() - started) / 1000;
        metrics.observeRequest({ method: c.req.method, route, status, seconds });
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status, 'relay.request_id': String(fields.requestId) });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        const orgId = orgIdOf(c);
        if (orgId) addLogFields({ orgId });
        if (!QUIET_PATHS.has(c.req.path) || status >= 500) {
          log.info('request', { method: c.req.method, route, status, ms: Math.round(seconds * 1000) });
        }
      }
    }));
  };
}
