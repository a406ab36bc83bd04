import type { MiddlewareHandler } from 'hono';
import type { DashboardEnv } from '../deps.ts';

/** Admin-only pages (users, settings): a CSM gets a plain 403 page. */
export function requireAdmin(onRefused: (c: Parameters<MiddlewareHandler<DashboardEnv>>[0]) => Response | Promise<Response>): MiddlewareHandler<DashboardEnv> {
  return async function requireAdminMiddleware(c, next) {
    if (c.get('user').role !== 'admin') return onRefused(c);
    await next();
  };
}
