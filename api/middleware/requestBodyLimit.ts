import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RelayError } from '../../services/errors.ts';
import { errorResponse } from '../errors.tsx';

/** Every JSON and form body: far above any real form or API request, far below what stalls a server. */
export const REQUEST_BODY_LIMIT_BYTES = 1024 * 1024;

/** The CSV uploads (POST /api/imports, POST /imports) carry their own 5 MB limit (importUploadLimit). */
const UPLOAD_ROUTES = new Set(['/api/imports', '/imports']);

const isUpload = (c: Context) => c.req.method === 'POST' && UPLOAD_ROUTES.has(c.req.path);

/**
 * Stops an oversized body while it streams in (or at once, from its Content-Length), before any
 * route, CSRF check or parser buffers it: 413 `payload_too_large` for the API, the error page for pages.
 */
export function requestBodyLimit(maxBytes = REQUEST_BODY_LIMIT_BYTES): MiddlewareHandler {
  const message = `The request body is larger than the ${maxBytes / 1024 / 1024} MB limit.`;
  const limit = bodyLimit({ maxSize: maxBytes, onError: (c) => errorResponse(c, new RelayError('payload_too_large', message)) });
  return async function requestBodyLimitMiddleware(c, next) {
    if (isUpload(c)) return next();
    return limit(c, next);
  };
}
