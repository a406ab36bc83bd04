import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { RelayError, type ErrorCode } from '../services/errors.ts';
import { log } from '../platform/log.ts';
import { ErrorPage } from '../ui/pages/ErrorPage.tsx';
import { isIngestionPath } from './ingestionPaths.ts';

/** The one place that knows which HTTP status each error code answers with. */
const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export function httpStatusOf(code: ErrorCode): ContentfulStatusCode {
  return HTTP_STATUS[code];
}

function codeOfHttpStatus(status: number): ErrorCode {
  const found = (Object.entries(HTTP_STATUS) as [ErrorCode, number][]).find(([, s]) => s === status);
  return found ? found[0] : 'validation';
}

const isApiRequest = (c: Context) => c.req.path.startsWith('/api/') || c.req.path === '/api' || isIngestionPath(c.req.path);

/** Pages for people outside the dashboard: an AE's handoff link, a customer's portal. */
const isOutsiderPage = (c: Context) => c.req.path.startsWith('/handoff/') || c.req.path.startsWith('/portal/');

/**
 * Every API error answer has one shape: `{ error: { code, message, requestId, fields?, ... } }`;
 * a page request (anything outside /api) gets the same status as a readable page, with the same
 * request ID to quote. The request ID is also on every log line the request wrote.
 */
/** How long a client should wait before trying again after a 503 (a dependency restarting). */
const RETRY_AFTER_SECONDS = 5;

export function errorResponse(c: Context, error: RelayError): Response | Promise<Response> {
  const status = HTTP_STATUS[error.code];
  const requestId = c.get('requestId') as string | undefined;
  if (error.code === 'unavailable') c.header('Retry-After', String(RETRY_AFTER_SECONDS));
  if (isApiRequest(c)) return c.json({ error: { code: error.code, message: error.message, requestId, ...error.details } }, status);
  return c.html(<ErrorPage status={status} message={error.message} requestId={requestId} dashboardLink={!isOutsiderPage(c)} />, status);
}

export function handleError(error: Error, c: Context): Response | Promise<Response> {
  if (error instanceof RelayError) return errorResponse(c, error);
  if (isDatabaseUnavailable(error)) {
    log.warn('database unavailable', { method: c.req.method, route: c.req.routePath, error: error.message });
    return errorResponse(c, new RelayError('unavailable', 'Relay cannot reach its database right now; nothing was changed. Try again in a moment.'));
  }
  if (error instanceof HTTPException) {
    return errorResponse(c, new RelayError(codeOfHttpStatus(error.status), error.message || 'bad request'));
  }
  // The route pattern, not the path: a handoff link's token is a credential and must not reach the logs.
  log.error('request failed', { method: c.req.method, route: c.req.routePath, error: error.message, stack: error.stack });
  const requestId = c.get('requestId') as string | undefined;
  if (isApiRequest(c)) return c.json({ error: { code: 'internal', message: 'something went wrong on our side', requestId } }, 500);
  return c.html(<ErrorPage status={500} message="Something went wrong on our side." requestId={requestId} dashboardLink={!isOutsiderPage(c)} />, 500);
}
