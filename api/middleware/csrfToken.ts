import type { MiddlewareHandler } from 'hono';
import { sameSecret } from '../../domain/secretTokens.ts';
import type { DashboardEnv } from '../deps.ts';
import { readFormBody } from './storableInput.ts';

export const CSRF_FIELD = '_csrf';

/**
 * Every state-changing dashboard request must echo the session's CSRF token (hidden form field or
 * X-CSRF-Token header). SameSite=Lax cookies already stop most cross-site posts; this stops the rest.
 */
export function csrfToken(onRefused: (c: Parameters<MiddlewareHandler<DashboardEnv>>[0]) => Response | Promise<Response>): MiddlewareHandler<DashboardEnv> {
  return async function csrfTokenMiddleware(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const type = c.req.header('content-type') ?? '';
      if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
        // A form with refused text still proves (or fails) its token; the route then shows it again.
        const { body } = await readFormBody(c);
        const field = body[CSRF_FIELD];
        sent = typeof field === 'string' ? field : undefined;
      }
    }
    if (!sent || !sameSecret(sent, c.get('csrfToken'))) return onRefused(c);
    await next();
  };
}
