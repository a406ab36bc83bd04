import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Database } from '../../db/client.ts';
import { findLiveSession } from '../../db/repositories/sessions.ts';
import { hashToken } from '../../domain/secretTokens.ts';
import { addLogFields } from '../../platform/log.ts';
import type { DashboardEnv } from '../deps.ts';

export const SESSION_COOKIE = 'relay_session';

/** Signed-in users only: anyone else is sent to /login and brought back afterwards. */
export function dashboardSession(db: Database): MiddlewareHandler<DashboardEnv> {
  return async function dashboardSessionMiddleware(c, next) {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await findLiveSession(db, hashToken(token)) : null;
    if (!session) {
      const next_ = c.req.method === 'GET' ? `?next=${encodeURIComponent(new URL(c.req.url).pathname + new URL(c.req.url).search)}` : '';
      return c.redirect(`/login${next_}`, 303);
    }
    c.set('user', session.user);
    // Every log line of the request from here on names the organisation and the user.
    addLogFields({ orgId: session.user.orgId, userId: session.user.id });
    c.set('csrfToken', session.csrfToken);
    c.set('sessionId', session.sessionId);
    c.header('Cache-Control', 'no-store');
    await next();
  };
}
