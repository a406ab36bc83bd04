import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_CODES, RelayError } from '../services/errors.ts';
import { log } from '../platform/log.ts';
import { ErrorPage } from '../ui/pages/ErrorPage.tsx';

/**
 * Every API error answer has one shape: `{ error: { code, message, fields?, ... } }`; a page request
 * (anything outside /api) gets the same status as a readable page instead.
 */
export function handleError(error: Error, c: Context): Response | Promise<Response> {
  let status: ContentfulStatusCode;
  let body: { code: string; message: string } & Record<string, unknown>;
  if (error instanceof RelayError) {
    status = ERROR_CODES[error.code];
    body = { code: error.code, message: error.message, ...error.details };
  } else if (error instanceof HTTPException) {
    status = error.status as ContentfulStatusCode;
    body = { code: error.status === 401 ? 'unauthorized' : error.status === 404 ? 'not_found' : 'validation', message: error.message || 'bad request' };
  } else {
    log.error('request failed', { method: c.req.method, path: c.req.path, error: error.message, stack: error.stack });
    status = 500;
    body = { code: 'internal', message: 'something went wrong on our side' };
  }
  if (c.req.path.startsWith('/api/') || c.req.path === '/api') return c.json({ error: body }, status);
  return c.html(<ErrorPage status={status} message={body.message} />, status);
}
