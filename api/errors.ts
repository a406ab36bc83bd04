import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ERROR_CODES, RelayError } from '../services/errors.ts';
import { log } from '../platform/log.ts';

/** Every error answer has one shape: `{ error: { code, message, fields?, ... } }`. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof RelayError) {
    return c.json({ error: { code: error.code, message: error.message, ...error.details } }, ERROR_CODES[error.code]);
  }
  if (error instanceof HTTPException) {
    const code = error.status === 401 ? 'unauthorized' : error.status === 404 ? 'not_found' : 'validation';
    return c.json({ error: { code, message: error.message || 'bad request' } }, error.status);
  }
  log.error('request failed', { method: c.req.method, path: c.req.path, error: error.message, stack: error.stack });
  return c.json({ error: { code: 'internal', message: 'something went wrong on our side' } }, 500);
}
