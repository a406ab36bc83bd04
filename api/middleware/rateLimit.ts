import type { Context, MiddlewareHandler } from 'hono';

export interface RateLimitOptions {
  /** Requests allowed per key within one window. */
  limit: number;
  windowMs: number;
  /** Who a request counts against (usually the client address). */
  keyOf: (c: Context) => string;
  onLimited: (c: Context, retryAfterSeconds: number) => Response | Promise<Response>;
  now?: () => number;
}

/**
 * A fixed-window limiter kept in this process's memory. It slows guessing at one instance; with
 * several API instances each keeps its own count, which still bounds a guesser to limit × instances.
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return async function rateLimitMiddleware(c, next) {
    const t = now();
    if (t - lastSweep > opts.windowMs) {
      for (const [key, w] of windows) if (t - w.start >= opts.windowMs) windows.delete(key);
      lastSweep = t;
    }
    const key = opts.keyOf(c);
    const current = windows.get(key);
    const window = current && t - current.start < opts.windowMs ? current : { start: t, count: 0 };
    window.count += 1;
    windows.set(key, window);
    if (window.count > opts.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.start + opts.windowMs - t) / 1000));
      c.header('Retry-After', String(retryAfter));
      return opts.onLimited(c, retryAfter);
    }
    await next();
  };
}
